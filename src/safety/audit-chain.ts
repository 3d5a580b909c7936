import { nodeCrypto } from '../lazy-crypto.js';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The audit log's hash chain. Every line ends with `"hash":"ALG:HEX"`, the hash of the line before
 * that field; the line itself names the previous line's hash in `prev` and its place in `seq`. So an
 * edited line fails its own hash, and a deleted, inserted or reordered line breaks `prev`/`seq` at
 * the next one. With PROXMOX_AUDIT_KEY the hash is an HMAC: whoever can write the file but does not
 * know the key cannot recompute the chain after editing it. Without a key (plain SHA-256) the chain
 * catches accidents and careless edits, not someone who rewrites every hash after theirs.
 *
 * A new file (first start, or after rotation) starts a new chain at seq 1 whose `prev` is the last
 * hash of the old file when this process wrote it, so rotated files can be verified as one sequence.
 */

export type ChainAlg = 'sha256' | 'hmac-sha256';

const HASH_TAIL = /,"hash":"(sha256|hmac-sha256):([0-9a-f]{64})"\}$/;
/** How much of the file's end is read to find its last line. */
const TAIL_BYTES = 4096;

export interface ChainLink {
  hash: string;
  seq: number;
}

export function chainAlg(key?: string): ChainAlg {
  return key ? 'hmac-sha256' : 'sha256';
}

function digest(body: string, alg: ChainAlg, key?: string): string {
  const h = alg === 'hmac-sha256' ? nodeCrypto().createHmac('sha256', key ?? '') : nodeCrypto().createHash('sha256');
  return `${alg}:${h.update(body, 'utf8').digest('hex')}`;
}

/** Where the next record goes in the chain: its seq, and the hash it follows (null at the start of a first chain). */
export interface NextLink {
  seq: number;
  prev: string | null;
}

/**
 * The line for a record: the record's fields, then `seq` and `prev`, then its hash. `record` is
 * serialised as given (field order kept); `seq`, `prev` and `hash` in it are replaced.
 */
export function sealRecord(record: Record<string, unknown>, next: NextLink, key?: string): { line: string; link: ChainLink } {
  const { seq: _s, prev: _p, hash: _h, ...fields } = record;
  const body = JSON.stringify({ ...fields, seq: next.seq, prev: next.prev });
  const hash = digest(body, chainAlg(key), key);
  return { line: `${body.slice(0, -1)},"hash":"${hash}"}`, link: { hash, seq: next.seq } };
}

/** The end of a chained line; JSON escapes quotes inside values, so only the real fields match here. */
const LINK_TAIL =
  /,"seq":(\d{1,15}),"prev":(?:null|"(?:sha256|hmac-sha256):[0-9a-f]{64}"),"hash":"((?:sha256|hmac-sha256):[0-9a-f]{64})"\}$/;

export type FileEnd = { state: 'missing' } | { state: 'chained'; link: ChainLink } | { state: 'unchained' };

/** How an existing file ends: missing or empty, a chained line (its hash and seq), or something else. */
export function fileEnd(file: string): FileEnd {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { state: 'missing' };
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const tail = buf.toString('utf8').trimEnd();
    if (tail === '') return { state: 'missing' };
    const m = LINK_TAIL.exec(tail);
    return m ? { state: 'chained', link: { seq: Number(m[1]), hash: m[2] } } : { state: 'unchained' };
  } finally {
    closeSync(fd);
  }
}

export interface VerifyResult {
  ok: boolean;
  /** Records checked (of all files). */
  records: number;
  /** The first problem: which file and line (1-based), and what is wrong. */
  problem?: { file: string; line: number; reason: string };
  /** The last record's hash: keep it elsewhere to detect later truncation of the file's end. */
  lastHash?: string;
  /** The `prev` the first file's chain starts from when it continues an older (rotated) file. */
  continuesFrom?: string;
}

const sameHash = (a: string, b: string) => a.length === b.length && nodeCrypto().timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Checks the chain of one or more files given oldest first (a rotated file, then the current one),
 * and names the first line that is wrong.
 */
export function verifyChain(files: Array<{ name: string; text: string }>, key?: string): VerifyResult {
  let link: ChainLink | undefined;
  let records = 0;
  let continuesFrom: string | undefined;
  for (const [fileIndex, file] of files.entries()) {
    const lines = file.text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    const fail = (line: number, reason: string): VerifyResult => ({
      ok: false,
      records,
      problem: { file: file.name, line, reason },
      continuesFrom,
    });
    if (lines.length === 0) return fail(0, 'the file is empty');
    for (const [i, line] of lines.entries()) {
      const n = i + 1;
      const m = HASH_TAIL.exec(line);
      let parsed: { seq?: unknown; prev?: unknown };
      try {
        parsed = JSON.parse(line) as typeof parsed;
      } catch {
        return fail(n, 'not a JSON record (a line was cut, joined or edited)');
      }
      if (!m) return fail(n, 'not a chained audit record (no "hash" at the end)');
      const alg = m[1] as ChainAlg;
      if (alg === 'hmac-sha256' && !key) return fail(n, 'the chain is keyed (HMAC): set PROXMOX_AUDIT_KEY to the key it was written with');
      const body = `${line.slice(0, m.index)}}`;
      if (!sameHash(digest(body, alg, key), `${alg}:${m[2]}`)) {
        return fail(
          n,
          alg === 'hmac-sha256'
            ? 'edited: its hash does not match its content (or PROXMOX_AUDIT_KEY is not the key it was written with)'
            : 'edited: its hash does not match its content',
        );
      }
      const { seq, prev } = parsed;
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return fail(n, 'no valid "seq"');
      if (prev !== null && typeof prev !== 'string') return fail(n, 'no valid "prev"');
      if (seq === 1) {
        // A chain start: the first line of a file (fresh or rotated), naming the old file's last hash if known.
        if (i > 0) return fail(n, `a new chain starts inside the file (seq 1 after seq ${link?.seq}): lines before it were replaced`);
        if (fileIndex === 0) continuesFrom = prev ?? undefined;
        else if (prev === null || !link || !sameHash(prev, link.hash)) {
          return fail(
            n,
            `does not continue ${files[fileIndex - 1].name}: its "prev" is not the last hash of that file (files out of order, or that file's end was changed)`,
          );
        }
      } else if (!link) {
        if (i > 0 || fileIndex > 0) return fail(n, 'the chain is broken here');
        return fail(n, `the file starts at seq ${seq}: the first ${seq - 1} line(s) are missing`);
      } else {
        if (seq !== link.seq + 1) {
          return fail(
            n,
            seq > link.seq + 1
              ? `seq ${seq} follows seq ${link.seq}: ${seq - link.seq - 1} line(s) before it were deleted`
              : `seq ${seq} follows seq ${link.seq}: lines were reordered or repeated`,
          );
        }
        if (prev === null || !sameHash(prev, link.hash))
          return fail(n, 'its "prev" is not the hash of the line before it: lines were deleted, inserted or reordered');
      }
      link = { hash: `${alg}:${m[2]}`, seq };
      records++;
    }
  }
  return { ok: true, records, lastHash: link?.hash, continuesFrom };
}

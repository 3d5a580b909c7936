import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** One usable line of an OpenSSH known_hosts file. `@revoked` and `@cert-authority` lines are kept apart. */
export interface KnownHostEntry {
  marker?: 'revoked' | 'cert-authority';
  /** Host patterns as written (`host`, `[host]:port`, `*.lan`, `!bad`), or a hashed `|1|salt|hash`. */
  hosts: string[];
  keyType: string;
  /** The public key blob (SSH wire format), as sent by the server during key exchange. */
  key: Buffer;
  line: number;
}

/**
 * Parses known_hosts text. Lines that cannot be understood are skipped, as OpenSSH does, so one bad line
 * never makes every host untrusted.
 */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift()!.toLowerCase();
      if (m !== '@revoked' && m !== '@cert-authority') return;
      marker = m.slice(1) as KnownHostEntry['marker'];
    }
    if (fields.length < 3) return;
    const [hostField, keyType, b64] = fields;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return;
    const key = Buffer.from(b64, 'base64');
    // The blob starts with its own type name; a line whose two disagree is corrupt.
    if (blobKeyType(key) !== keyType || !isWellFormedBlob(key)) return;
    out.push({ marker, hosts: hostField.split(','), keyType, key, line: i + 1 });
  });
  return out;
}

/** The name inside a key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, ...). */
export function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return undefined;
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** Every public key blob is a run of length-prefixed fields that fills it exactly; a cut-off line is not. */
function isWellFormedBlob(blob: Buffer): boolean {
  let at = 0;
  let fields = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) return false;
    at += 4 + blob.readUInt32BE(at);
    fields++;
  }
  return at === blob.length && fields >= 2;
}

/** `SHA256:base64` without padding, as `ssh-keygen -lf` and the OpenSSH client print it. */
export function sha256Fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The name OpenSSH looks up: the bare host on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Whether one host field (`a,b,[c]:2222,!d,*.lan`, or hashed) names `name`; a matching negation wins. */
export function hostFieldMatches(patterns: string[], name: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('|1|')) {
      if (hashedMatches(pattern, name)) matched = true;
      continue;
    }
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    if (globMatches(glob.toLowerCase(), name.toLowerCase())) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function hashedMatches(pattern: string, name: string): boolean {
  const [, , salt, hash] = pattern.split('|');
  if (!salt || !hash) return false;
  const want = Buffer.from(hash, 'base64');
  const got = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** OpenSSH host patterns: `*` any run, `?` one character, everything else literal. */
function globMatches(glob: string, name: string): boolean {
  const re = new RegExp(
    '^' +
      glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
  );
  return re.test(name);
}

/** The entries that apply to `host` on `port`, split by what they say. */
export function entriesFor(entries: KnownHostEntry[], host: string, port: number): { keys: KnownHostEntry[]; revoked: KnownHostEntry[] } {
  const name = knownHostsName(host, port);
  const keys: KnownHostEntry[] = [];
  const revoked: KnownHostEntry[] = [];
  for (const e of entries) {
    if (e.marker === 'revoked') {
      if (hostFieldMatches(e.hosts, name)) revoked.push(e);
    } else if (!e.marker && hostFieldMatches(e.hosts, name)) {
      keys.push(e);
    }
  }
  return { keys, revoked };
}

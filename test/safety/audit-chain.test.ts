import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/audit-command.js';
import { sealRecord, verifyChain } from '../../src/safety/audit-chain.js';
import { AuditLog } from '../../src/safety/audit.js';

const KEY = 'an audit key of some length';
const cli = path.resolve(__dirname, '../../dist/cli.js');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'audit-chain-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeLog(file: string, n: number, key?: string): string[] {
  const log = new AuditLog(file, key);
  for (let i = 0; i < n; i++)
    log.record({
      tool: 'proxmox-api',
      method: 'POST',
      path: `/nodes/pve1/qemu/${100 + i}/status/stop`,
      params: { timeout: i },
      status: 'ok',
    });
  return readFileSync(file, 'utf8').trimEnd().split('\n');
}
const verify = (lines: string[], key?: string) => verifyChain([{ name: 'log', text: lines.join('\n') + '\n' }], key);

describe('the audit log hash chain', () => {
  it('chains each record to the one before: seq, prev and its own hash', () => {
    const lines = writeLog(path.join(dir, 'a.jsonl'), 3);
    const recs = lines.map((l) => JSON.parse(l));
    expect(recs.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(recs[0].prev).toBeNull();
    expect(recs[1].prev).toBe(recs[0].hash);
    expect(recs[2].prev).toBe(recs[1].hash);
    expect(recs[0].hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(verify(lines)).toMatchObject({ ok: true, records: 3, lastHash: recs[2].hash });
  });

  it('names an edited line', () => {
    const lines = writeLog(path.join(dir, 'a.jsonl'), 5);
    for (const edit of [
      (l: string) => l.replace('"timeout":2', '"timeout":9'),
      (l: string) => l.replace('"status":"ok"', '"status":"error"'),
      (l: string) => l.replace('qemu/102', 'qemu/666'),
    ]) {
      const changed = [...lines];
      changed[2] = edit(changed[2]);
      expect(changed[2]).not.toBe(lines[2]);
      expect(verify(changed).problem).toEqual({ file: 'log', line: 3, reason: 'edited: its hash does not match its content' });
    }
  });

  it('names the line after a deleted one, and a reordered pair', () => {
    const lines = writeLog(path.join(dir, 'a.jsonl'), 5);
    const deleted = lines.filter((_, i) => i !== 1);
    expect(verify(deleted).problem).toMatchObject({
      line: 2,
      reason: expect.stringMatching(/seq 3 follows seq 1: 1 line\(s\) before it were deleted/),
    });
    const firstGone = lines.slice(1);
    expect(verify(firstGone).problem).toMatchObject({ line: 1, reason: expect.stringMatching(/first 1 line\(s\) are missing/) });
    const swapped = [lines[0], lines[2], lines[1], lines[3], lines[4]];
    expect(verify(swapped).problem).toMatchObject({ line: 2, reason: expect.stringMatching(/deleted/) });
    const repeated = [lines[0], lines[1], lines[1], lines[2]];
    expect(verify(repeated).problem).toMatchObject({ line: 3, reason: expect.stringMatching(/reordered or repeated/) });
  });

  it('finds a line rewritten with a fresh plain hash, and a forged chain, when the log is keyed', () => {
    const lines = writeLog(path.join(dir, 'a.jsonl'), 3, KEY);
    expect(JSON.parse(lines[0]).hash).toMatch(/^hmac-sha256:/);
    expect(verify(lines, KEY)).toMatchObject({ ok: true, records: 3 });
    expect(verify(lines).problem?.reason).toMatch(/set PROXMOX_AUDIT_KEY/);
    expect(verify(lines, 'not the key it was written with').problem).toMatchObject({ line: 1, reason: expect.stringMatching(/^edited/) });
    // Someone without the key rewrites line 2 and reseals it (and everything after) with plain hashes.
    const rec = JSON.parse(lines[1]);
    const first = JSON.parse(lines[0]);
    const forged = sealRecord({ ...rec, status: 'error' }, { seq: 2, prev: first.hash }, 'a guessed key, long enough').line;
    expect(verify([lines[0], forged, lines[2]], KEY).problem).toMatchObject({ line: 2, reason: expect.stringMatching(/^edited/) });
  });

  it('rejects what is not a chained record: cut lines, plain JSON, junk', () => {
    const lines = writeLog(path.join(dir, 'a.jsonl'), 3);
    expect(verify([lines[0], lines[1].slice(0, 40)]).problem).toMatchObject({
      line: 2,
      reason: expect.stringMatching(/not a JSON record/),
    });
    expect(verify([lines[0], '{"time":"x","tool":"t"}']).problem).toMatchObject({ line: 2, reason: expect.stringMatching(/no "hash"/) });
    expect(verify(['{"__proto__":{"x":1},"hash":"sha256:' + '0'.repeat(64) + '"}']).problem).toMatchObject({
      line: 1,
      reason: expect.stringMatching(/edited/),
    });
    expect(verifyChain([{ name: 'e', text: '' }]).problem?.reason).toMatch(/empty/);
    expect(verify([lines[0], lines[1] + ' '.repeat(3)]).problem?.line).toBe(2);
  });

  it("survives rotation: the new file starts a chain that names the old file's last hash", () => {
    const file = path.join(dir, 'audit.jsonl');
    const log = new AuditLog(file);
    log.record({ tool: 't', status: 'ok', path: '/a' });
    log.record({ tool: 't', status: 'ok', path: '/b' });
    const old = path.join(dir, 'audit.jsonl.1');
    renameSync(file, old);
    log.record({ tool: 't', status: 'ok', path: '/c' });
    log.record({ tool: 't', status: 'ok', path: '/d' });
    const oldText = readFileSync(old, 'utf8');
    const newText = readFileSync(file, 'utf8');
    const lastOld = JSON.parse(oldText.trimEnd().split('\n').at(-1)!).hash;
    expect(JSON.parse(newText.split('\n')[0])).toMatchObject({ seq: 1, prev: lastOld });
    expect(verifyChain([{ name: 'new', text: newText }])).toMatchObject({ ok: true, records: 2, continuesFrom: lastOld });
    expect(
      verifyChain([
        { name: 'old', text: oldText },
        { name: 'new', text: newText },
      ]),
    ).toMatchObject({ ok: true, records: 4 });
    expect(
      verifyChain([
        { name: 'new', text: newText },
        { name: 'old', text: oldText },
      ]).problem,
    ).toMatchObject({ file: 'old', line: 1, reason: expect.stringMatching(/does not continue new/) });
    // A new process appending to the current file continues its chain.
    new AuditLog(file).record({ tool: 't', status: 'ok', path: '/e' });
    expect(
      verifyChain([
        { name: 'old', text: oldText },
        { name: 'new', text: readFileSync(file, 'utf8') },
      ]),
    ).toMatchObject({ ok: true, records: 5 });
  });

  it('keeps one chain when two processes take turns writing one file, and a huge record does not break it', () => {
    const file = path.join(dir, 'audit.jsonl');
    const a = new AuditLog(file);
    const b = new AuditLog(file);
    a.record({ tool: 'a', status: 'ok' });
    b.record({ tool: 'b', status: 'ok', params: { description: 'long words '.repeat(20_000) } });
    a.record({ tool: 'a', status: 'ok', params: { __proto__: 'p', constructor: 'c' } as Record<string, unknown> });
    expect(verifyChain([{ name: 'f', text: readFileSync(file, 'utf8') }])).toMatchObject({ ok: true, records: 3 });
  });

  it('proxmox-mcp audit verify: exit 0 with the last hash, exit 1 naming the first bad line', () => {
    const file = path.join(dir, 'audit.jsonl');
    const lines = writeLog(file, 4);
    const printed: string[] = [];
    expect(auditCommand(['verify', file], {}, (l) => printed.push(l))).toBe(0);
    expect(printed[0]).toMatch(/^ok: 4 record\(s\) in 1 file\(s\), chain intact; last hash sha256:/);
    writeFileSync(file, [lines[0], lines[1].replace('qemu/101', 'qemu/999'), lines[2], lines[3]].join('\n') + '\n');
    const r = spawnSync(process.execPath, [cli, 'audit', 'verify', file], {
      encoding: 'utf8',
      env: { ...process.env, PROXMOX_AUDIT_KEY: '' },
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(`BAD ${file} line 2: edited: its hash does not match its content (1 record(s) before it are intact)\n`);
    const usage = spawnSync(process.execPath, [cli, 'audit', 'check', file], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/usage: proxmox-mcp audit verify FILE/);
    const missing = spawnSync(process.execPath, [cli, 'audit', 'verify', path.join(dir, 'nope')], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope: ENOENT/);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHostKey, preferredHostKeyAlgorithms } from '../../src/exec/host-key-check.js';
import { entriesFor, hostFieldMatches, parseKnownHosts, sha256Fingerprint } from '../../src/exec/known-hosts.js';

const haveKeygen = (() => {
  try {
    execFileSync('/usr/bin/ssh-keygen', ['-?'], { stdio: 'ignore' });
  } catch (e) {
    return (e as { status?: number }).status !== undefined;
  }
  return true;
})();

describe.skipIf(!haveKeygen)('known_hosts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pmcp-kh-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const key = (name: string, type = 'ed25519') => {
    execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', type, '-N', '', '-f', join(dir, name)], { stdio: 'ignore' });
    const [t, b64] = readFileSync(join(dir, `${name}.pub`), 'utf8').split(/\s+/);
    return {
      type: t,
      b64,
      blob: Buffer.from(b64, 'base64'),
      fp: execFileSync('/usr/bin/ssh-keygen', ['-lf', join(dir, `${name}.pub`)], { encoding: 'utf8' }).split(/\s+/)[1],
    };
  };
  const a = key('a');
  const b = key('b');
  const e = key('e', 'ecdsa');
  const r = key('r', 'rsa');

  it('computes the fingerprint ssh-keygen -lf prints', () => {
    expect(sha256Fingerprint(a.blob)).toBe(a.fp);
    expect(sha256Fingerprint(e.blob)).toBe(e.fp);
  });

  it('parses plain, bracketed, hashed, marked and broken lines', () => {
    const file = join(dir, 'kh');
    writeFileSync(file, `pve1,10.0.0.11 ${a.type} ${a.b64}\n[10.0.0.12]:2222 ${b.type} ${b.b64} comment\n`);
    execFileSync('/usr/bin/ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' }); // hashes every name
    const hashed = readFileSync(file, 'utf8');
    expect(hashed).toMatch(/^\|1\|/m);
    const text = `# comment\n\n${hashed}@revoked * ${e.type} ${e.b64}\nbroken line\nx ssh-ed25519 ${b.b64.slice(0, 20)}\nz ssh-ed25519 ${b.b64.slice(0, 40)}\ny ${e.type} ${a.b64}\n`;
    const entries = parseKnownHosts(text);
    // ssh-keygen -H writes one hashed line per name: three, plus @revoked; the cut-off key, the key-type
    // mismatch and the junk line are skipped.
    expect(entries).toHaveLength(4);
    expect(entries.every((x) => x.marker === 'revoked' || x.hosts[0].startsWith('|1|'))).toBe(true);
    expect(entriesFor(entries, '10.0.0.11', 22).keys.map((k) => k.key.equals(a.blob))).toEqual([true]);
    expect(entriesFor(entries, 'pve1', 22).keys).toHaveLength(1);
    expect(entriesFor(entries, '10.0.0.11', 2222).keys).toHaveLength(0);
    expect(entriesFor(entries, '10.0.0.12', 2222).keys.map((k) => k.key.equals(b.blob))).toEqual([true]);
    expect(entriesFor(entries, '10.0.0.12', 22).keys).toHaveLength(0);
    expect(entriesFor(entries, 'anything', 22).revoked).toHaveLength(1);
  });

  it('honours wildcards and negation', () => {
    expect(hostFieldMatches(['*.lan', '!bad.lan'], 'pve.lan')).toBe(true);
    expect(hostFieldMatches(['*.lan', '!bad.lan'], 'bad.lan')).toBe(false);
    expect(hostFieldMatches(['pve?'], 'pve1')).toBe(true);
    expect(hostFieldMatches(['pve?'], 'pve12')).toBe(false);
    expect(hostFieldMatches(['10.0.0.1'], '10.0.0.11')).toBe(false);
  });

  const policy = { host: '10.0.0.11', port: 22, knownHostsPath: '/k' };
  it('accepts a known key, refuses a different one as a mismatch and an absent one as unknown', () => {
    const entries = parseKnownHosts(`10.0.0.11 ${a.type} ${a.b64}\n`);
    expect(checkHostKey(a.blob, policy, entries).ok).toBe(true);
    const mismatch = checkHostKey(b.blob, policy, entries);
    expect(mismatch).toMatchObject({ ok: false, problem: 'mismatch' });
    expect(!mismatch.ok && mismatch.message).toContain(b.fp);
    const unknown = checkHostKey(a.blob, { ...policy, host: '10.0.0.99' }, entries);
    expect(unknown).toMatchObject({ ok: false, problem: 'unknown' });
    expect(!unknown.ok && unknown.message).toContain(`ssh-keyscan -p 22 10.0.0.99 >> '/k'`);
    expect(!unknown.ok && unknown.message).toContain(`PROXMOX_SSH_HOST_FINGERPRINT=${a.fp}`);
  });

  it('accepts a pinned fingerprint in every accepted spelling and refuses a wrong pin', () => {
    const hex = Buffer.from(a.fp.slice(7), 'base64').toString('hex');
    for (const pin of [a.fp, `${a.fp}=`, hex, hex.toUpperCase().match(/../g)!.join(':')]) {
      expect(checkHostKey(a.blob, { ...policy, pinnedFingerprint: pin }, []).ok).toBe(true);
    }
    expect(checkHostKey(a.blob, { ...policy, pinnedFingerprint: b.fp }, [])).toMatchObject({ ok: false, problem: 'mismatch' });
  });

  it('refuses a revoked key even when pinned', () => {
    const entries = parseKnownHosts(`@revoked * ${a.type} ${a.b64}\n`);
    expect(checkHostKey(a.blob, { ...policy, pinnedFingerprint: a.fp }, entries)).toMatchObject({ ok: false, problem: 'revoked' });
  });

  it('offers the host key algorithms known_hosts can vouch for', () => {
    const entries = parseKnownHosts(`10.0.0.11 ${e.type} ${e.b64}\n10.0.0.11 ${r.type} ${r.b64}\n`);
    expect(preferredHostKeyAlgorithms(entries, '10.0.0.11', 22)).toEqual([e.type, 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(preferredHostKeyAlgorithms(entries, 'other', 22)).toBeUndefined();
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/error.js';
import { configFromEnv } from '../src/config/env.js';
import { parseApiToken } from '../src/config/values.js';
import { VERSION } from '../src/version.js';
import { SEEDED_CERT } from '../src/simulator/seeded.js';
import pkg from '../package.json' with { type: 'json' };

const SECRET = '5f0c6d1e-1111-2222-3333-444455556666';
const base = { PROXMOX_URL: 'https://pve.example.com:8006', PROXMOX_API_TOKEN: `root@pam!mcp=${SECRET}` };

function configError(env: Record<string, string>): ConfigError {
  try {
    configFromEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('configFromEnv', () => {
  it('accepts the URL with or without /api2/json and a token with or without PVEAPIToken=', () => {
    const a = configFromEnv({ ...base, PROXMOX_URL: 'https://pve.example.com:8006/api2/json/' });
    const b = configFromEnv({ ...base, PROXMOX_API_TOKEN: `PVEAPIToken=root@pam!mcp=${SECRET}` });
    expect(a.clusters[0].url).toBe('https://pve.example.com:8006');
    expect(b.clusters[0].credentials).toEqual({ kind: 'token', tokenId: 'root@pam!mcp', secret: SECRET });
  });

  it('takes a username and password for ticket login', () => {
    const c = configFromEnv({ PROXMOX_URL: base.PROXMOX_URL, PROXMOX_USERNAME: 'root@pam', PROXMOX_PASSWORD: 'pw' });
    expect(c.clusters[0].credentials).toEqual({ kind: 'password', username: 'root@pam', password: 'pw' });
  });

  it('reads TLS, timeout, schema and safety settings', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    writeFileSync(path.join(dir, 'ca.pem'), SEEDED_CERT.cert);
    const c = configFromEnv({
      ...base,
      PROXMOX_INSECURE: 'true',
      PROXMOX_CA_FILE: path.join(dir, 'ca.pem'),
      PROXMOX_FINGERPRINT: 'ab'.repeat(32),
      PROXMOX_TIMEOUT: '5000',
      PROXMOX_SCHEMA_FILE: '/tmp/apidoc.js',
      PROXMOX_READONLY: '1',
      PROXMOX_DENY: 'DELETE /nodes/*/qemu/*, * /access/**',
      PROXMOX_CONFIRM: 'param',
      PROXMOX_MAX_OUTPUT: '2000',
    });
    const cl = c.clusters[0];
    expect(cl.tls.insecure).toBe(true);
    expect(String(cl.tls.ca)).toBe(SEEDED_CERT.cert);
    expect(cl.tls.fingerprint).toBe(Array(32).fill('AB').join(':'));
    expect(cl.timeoutMs).toBe(5000);
    expect(cl.schemaFile).toBe('/tmp/apidoc.js');
    expect(cl.readonly).toBe(true);
    expect(cl.deny).toEqual(['DELETE /nodes/*/qemu/*', '* /access/**']);
    expect(c.confirm).toBe('param');
    expect(c.maxOutputTokens).toBe(2000);
  });

  it.each([
    [{ PROXMOX_API_TOKEN: base.PROXMOX_API_TOKEN }, /PROXMOX_URL is not set/],
    [{ ...base, PROXMOX_URL: 'not a url' }, /PROXMOX_URL must be a URL/],
    [{ ...base, PROXMOX_URL: 'http://pve:8006' }, /PROXMOX_URL must start with https/],
    [{ PROXMOX_URL: base.PROXMOX_URL }, /no credentials/],
    [{ ...base, PROXMOX_API_TOKEN: SECRET }, /PROXMOX_API_TOKEN must look like user@realm!tokenid=secret/],
    [{ PROXMOX_URL: base.PROXMOX_URL, PROXMOX_USERNAME: 'root', PROXMOX_PASSWORD: 'x' }, /PROXMOX_USERNAME must look like user@realm/],
    [{ PROXMOX_URL: base.PROXMOX_URL, PROXMOX_USERNAME: 'root@pam' }, /PROXMOX_PASSWORD must be set/],
    [{ ...base, PROXMOX_INSECURE: 'maybe' }, /PROXMOX_INSECURE must be true or false/],
    [{ ...base, PROXMOX_TIMEOUT: '10s' }, /PROXMOX_TIMEOUT must be a whole number/],
    [{ ...base, PROXMOX_FINGERPRINT: 'abc' }, /PROXMOX_FINGERPRINT must be a SHA-256 fingerprint/],
    [{ ...base, PROXMOX_CA_FILE: '/nonexistent/ca.pem' }, /PROXMOX_CA_FILE names a file that cannot be read/],
    [{ ...base, PROXMOX_DENY: 'rm -rf /' }, /PROXMOX_DENY must be comma-separated rules/],
    [{ ...base, PROXMOX_CONFIRM: 'sometimes' }, /PROXMOX_CONFIRM must be elicit, param or off/],
    [{ ...base, PROXMOX_SSH_HOSTS: 'pve1=10.0.0.1;reboot' }, /PROXMOX_SSH_HOSTS must be a list/],
    [{ ...base, PROXMOX_SSH_PORT: '70000' }, /^PROXMOX_SSH_PORT must be a port number \(1-65535\)$/],
  ])('rejects %o with one line naming the variable', (env, message) => {
    const err = configError(env as Record<string, string>);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
  });

  it('never puts a secret in an error message', () => {
    const secretish = 'root@pam!mcp;' + SECRET; // no separator PVE, PBS or PDM would take
    const err = configError({ ...base, PROXMOX_API_TOKEN: secretish });
    expect(err.message).not.toContain(SECRET);
    const err2 = configError({ ...base, PROXMOX_URL: `https://user:${SECRET}@pve:8006` });
    expect(err2.message).not.toContain(SECRET);
  });

  it('parses tokens with dots and dashes in the token id', () => {
    expect(parseApiToken('svc.mcp@pve!read-only_1=abc')).toEqual({ kind: 'token', tokenId: 'svc.mcp@pve!read-only_1', secret: 'abc' });
  });
});

describe('version', () => {
  it('matches package.json', () => {
    expect(VERSION).toBe(pkg.version);
  });
});

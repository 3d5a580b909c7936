import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config/env.js';
import { ConfigError } from '../src/config/error.js';
import { loadConfigFile, parseConfigFile } from '../src/config/file.js';

// Hostile input on every path into the configuration: the file (YAML and JSON) and the environment.
// Each refusal is one line that names the setting as the source spells it, and shows no value.

const SECRET = '5f0c6d1e-1111-2222-3333-444455556666';
const TOKEN = `root@pam!mcp=${SECRET}`;
const base = { PROXMOX_URL: 'https://pve.example.com:8006', PROXMOX_API_TOKEN: TOKEN };
const cluster = { url: 'https://pve.example.com:8006', token: TOKEN };

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as ConfigError).message;
    expect(message).not.toContain('\n');
    expect(message).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(message).not.toContain(SECRET);
    return message;
  }
  throw new Error('expected a ConfigError');
}

const json =
  (doc: unknown) =>
  (env: Record<string, string> = {}) =>
    parseConfigFile(JSON.stringify(doc), 'json', env, { source: 'c.json' });
const fromJson = (text: string) => () => parseConfigFile(text, 'json', {}, { source: 'c.json' });
const fromYaml = (text: string) => () => parseConfigFile(text, 'yaml', {}, { source: 'c.yaml' });

describe('prototype keys in a config file', () => {
  it('refuses __proto__ anywhere, in JSON and YAML, and pollutes nothing', () => {
    const cases: Array<[() => unknown, string]> = [
      [
        fromJson(`{"__proto__": {"polluted": 1}, "clusters": {"a": ${JSON.stringify(cluster)}}}`),
        'config file c.json: the file must not use',
      ],
      [
        fromJson(`{"clusters": {"__proto__": ${JSON.stringify(cluster)}}}`),
        'config file c.json: clusters must not use the reserved name __proto__',
      ],
      [
        fromJson(`{"clusters": {"a": {"url": "https://a:8006", "token": "${TOKEN}", "ssh": {"hosts": {"__proto__": "10.0.0.1"}}}}}`),
        'config file c.json: clusters.a.ssh.hosts must not use the reserved name __proto__',
      ],
      [
        fromYaml(`clusters:\n  a:\n    url: https://a:8006\n    token: ${TOKEN}\n    __proto__: { readonly: true }\n`),
        'clusters.a must not use',
      ],
    ];
    for (const [fn, want] of cases) expect(errorOf(fn)).toContain(want);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).readonly).toBeUndefined();
  });

  it('treats constructor and toString as the unknown keys they are, and never as a cluster to default to', () => {
    expect(errorOf(json({ constructor: 1, clusters: { a: cluster } }))).toBe('config file c.json: constructor is not a known setting');
    expect(errorOf(json({ clusters: { a: { ...cluster, toString: 'x' } } }))).toBe(
      'config file c.json: clusters.a.toString is not a known setting',
    );
    expect(errorOf(json({ default: 'constructor', clusters: { a: cluster } }))).toBe(
      "config file c.json: default names cluster 'constructor', which is not defined; defined: a",
    );
    // A cluster may be called constructor: it is an own key like any other.
    const ok = json({ default: 'constructor', clusters: { constructor: cluster } })();
    expect(ok.defaultCluster).toBe('constructor');
    expect(ok.clusters.map((c) => c.name)).toEqual(['constructor']);
  });

  it('refuses __proto__ as a node name in PROXMOX_SSH_HOSTS', () => {
    expect(errorOf(() => configFromEnv({ ...base, PROXMOX_SSH_HOSTS: '__proto__=10.0.0.1' }))).toBe(
      'PROXMOX_SSH_HOSTS must not use the reserved name __proto__',
    );
    expect(configFromEnv({ ...base, PROXMOX_SSH_HOSTS: 'constructor=10.0.0.1' }).clusters[0].ssh.hosts).toEqual({
      constructor: '10.0.0.1',
    });
  });
});

describe('huge values', () => {
  it('bounds text and secrets, from both sources, without echoing them', () => {
    const long = 'a'.repeat(100_000);
    expect(errorOf(json({ clusters: { a: { ...cluster, url: `https://${long}` } } }))).toBe(
      'config file c.json: clusters.a.url must be at most 4096 characters',
    );
    expect(errorOf(json({ clusters: { a: { ...cluster, token: `root@pam!x=${SECRET}${long}` } } }))).toBe(
      'config file c.json: clusters.a.token is too long',
    );
    expect(errorOf(() => configFromEnv({ ...base, PROXMOX_SSH_KNOWN_HOSTS: `/${long}` }))).toBe(
      'PROXMOX_SSH_KNOWN_HOSTS must be at most 4096 characters',
    );
    expect(errorOf(() => configFromEnv({ ...base, PROXMOX_ALLOW: Array(2000).fill('GET /**').join(',') }))).toBe(
      'PROXMOX_ALLOW must hold at most 1000 rules',
    );
    expect(errorOf(json({ clusters: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`c${i}`, cluster])) }))).toBe(
      'config file c.json: clusters must name at most 100 clusters',
    );
  });

  it('refuses numbers out of range however they are written', () => {
    expect(errorOf(() => configFromEnv({ ...base, PROXMOX_TIMEOUT: '9'.repeat(400) }))).toBe(
      'PROXMOX_TIMEOUT must be a whole number of milliseconds from 100 to 3600000',
    );
    expect(errorOf(fromYaml(`clusters:\n  a:\n    url: https://a:8006\n    token: ${TOKEN}\n    ssh: { port: 1e400 }\n`))).toBe(
      'config file c.yaml: clusters.a.ssh.port must be a port number (1-65535)',
    );
    expect(errorOf(() => configFromEnv({ ...base, PROXMOX_MAX_RESPONSE_BYTES: '99999999999999999999GiB' }))).toBe(
      'PROXMOX_MAX_RESPONSE_BYTES must be a size from 64 KiB to 256 MiB, e.g. 64MiB',
    );
  });

  it('refuses a config file, a CA file or a secret file too large to be one, before reading it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-huge-'));
    const big = path.join(dir, 'big.yaml');
    writeFileSync(big, `# ${'x'.repeat(2 * 1024 * 1024)}\nclusters: {}\n`);
    await expect(loadConfigFile(big, {})).rejects.toThrow(/^config file .*big\.yaml is larger than 1024 KiB$/);
    await expect(loadConfigFile('/dev/zero', {})).rejects.toThrow('config file /dev/zero cannot be read (not a file)');
    expect(errorOf(() => configFromEnv({ ...base, PROXMOX_CA_FILE: '/dev/zero' }))).toBe(
      'PROXMOX_CA_FILE names a file that cannot be read',
    );
    expect(errorOf(json({ clusters: { a: { ...cluster, token: { file: '/dev/zero' } } } }))).toBe(
      'config file c.json: clusters.a.token names a file that cannot be read: /dev/zero',
    );
  });

  it('stops a YAML alias bomb', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...Array.from(
        { length: 9 },
        (_, i) =>
          `${'bcdefghij'[i]}: &${'bcdefghij'[i]} [*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]}]`,
      ),
    ].join('\n');
    expect(() => parseConfigFile(bomb, 'yaml', {})).toThrow();
  });
});

describe('control characters', () => {
  it('refuses them in values and never prints them back', () => {
    expect(errorOf(json({ clusters: { a: { ...cluster, url: 'https://pve.example.com:8006/\u0007' } } }))).toBe(
      'config file c.json: clusters.a.url must not contain control characters',
    );
    expect(errorOf(json({ clusters: { a: { ...cluster, ssh: { user: 'ro\u001b[31mot' } } } }))).toBe(
      'config file c.json: clusters.a.ssh.user must not contain control characters',
    );
    expect(errorOf(() => configFromEnv({ ...base, PROXMOX_AUDIT_LOG: '/var/log/mcp\u0000.jsonl' }))).toBe(
      'PROXMOX_AUDIT_LOG must not contain control characters',
    );
    expect(errorOf(() => configFromEnv({ ...base, PROXMOX_API_TOKEN: `root@pam!mcp=${SECRET}\u0001` }))).toBe(
      'PROXMOX_API_TOKEN must look like user@realm!tokenid=secret (or user@realm!tokenid:secret)',
    );
  });

  it('quotes keys and cluster names that hold them, with the characters replaced', () => {
    expect(errorOf(json({ clusters: { a: cluster }, 'conf\u001b[2Jirm': 'off' }))).toBe(
      'config file c.json: ["conf?[2Jirm"] is not a known setting',
    );
    expect(errorOf(json({ clusters: { 'Evil\u0007': cluster } }))).toBe(
      "config file c.json: cluster name 'Evil?' must be lower-case letters, digits, '-' and '_', starting with a letter or digit",
    );
    expect(errorOf(() => parseConfigFile('{}', 'json', {}, { source: '/etc/\u001b]0;x\u0007.json' }))).toBe(
      'config file /etc/?]0;x?.json: clusters is required: a map of cluster names to their settings',
    );
  });
});

describe('unknown keys', () => {
  it('names the key where it is and suggests the nearest known one, at every level', () => {
    expect(errorOf(json({ clusters: { a: cluster }, maxOutputs: 10 }))).toBe(
      "config file c.json: maxOutputs is not a known setting (did you mean 'maxOutput'?)",
    );
    expect(errorOf(json({ clusters: { a: { ...cluster, schemafile: '/x' } } }))).toBe(
      "config file c.json: clusters.a.schemafile is not a known setting (did you mean 'schemaFile'?)",
    );
    expect(errorOf(json({ clusters: { a: { ...cluster, ssh: { knownHost: '/x' } } } }))).toBe(
      "config file c.json: clusters.a.ssh.knownHost is not a known setting (did you mean 'knownHosts'?)",
    );
    expect(errorOf(json({ clusters: { a: { ...cluster, zzzzzz: 1 } } }))).toBe(
      'config file c.json: clusters.a.zzzzzz is not a known setting',
    );
  });

  it('says where a setting the file cannot hold comes from instead', () => {
    expect(errorOf(json({ clusters: { a: cluster }, auditKey: 'k'.repeat(32) }))).toBe(
      'config file c.json: auditKey is not read from a file: set PROXMOX_AUDIT_KEY instead',
    );
    expect(errorOf(json({ clusters: { a: { ...cluster, ssh: { agentSocket: '/tmp/s' } } } }))).toBe(
      'config file c.json: clusters.a.ssh.agentSocket is not read from a file: set SSH_AUTH_SOCK instead',
    );
  });
});

describe('wrong types, per source', () => {
  it.each([
    [{ clusters: { a: { ...cluster, ssh: { port: '22' } } } }, 'clusters.a.ssh.port must be a port number (1-65535)'],
    [{ clusters: { a: { ...cluster, readonly: 'yes' } } }, 'clusters.a.readonly must be true or false'],
    [{ clusters: { a: { ...cluster, allow: 'GET /**' } } }, 'clusters.a.allow must be a list of rules like ["GET /**"]'],
    [{ clusters: { a: { ...cluster, deny: [42] } } }, 'clusters.a.deny[0] must be a rule like "GET /**"'],
    [{ clusters: { a: { ...cluster, token: 42 } } }, 'clusters.a.token must be a string, { env: VARIABLE } or { file: PATH }'],
    [
      { clusters: { a: { ...cluster, token: { env: 'X', file: 'y' } } } },
      'clusters.a.token must be a string, { env: VARIABLE } or { file: PATH }',
    ],
    [
      { clusters: { a: { ...cluster, ssh: { hosts: ['pve1'] } } } },
      'clusters.a.ssh.hosts must map node names to addresses, e.g. { pve1: 10.0.0.11 }',
    ],
    [{ clusters: { a: { ...cluster, ssh: 'root@pve' } } }, 'clusters.a.ssh must be a map of SSH settings'],
    [{ clusters: { a: { ...cluster, maxResponseBytes: true } } }, 'clusters.a.maxResponseBytes must be a size such as 64MiB'],
    [{ clusters: ['a'] }, 'clusters must be a map of cluster names to their settings'],
    [{ clusters: { a: 'https://a:8006' } }, 'clusters.a must be a map of cluster settings'],
    [{ clusters: { a: cluster }, maxOutput: '4000' }, 'maxOutput must be a whole number from 200 to 1000000'],
    [{ clusters: { a: cluster }, confirm: true }, 'confirm must be elicit, param or off'],
    [['clusters'], 'the file must be a map of settings'],
  ])('file %j', (doc, want) => {
    expect(errorOf(json(doc))).toBe(`config file c.json: ${want}`);
  });

  it.each([
    [{ PROXMOX_SSH_PORT: '22abc' }, 'PROXMOX_SSH_PORT must be a port number (1-65535)'],
    [{ PROXMOX_SSH_PORT: '-1' }, 'PROXMOX_SSH_PORT must be a port number (1-65535)'],
    [{ PROXMOX_READONLY: '2' }, 'PROXMOX_READONLY must be true or false'],
    [{ PROXMOX_SSH_SUDO: 'sudo' }, 'PROXMOX_SSH_SUDO must be true or false'],
    [{ PROXMOX_MAX_OUTPUT: '4k' }, 'PROXMOX_MAX_OUTPUT must be a whole number from 200 to 1000000'],
    [{ PROXMOX_MAX_RESPONSE_BYTES: '64 potatoes' }, 'PROXMOX_MAX_RESPONSE_BYTES must be a size from 64 KiB to 256 MiB, e.g. 64MiB'],
    [{ PROXMOX_SSH_HOSTS: 'pve1' }, 'PROXMOX_SSH_HOSTS must be a list like pve1=10.0.0.11,pve2=10.0.0.12'],
    [{ PROXMOX_ALLOW: 'GET' }, 'PROXMOX_ALLOW must be comma-separated rules like "DELETE /nodes/*/qemu/*" or "* /access/**"'],
    [{ PROXMOX_PRODUCT: 'pmg' }, 'PROXMOX_PRODUCT must be one of pve, pbs, pdm (Proxmox VE, Backup Server, Datacenter Manager)'],
    [{ PROXMOX_CONFIRM_KEY: 'short' }, 'PROXMOX_CONFIRM_KEY must be at least 16 characters (e.g. openssl rand -hex 32)'],
    [{ PROXMOX_SSH_USER: 'root;reboot' }, 'PROXMOX_SSH_USER must be a plain user name'],
  ])('environment %j', (env, want) => {
    expect(errorOf(() => configFromEnv({ ...base, ...env }))).toBe(want);
  });

  it('reports every problem of one source at once, each once', () => {
    expect(errorOf(() => configFromEnv({ ...base, PROXMOX_SSH_PORT: 'x', PROXMOX_READONLY: 'x', PROXMOX_CONFIRM: 'x' }))).toBe(
      'PROXMOX_CONFIRM must be elicit, param or off; PROXMOX_READONLY must be true or false; PROXMOX_SSH_PORT must be a port number (1-65535)',
    );
  });
});

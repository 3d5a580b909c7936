import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/app.js';
import { demoSource, type DemoTarget } from '../src/config/demo.js';
import { ENV_SETTINGS, configFromEnv } from '../src/config/env.js';
import { ConfigError } from '../src/config/error.js';
import { parseConfigFile } from '../src/config/file.js';
import { knownKeys } from '../src/config/schema.js';
import { validate } from '../src/config/validate.js';

// One shape, three sources: each maps onto the same document, and a problem is named the way its source
// spells it (a variable, or a file and a key path), whichever source the value came from.

const TOKEN = 'root@pam!mcp=5f0c6d1e-1111-2222-3333-444455556666';
const base = { PROXMOX_URL: 'https://pve.example.com:8006', PROXMOX_API_TOKEN: TOKEN };
const yaml = (extra = '') => `clusters:\n  a:\n    url: https://a:8006\n    token: ${TOKEN}\n${extra}`;

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('the environment table and the schema', () => {
  it('gives every key of the file a variable, and every variable a key of the document', () => {
    const variableFor = (field: string) => ENV_SETTINGS.some((s) => s.field.join('.') === field);
    const fileKeys = [
      ...knownKeys([]).filter((k) => k !== 'clusters' && k !== 'default'),
      ...knownKeys(['clusters', 'a']).filter((k) => k !== 'ssh'),
      ...knownKeys(['clusters', 'a', 'ssh']).map((k) => `ssh.${k}`),
    ];
    expect(fileKeys.filter((k) => !variableFor(k))).toEqual([]);
    const documentKeys = new Set(fileKeys);
    expect(ENV_SETTINGS.filter((s) => !documentKeys.has(s.field.join('.'))).map((s) => s.name)).toEqual([]);
  });

  it("lists every PROXMOX_ variable of the table in README's tables", () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../README.md'), 'utf8');
    const inTable = (name: string) => new RegExp(`^\\|[^\\n]*\`${name}\``, 'm').test(readme);
    expect(ENV_SETTINGS.filter((s) => s.name.startsWith('PROXMOX_') && !inTable(s.name)).map((s) => s.name)).toEqual([]);
    expect(inTable('PROXMOX_NOT_A_SETTING')).toBe(false);
  });

  it("keeps the predecessor's variables with their meaning", () => {
    const c = configFromEnv({
      PROXMOX_URL: 'https://pve.example.com:8006/api2/json',
      PROXMOX_API_TOKEN: TOKEN,
      PROXMOX_INSECURE: 'true',
      PROXMOX_TIMEOUT: '5000',
      PROXMOX_SSH_KEY_PATH: '/keys/id',
      PROXMOX_SSH_USER: 'mcp',
      PROXMOX_SSH_PORT: '2222',
    }).clusters[0];
    expect(c).toMatchObject({ url: 'https://pve.example.com:8006', tls: { insecure: true }, timeoutMs: 5000 });
    expect(c.ssh).toMatchObject({ keyPath: '/keys/id', user: 'mcp', port: 2222 });
  });

  it('lets a token win over a username and password set beside it, as before', () => {
    const c = configFromEnv({ ...base, PROXMOX_USERNAME: 'root@pam', PROXMOX_PASSWORD: 'pw' }).clusters[0];
    expect(c.credentials).toMatchObject({ kind: 'token' });
  });
});

describe('a config file with the environment behind it', () => {
  it('names a global that came from the environment by its variable, and a file key by its path', () => {
    const opts = { source: 'c.yaml' };
    expect(errorOf(() => parseConfigFile(yaml(), 'yaml', { PROXMOX_CONFIRM: 'sometimes' }, opts))).toBe(
      'PROXMOX_CONFIRM must be elicit, param or off',
    );
    expect(errorOf(() => parseConfigFile(`confirm: sometimes\n${yaml()}`, 'yaml', {}, opts))).toBe(
      'config file c.yaml: confirm must be elicit, param or off',
    );
    expect(errorOf(() => parseConfigFile(yaml('    ssh: { port: 0 }\n'), 'yaml', { PROXMOX_MAX_OUTPUT: '1' }, opts))).toBe(
      'PROXMOX_MAX_OUTPUT must be a whole number from 200 to 1000000; config file c.yaml: clusters.a.ssh.port must be a port number (1-65535)',
    );
    // The file's own value wins over the environment's.
    expect(parseConfigFile(`confirm: param\n${yaml()}`, 'yaml', { PROXMOX_CONFIRM: 'off' }).confirm).toBe('param');
  });

  it("reads no cluster setting from the environment, but the agent and the server's keys", () => {
    const env = { PROXMOX_READONLY: 'true', PROXMOX_SSH_PORT: '2222', SSH_AUTH_SOCK: '/run/agent', PROXMOX_AUDIT_KEY: 'k'.repeat(20) };
    const config = parseConfigFile(`${yaml()}  b:\n    url: https://b:8006\n    token: ${TOKEN}\n    ssh: { user: mcp }\n`, 'yaml', env);
    expect(config.clusters.map((c) => [c.readonly, c.ssh.port, c.ssh.agentSocket])).toEqual([
      [false, 22, '/run/agent'],
      [false, 22, '/run/agent'],
    ]);
    expect(config.auditKey).toBe('k'.repeat(20));
  });

  it('resolves relative paths of the file against its folder, and those of the environment as they are', () => {
    const config = parseConfigFile(
      `auditLog: logs/audit.jsonl\n${yaml('    schemaFile: ../apidoc.js\n')}`,
      'yaml',
      { PROXMOX_CACHE_DIR: 'cache' },
      {
        baseDir: '/etc/pmcp',
      },
    );
    expect(config.clusters[0].schemaFile).toBe('/etc/apidoc.js');
    expect(config.auditLog).toBe('/etc/pmcp/logs/audit.jsonl');
    expect(config.cacheDir).toBe('cache');
    const fromEnv = parseConfigFile(yaml(), 'yaml', { PROXMOX_AUDIT_LOG: 'audit.jsonl' }, { baseDir: '/etc/pmcp' });
    expect(fromEnv.auditLog).toBe('audit.jsonl');
  });
});

describe('the demo as a source', () => {
  const targets: DemoTarget[] = [
    { name: 'default', product: 'pve', url: 'https://127.0.0.1:8006', token: TOKEN, fingerprint: 'ab'.repeat(32) },
    { name: 'backup', product: 'pbs', url: 'https://127.0.0.1:8007', token: 'root@pam!mcp:secret', fingerprint: 'cd'.repeat(32) },
  ];

  it("maps the simulators onto the same shape, with the environment's other settings for both", () => {
    const env = {
      PROXMOX_READONLY: '1',
      PROXMOX_SCHEMA_FILE: '/schemas/pve.json',
      PROXMOX_USERNAME: 'x@pam',
      PROXMOX_URL: 'https://elsewhere',
    };
    const config = validate(demoSource(env, targets, '/tmp/demo-cache'));
    expect(config.clusters.map((c) => [c.name, c.product, c.url, c.readonly, c.schemaFile, c.credentials?.kind])).toEqual([
      ['default', 'pve', 'https://127.0.0.1:8006', true, '/schemas/pve.json', 'token'],
      ['backup', 'pbs', 'https://127.0.0.1:8007', true, undefined, 'token'],
    ]);
    expect(config.cacheDir).toBe('/tmp/demo-cache');
    expect(validate(demoSource({ PROXMOX_CACHE_DIR: '/var/cache/pmcp', XDG_CACHE_HOME: '/x' }, targets, '/tmp/d')).cacheDir).toBe(
      '/var/cache/pmcp',
    );
    expect(validate(demoSource({ XDG_CACHE_HOME: '/x' }, targets, '/tmp/d')).cacheDir).toBe('/tmp/d');
  });

  it('names a bad variable once, though both targets read it', () => {
    expect(errorOf(() => validate(demoSource({ PROXMOX_TIMEOUT: 'soon' }, targets)))).toBe(
      'PROXMOX_TIMEOUT must be a whole number of milliseconds from 100 to 3600000',
    );
  });
});

describe('start-up checks name the setting by its source', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cfg-src-'));
  const missing = path.join(dir, 'no-such-schema.json');

  it('a missing schema file: the variable, or the file and the key', async () => {
    await expect(loadConfig({ env: { ...base, PROXMOX_SCHEMA_FILE: missing } })).rejects.toThrow(
      /^PROXMOX_SCHEMA_FILE names a file that does not exist or cannot be read$/,
    );
    const file = path.join(dir, 'two.yaml');
    writeFileSync(file, `${yaml()}  lab:\n    url: https://lab:8006\n    token: ${TOKEN}\n    schemaFile: no-such-schema.json\n`);
    await expect(loadConfig({ configFile: file, env: {} })).rejects.toThrow(
      new ConfigError(`config file ${file}: clusters.lab.schemaFile names a file that does not exist or cannot be read`),
    );
  });
});

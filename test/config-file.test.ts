import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/error.js';
import { detectFormat, loadConfigFile, parseConfigFile } from '../src/config/file.js';

const SECRET = '5f0c6d1e-1111-2222-3333-444455556666';
const FP = 'ab:cd:'.repeat(15) + 'ab:cd';

const example = `
default: home
confirm: param
maxOutput: 8000
clusters:
  home:
    url: https://pve.home.lan:8006
    token: { env: PVE_HOME_TOKEN }
    fingerprint: "${FP}"
    readonly: false
    allow: ["GET /**", "POST /nodes/*/qemu/*/status/*"]
    deny: ["DELETE /nodes/*/qemu/*"]
    ssh: { user: mcp, keyPath: /keys/pve, hosts: { pve1: 10.0.0.11 }, sudo: true, port: 2222 }
  lab:
    url: https://10.0.0.50:8006/api2/json
    username: root@pam
    password: { env: LAB_PASSWORD }
    insecure: true
    timeout: 5000
`;

const env = { PVE_HOME_TOKEN: `root@pam!mcp=${SECRET}`, LAB_PASSWORD: 'hunter2-lab', XDG_CACHE_HOME: '/cache' };

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfigFile', () => {
  it('maps every cluster onto ClusterConfig with the same rules as the environment setup', () => {
    const config = parseConfigFile(example, 'yaml', env);
    expect(config.defaultCluster).toBe('home');
    expect(config.confirm).toBe('param');
    expect(config.maxOutputTokens).toBe(8000);
    expect(config.cacheDir).toBe('/cache/proxmox-mcp');
    const [home, lab] = config.clusters;
    expect(home).toMatchObject({
      name: 'home',
      url: 'https://pve.home.lan:8006',
      credentials: { kind: 'token', tokenId: 'root@pam!mcp', secret: SECRET },
      tls: { insecure: false, fingerprint: FP.toUpperCase() },
      allow: ['GET /**', 'POST /nodes/*/qemu/*/status/*'],
      deny: ['DELETE /nodes/*/qemu/*'],
      readonly: false,
    });
    expect(home.ssh).toMatchObject({ user: 'mcp', port: 2222, keyPath: '/keys/pve', hosts: { pve1: '10.0.0.11' }, sudo: true });
    expect(lab).toMatchObject({
      name: 'lab',
      url: 'https://10.0.0.50:8006',
      credentials: { kind: 'password', username: 'root@pam', password: 'hunter2-lab' },
      tls: { insecure: true },
      timeoutMs: 5000,
    });
    expect(lab.ssh.user).toBe('root');
  });

  it('reads JSON the same way, and the first cluster is the default when none is named', () => {
    const json = JSON.stringify({
      clusters: {
        b: { url: 'https://b:8006', token: `root@pam!x=${SECRET}` },
        a: { url: 'https://a:8006', token: `root@pam!y=${SECRET}` },
      },
    });
    const config = parseConfigFile(json, 'json', {});
    expect(config.clusters.map((c) => c.name)).toEqual(['b', 'a']);
    expect(config.defaultCluster).toBe('b');
  });

  it('reads a token from a file, relative to the config file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pmcp-cfg-'));
    writeFileSync(path.join(dir, 'token'), `root@pam!file=${SECRET}\n`);
    writeFileSync(
      path.join(dir, 'proxmox.yaml'),
      'clusters:\n  one:\n    url: https://one:8006\n    token: { file: token }\n    schemaFile: schema.json\n',
    );
    const config = await loadConfigFile(path.join(dir, 'proxmox.yaml'), {});
    expect(config.clusters[0].credentials).toEqual({ kind: 'token', tokenId: 'root@pam!file', secret: SECRET });
    expect(config.clusters[0].schemaFile).toBe(path.join(dir, 'schema.json'));
  });

  it('names the file, the cluster and the field, never the secret', () => {
    const bad = example.replace(`token: { env: PVE_HOME_TOKEN }`, `token: "not a token ${SECRET}"`);
    const err = errorOf(() => parseConfigFile(bad, 'yaml', env, { source: '/etc/proxmox-mcp.yaml' }));
    expect(err.message).toBe(
      'config file /etc/proxmox-mcp.yaml: clusters.home.token must look like user@realm!tokenid=secret (or user@realm!tokenid:secret)',
    );
    expect(err.message).not.toContain(SECRET);
  });

  it('refuses unknown keys and suggests the near one', () => {
    const err = errorOf(() => parseConfigFile(example.replace('fingerprint:', 'fingerprnt:'), 'yaml', env));
    expect(err.message).toContain("clusters.home.fingerprnt is not a known setting (did you mean 'fingerprint'?)");
    const top = errorOf(() => parseConfigFile(`defualt: home\n${example.replace('default: home', '')}`, 'yaml', env));
    expect(top.message).toContain("defualt is not a known setting (did you mean 'default'?)");
    const ssh = errorOf(() => parseConfigFile(example.replace('sudo: true', 'sudoo: true'), 'yaml', env));
    expect(ssh.message).toContain("clusters.home.ssh.sudoo is not a known setting (did you mean 'sudo'?)");
  });

  it('names a missing environment variable, and a default that names no cluster', () => {
    expect(errorOf(() => parseConfigFile(example, 'yaml', { PVE_HOME_TOKEN: env.PVE_HOME_TOKEN })).message).toBe(
      'clusters.lab.password names the environment variable LAB_PASSWORD, which is not set',
    );
    expect(errorOf(() => parseConfigFile(example.replace('default: home', 'default: hom'), 'yaml', env)).message).toContain(
      "default names cluster 'hom', which is not defined (did you mean 'home'?); defined: home, lab",
    );
  });

  it('checks cluster names, types, and credentials', () => {
    expect(errorOf(() => parseConfigFile('clusters:\n  Home:\n    url: https://a:8006\n    token: x', 'yaml', {})).message).toContain(
      "cluster name 'Home'",
    );
    expect(errorOf(() => parseConfigFile(example.replace('readonly: false', 'readonly: maybe'), 'yaml', env)).message).toContain(
      'clusters.home.readonly must be true or false',
    );
    expect(errorOf(() => parseConfigFile('clusters:\n  a:\n    url: https://a:8006', 'yaml', {})).message).toContain(
      'no credentials: set clusters.a.token',
    );
    expect(errorOf(() => parseConfigFile('clusters:\n  a:\n    token: x', 'yaml', {})).message).toContain(
      'clusters.a.url is required: the address of a Proxmox node',
    );
    expect(errorOf(() => parseConfigFile(example.replace('port: 2222', 'port: 99999'), 'yaml', env)).message).toContain(
      'clusters.home.ssh.port must be a port number (1-65535)',
    );
    expect(errorOf(() => parseConfigFile(example.replace('"GET /**"', '"GET /**, PUT /x"'), 'yaml', env)).message).toContain(
      'clusters.home.allow[0] must hold one rule per list item (no commas)',
    );
    expect(errorOf(() => parseConfigFile('clusters: {}', 'yaml', {})).message).toContain('at least one cluster');
  });

  it('reports a syntax error by position without quoting the line', () => {
    const yaml = errorOf(() => parseConfigFile(`clusters:\n  a:\n    token: "${SECRET}\n   url: [`, 'yaml', {}));
    expect(yaml.message).toMatch(/is not valid YAML \(\w+ at line \d+, column \d+\)/);
    expect(yaml.message).not.toContain(SECRET);
    const json = errorOf(() => parseConfigFile(`{"clusters": {"a": {"token": ${SECRET}}}}`, 'json', {}));
    expect(json.message).toMatch(/is not valid JSON/);
    expect(json.message).not.toContain(SECRET);
  });

  it('sniffs the format when the extension does not tell', () => {
    expect(detectFormat('/etc/pmcp.conf', '  {"clusters": {}}')).toBe('json');
    expect(detectFormat('/etc/pmcp.conf', 'clusters:\n')).toBe('yaml');
    expect(detectFormat('/etc/pmcp.JSON', 'clusters:\n')).toBe('json');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config/env.js';
import type { AppConfig } from '../../src/config/schema.js';
import { offerTools, withheldLines } from '../../src/tools/registry.js';

const base = { PROXMOX_URL: 'https://127.0.0.1:9', PROXMOX_API_TOKEN: 'a@pve!b=c' };
const names = (config: AppConfig) => offerTools(config).tools.map((t) => t.name);
const keyFile = () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pmcp-reg-')), 'id');
  writeFileSync(file, 'key\n', { mode: 0o600 });
  return file;
};

describe('tools are offered only when they can work', () => {
  it('withholds the container tool without SSH, with one line saying why', () => {
    const offer = offerTools(configFromEnv(base));
    expect(offer.tools.map((t) => t.name)).toEqual(['proxmox-api-schema', 'proxmox-api-read', 'proxmox-api', 'proxmox-execute-vm-command']);
    expect(withheldLines(offer)).toEqual([expect.stringMatching(/^proxmox-execute-container-command not offered: SSH is not configured/)]);
  });

  it('offers it with a readable key file or an agent, not with a key file that cannot be read', () => {
    expect(names(configFromEnv({ ...base, PROXMOX_SSH_KEY_PATH: keyFile() }))).toContain('proxmox-execute-container-command');
    expect(names(configFromEnv({ ...base, SSH_AUTH_SOCK: '/run/agent.sock' }))).toContain('proxmox-execute-container-command');
    const missing = offerTools(configFromEnv({ ...base, PROXMOX_SSH_KEY_PATH: '/nonexistent/secret-key-name' }));
    expect(missing.tools.map((t) => t.name)).not.toContain('proxmox-execute-container-command');
    expect(withheldLines(missing)[0]).toMatch(/cannot be read/);
    expect(withheldLines(missing)[0]).not.toContain('secret-key-name');
  });

  it('withholds it when a known_hosts file named on purpose is missing and no host key is pinned', () => {
    const key = keyFile();
    const hosts = path.join(path.dirname(key), 'known_hosts');
    const missing = offerTools(
      configFromEnv({ ...base, PROXMOX_SSH_KEY_PATH: key, PROXMOX_SSH_KNOWN_HOSTS: '/nonexistent/hosts-file-name' }),
    );
    expect(missing.tools.map((t) => t.name)).not.toContain('proxmox-execute-container-command');
    expect(withheldLines(missing)[0]).toMatch(/known_hosts file \(PROXMOX_SSH_KNOWN_HOSTS or ssh.knownHosts\) cannot be read/);
    expect(withheldLines(missing)[0]).not.toContain('hosts-file-name');
    // A pinned host key vouches on its own; an existing file is fine; the default file may be absent.
    const pin = 'SHA256:' + 'A'.repeat(43);
    const pinned = { ...base, PROXMOX_SSH_KEY_PATH: key, PROXMOX_SSH_KNOWN_HOSTS: '/nonexistent/h', PROXMOX_SSH_HOST_FINGERPRINT: pin };
    expect(names(configFromEnv(pinned))).toContain('proxmox-execute-container-command');
    writeFileSync(hosts, '');
    expect(names(configFromEnv({ ...base, PROXMOX_SSH_KEY_PATH: key, PROXMOX_SSH_KNOWN_HOSTS: hosts }))).toContain(
      'proxmox-execute-container-command',
    );
    expect(names(configFromEnv({ ...base, PROXMOX_SSH_KEY_PATH: key, HOME: '/nonexistent' }))).toContain(
      'proxmox-execute-container-command',
    );
  });

  it('offers a tool when at least one of several clusters can serve it', () => {
    const one = configFromEnv(base);
    const other = configFromEnv({ ...base, PROXMOX_SSH_KEY_PATH: keyFile() });
    const both: AppConfig = {
      ...one,
      clusters: [
        { ...one.clusters[0], name: 'a' },
        { ...other.clusters[0], name: 'b' },
      ],
      defaultCluster: 'a',
    };
    expect(names(both)).toContain('proxmox-execute-container-command');
  });

  it('withholds the write tools in read-only mode, in one line, keeping the order of the rest', () => {
    const offer = offerTools(configFromEnv({ ...base, PROXMOX_READONLY: 'true', SSH_AUTH_SOCK: '/run/agent.sock' }));
    expect(offer.tools.map((t) => t.name)).toEqual(['proxmox-api-schema', 'proxmox-api-read']);
    expect(withheldLines(offer)).toEqual([
      'proxmox-api, proxmox-execute-container-command, proxmox-execute-vm-command not offered: read-only mode (PROXMOX_READONLY)',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { resolveNodeAddress } from '../../src/exec/node-address.js';
import { ProxmoxHttpError } from '../../src/proxmox/errors.js';
import { clusterConfig, sshConfig, TableClient } from './fake-env.js';

const forbidden = () => {
  throw new ProxmoxHttpError(403, 'Permission check failed (/, Sys.Audit)', undefined, 'GET', '/cluster/status');
};

describe('resolveNodeAddress', () => {
  const config = (hosts: Record<string, string> = {}) => clusterConfig({ url: 'https://pve.example.com:8006', ssh: sshConfig({ hosts }) });

  it('prefers PROXMOX_SSH_HOSTS without asking the API', async () => {
    const client = new TableClient({});
    expect(await resolveNodeAddress('pve2', { config: config({ pve2: '10.0.0.12' }), client })).toEqual({
      host: '10.0.0.12',
      source: 'PROXMOX_SSH_HOSTS',
    });
    expect(client.requests).toEqual([]);
  });

  it('uses the ip of the node row in /cluster/status', async () => {
    const client = new TableClient({
      'GET /cluster/status': [
        { type: 'cluster' },
        { type: 'node', name: 'pve1', ip: '10.0.0.11' },
        { type: 'node', name: 'pve2', ip: '10.0.0.12' },
      ],
    });
    expect(await resolveNodeAddress('pve2', { config: config(), client })).toEqual({ host: '10.0.0.12', source: '/cluster/status' });
  });

  it('refuses an address that is not one', async () => {
    const client = new TableClient({
      'GET /cluster/status': [
        { type: 'node', name: 'pve1', ip: '-oProxyCommand=x' },
        { type: 'node', name: 'pve2', ip: '10.0.0.12' },
      ],
    });
    await expect(resolveNodeAddress('pve1', { config: config(), client })).rejects.toThrow(
      /PROXMOX_SSH_HOSTS=pve1=10\.0\.0\.11|set PROXMOX_SSH_HOSTS/,
    );
  });

  it('falls back to the URL host for a standalone node', async () => {
    const client = new TableClient({ 'GET /cluster/status': [{ type: 'node', name: 'pve', local: 1 }] });
    expect(await resolveNodeAddress('pve', { config: config(), client })).toEqual({ host: 'pve.example.com', source: 'PROXMOX_URL' });
  });

  it('falls back to the URL host when /cluster/status is forbidden and /nodes lists only that node', async () => {
    const client = new TableClient({ 'GET /cluster/status': forbidden, 'GET /nodes': [{ node: 'pve' }] });
    expect(await resolveNodeAddress('pve', { config: config(), client })).toEqual({ host: 'pve.example.com', source: 'PROXMOX_URL' });
    const two = new TableClient({ 'GET /cluster/status': forbidden, 'GET /nodes': [{ node: 'pve' }, { node: 'pve2' }] });
    await expect(resolveNodeAddress('pve', { config: config(), client: two })).rejects.toThrow(
      /403.*set PROXMOX_SSH_HOSTS, e\.g\. PROXMOX_SSH_HOSTS=pve=/,
    );
  });

  it('names the nodes when asked for one that is not in the cluster', async () => {
    const client = new TableClient({ 'GET /cluster/status': [{ type: 'node', name: 'pve1', ip: '10.0.0.11' }] });
    await expect(resolveNodeAddress('pve9', { config: config(), client })).rejects.toThrow(/its nodes are: pve1/);
  });
});

describe('resolveNodeAddress against the simulator', () => {
  it('reads node addresses from its /cluster/status', async () => {
    const { startSimulator } = await import('../../src/simulator/index.js');
    const { HttpProxmoxClient } = await import('../../src/proxmox/client.js');
    const { parseApiToken } = await import('../../src/config/values.js');
    const sim = await startSimulator({ quiet: true });
    const client = new HttpProxmoxClient({
      url: sim.url,
      credentials: parseApiToken(sim.tokens.admin),
      tls: { fingerprint: sim.fingerprint },
      timeoutMs: 5000,
    });
    try {
      const rows = (await client.request<Array<{ type: string; name: string; ip?: string }>>({ method: 'GET', path: '/cluster/status' }))
        .data;
      const pve2 = rows.find((r) => r.type === 'node' && r.name === 'pve2');
      expect(pve2?.ip).toMatch(/^[\d.]+$/);
      const cfg = clusterConfig({ url: sim.url, ssh: sshConfig() });
      expect(await resolveNodeAddress('pve2', { config: cfg, client })).toEqual({ host: pve2!.ip, source: '/cluster/status' });
      await expect(resolveNodeAddress('nope', { config: cfg, client })).rejects.toThrow(/its nodes are: .*pve2/);
    } finally {
      client.close();
      await sim.close();
    }
  });
});

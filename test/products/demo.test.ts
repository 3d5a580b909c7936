import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { targetsLine } from '../../src/app.js';
import { configFromEnv } from '../../src/config/env.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
const env = { ...process.env, PROXMOX_LOG_LEVEL: 'warn', PROXMOX_URL: '', PROXMOX_API_TOKEN: '', PROXMOX_CONFIG: '' };
const call = (tool: string, args: unknown) =>
  spawnSync(process.execPath, [cli, 'call', tool, JSON.stringify(args), '--demo'], { env, encoding: 'utf8', timeout: 30_000 });

describe('naming the targets for the model', () => {
  it('lists every target with its product and the default', () => {
    const a = configFromEnv({ PROXMOX_URL: 'https://pve.lab', PROXMOX_API_TOKEN: 'a@pve!b=c' });
    const b = configFromEnv({ PROXMOX_URL: 'https://pbs.lab', PROXMOX_API_TOKEN: 'a@pbs!b:c', PROXMOX_PRODUCT: 'pbs' }).clusters[0];
    const config = { ...a, clusters: [a.clusters[0], { ...b, name: 'backup' }] };
    expect(targetsLine(config)).toBe(
      'Targets (pass cluster to choose): default (Proxmox VE, the default), backup (Proxmox Backup Server).',
    );
  });
});

describe.skipIf(!existsSync(cli))('--demo serves a PVE cluster and a Backup Server as two targets', () => {
  it('answers from both, the PBS through its own schema and token form', () => {
    const groups = call('proxmox-api-read', {
      path: '/admin/datastore/store1/groups',
      cluster: 'backup',
      fields: ['backup-type', 'backup-id'],
    });
    expect(groups.status).toBe(0);
    expect(groups.stdout).toMatch(/vm\s+100/);
    const nodes = call('proxmox-api-read', { path: '/nodes', fields: ['node'] });
    expect(nodes.stdout).toMatch(/pve1/);
  });

  it("lists the Backup Server's snapshots as the content of the PVE storage pbs01", () => {
    const out = call('proxmox-api-read', { path: '/nodes/pve1/storage/pbs01/content', filter: ['vmid=101'], fields: ['volid', 'format'] });
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/pbs01:backup\/vm\/101\/\d{4}-\d\d-\d\dT02:\d\d:\d\dZ\s+pbs-vm/);
  });

  it('refuses the guest tools on the Backup Server target by name', () => {
    const out = call('proxmox-execute-vm-command', { vmid: 100, command: 'uptime', cluster: 'backup' });
    expect(out.status).not.toBe(0);
    expect(out.stdout + out.stderr).toMatch(/cluster 'backup' is a Proxmox Backup Server \(product pbs\), which has no VMs or containers/);
  });
});

describe.skipIf(!existsSync(cli))('proxmox-mcp simulator --product pbs', () => {
  it('serves a Backup Server and says how to reach it', async () => {
    const child = spawn(process.execPath, [cli, 'simulator', '--product', 'pbs', '--port', '0'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      const banner = await new Promise<string>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`no banner: ${text}`)), 20_000);
        child.stderr.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('Ctrl+C')) {
            clearTimeout(timer);
            resolve(text);
          }
        });
      });
      expect(banner).toMatch(/Simulated Proxmox Backup Server 4\.2/);
      expect(banner).toMatch(/PROXMOX_PRODUCT=pbs/);
      expect(banner).toMatch(/admin token: +root@pam!mcp:[0-9a-f-]{36}/);
    } finally {
      child.kill('SIGTERM');
    }
    const bad = spawnSync(process.execPath, [cli, 'simulator', '--product', 'pdm'], { env, encoding: 'utf8', timeout: 10_000 });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--product must be pve or pbs/);
  });
});

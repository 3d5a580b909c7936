import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseApiToken } from '../src/config/values.js';
import { HttpProxmoxClient } from '../src/proxmox/client.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');

function run(args: string[]) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PROXMOX_')) env[k] = v;
  return spawnSync(process.execPath, [cli, ...args], { env: { ...env, PROXMOX_LOG_LEVEL: 'warn' }, timeout: 20_000, input: '' });
}

describe.skipIf(!existsSync(cli))('proxmox-mcp command line', () => {
  it('call: one tool call against the demo cluster, printed', () => {
    const res = run(['call', 'proxmox-api-read', '{"path":"/nodes","fields":["node","status"]}', '--demo']);
    expect(res.status).toBe(0);
    expect(res.stdout.toString()).toMatch(/pve1\s+online/);
  });

  it('call: a failing call exits 1 with the reason on stdout', () => {
    const res = run(['call', 'proxmox-api', '{"path":"/nodes/pve1/qemu/100/config","method":"PUT","params":{"memroy":1}}', '--demo']);
    expect(res.status).toBe(1);
    expect(res.stdout.toString()).toMatch(/did you mean 'memory'/);
  });

  it.each([
    [['call', 'nosuch', '{}'], /unknown tool 'nosuch'/],
    [['call', 'proxmox-api-read', 'not json'], /one JSON object/],
    [['call', 'proxmox-api-read', '{}'], /path/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['--bogus'], /bogus/],
  ])('refuses %j with a clear message and exit 2', (args, message) => {
    const res = run(args as string[]);
    expect(res.status).toBe(2);
    expect(res.stderr.toString()).toMatch(message as RegExp);
  });

  it('simulator: prints URL, tokens and fingerprint that a client can use', async () => {
    const child = spawn(process.execPath, [cli, 'simulator', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (d: Buffer) => {
          out += d.toString();
          if (/read-only token/.test(out) && /login/.test(out)) resolve();
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('exit', () => reject(new Error(`simulator exited: ${out}`)));
      });
      const url = /PROXMOX_URL=(\S+)/.exec(out)![1];
      const fingerprint = /PROXMOX_FINGERPRINT=(\S+)/.exec(out)![1];
      const token = /admin token:\s+(\S+)/.exec(out)![1];
      const client = new HttpProxmoxClient({ url, credentials: parseApiToken(token), tls: { fingerprint } });
      try {
        const res = await client.request<{ version: string }>({ method: 'GET', path: '/version' });
        expect(res.data.version).toMatch(/^9\./);
      } finally {
        client.close();
      }
    } finally {
      child.kill('SIGTERM');
    }
  });
});

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cli, demoMissing, startCliHttp } from './cli-server.js';
import { raw } from './helpers.js';

if (demoMissing) console.warn(`skipping proxmox-mcp --http process tests: ${demoMissing}`);

describe.skipIf(!!demoMissing)('proxmox-mcp --http as a process', () => {
  it('refuses a non-loopback bind without MCP_AUTH_TOKEN before listening, in one line', () => {
    const r = spawnSync(process.execPath, [cli, '--http', '--host', '0.0.0.0', '--port', '0'], {
      env: {
        PATH: process.env.PATH,
        PROXMOX_URL: 'https://127.0.0.1:9',
        PROXMOX_API_TOKEN: 'root@pam!t=00000000-0000-0000-0000-000000000000',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^proxmox-mcp: refusing to listen on 0\.0\.0\.0 without MCP_AUTH_TOKEN[^\n]*\n$/);
  });

  it('answers /healthz, then shuts down cleanly on SIGTERM', async () => {
    const server = await startCliHttp(['--demo']);
    try {
      const health = await raw(server.url, { method: 'GET', path: '/healthz' });
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body).status).toBe('ok');
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.stderr()).toMatch(/SIGTERM: finishing calls in flight/);
  });
});

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpServerHandle } from '../../src/http/serve.js';
import { root, simulatorSource } from './cli-server.js';
import { CLIENT_KINDS, connectHttp, isError, startTestServer, textOf } from './helpers.js';

const loaderSource = path.join(root, 'src/schema/loader.ts');
const missing = !existsSync(simulatorSource)
  ? `${simulatorSource} is missing`
  : !existsSync(loaderSource)
    ? `${loaderSource} is missing`
    : undefined;
if (missing) console.warn(`skipping the HTTP server against the simulator: ${missing}`);

const TOKEN = 'runtime-test-token-0123456789';
// No SSH is configured here, so the container tool is not offered.
const TOOL_NAMES = ['proxmox-api', 'proxmox-api-read', 'proxmox-api-schema', 'proxmox-execute-vm-command'];

describe.skipIf(!!missing)('the real tools over HTTP, backed by the simulated cluster', () => {
  let server: HttpServerHandle;
  const cleanup: Array<() => unknown> = [];
  beforeAll(async () => {
    const { startSimulator } = await import('../../src/simulator/index.js');
    const { configFromEnv } = await import('../../src/config/env.js');
    const { createApp } = await import('../../src/app.js');
    const sim = await startSimulator({ quiet: true });
    cleanup.push(() => sim.close());
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'pmcp-http-cache-'));
    cleanup.push(() => rmSync(cacheDir, { recursive: true, force: true }));
    const app = createApp(
      configFromEnv({
        PROXMOX_URL: sim.url,
        PROXMOX_API_TOKEN: sim.tokens.admin,
        PROXMOX_FINGERPRINT: sim.fingerprint,
        PROXMOX_CACHE_DIR: cacheDir,
        PROXMOX_CONFIRM: 'param',
      }),
    );
    cleanup.push(() => app.close());
    server = await startTestServer(app.createServer, { MCP_AUTH_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await server?.close();
    for (const fn of cleanup.reverse()) await fn();
  });

  for (const kind of CLIENT_KINDS) {
    it(`lists the tools and reads the cluster (${kind} client)`, async () => {
      const client = await connectHttp(kind, server.url, TOKEN);
      try {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES);
        const r = await client.callTool({ name: 'proxmox-api-read', arguments: { path: '/cluster/resources', params: { type: 'vm' } } });
        expect(isError(r)).toBe(false);
        expect(textOf(r)).toMatch(/qemu|lxc/);
        // One target: no tool offers a choice of cluster (with several, see clusters.test.ts).
        for (const t of tools) expect(Object.keys(t.inputSchema.properties ?? {}), t.name).not.toContain('cluster');
      } finally {
        await client.close();
      }
    });
  }
});

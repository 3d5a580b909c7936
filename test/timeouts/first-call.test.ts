import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/cluster.js';
import { configFromEnv } from '../../src/config/env.js';
import { HttpProxmoxClient, type ProxmoxClient } from '../../src/proxmox/client.js';
import { loadSchema } from '../../src/schema/loader.js';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { apiReadTool } from '../../src/tools/api-read.js';
import { apiSchemaTool } from '../../src/tools/api-schema.js';
import type { ToolCall, ToolOutput } from '../../src/tools/types.js';

const noCall: ToolCall = { signal: new AbortController().signal, progress: async () => {} };
const scratch = mkdtempSync(path.join(tmpdir(), 'pmcp-timeouts-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Loopback TCP that accepts every connection and never sends a byte: the worst host to talk to. */
async function silentHost() {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `https://127.0.0.1:${(server.address() as { port: number }).port}`,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const settle = async (p: Promise<ToolOutput>): Promise<{ text: string; isError: boolean }> => {
  try {
    const out = await p;
    return { text: out.text, isError: !!out.isError };
  } catch (err) {
    return { text: (err as Error).message, isError: true };
  }
};

describe('a host that accepts connections and never answers', () => {
  let host: Awaited<ReturnType<typeof silentHost>>;
  beforeAll(async () => {
    host = await silentHost();
  });
  afterAll(async () => {
    await host?.close();
  });

  it('the schema download gives up after PROXMOX_TIMEOUT, and says so', async () => {
    const client = new HttpProxmoxClient({
      url: host.url,
      credentials: { kind: 'token', tokenId: 'a@pam!t', secret: 's' },
      tls: { insecure: true },
      timeoutMs: 400,
      getRetries: 0,
    });
    try {
      const err = await loadSchema({ client, cacheDir: path.join(scratch, 'cache-a') }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/GET \/version: no answer .* within 400 ms \(PROXMOX_TIMEOUT\)/);
      expect(err?.message).toMatch(/apidoc\.js: no answer .* within 400 ms \(PROXMOX_TIMEOUT\)/);
    } finally {
      client.close();
    }
  });

  it('the first call answers within the limits PROXMOX_TIMEOUT sets, naming it', async () => {
    const rt = new Runtime(
      configFromEnv({
        PROXMOX_URL: host.url,
        PROXMOX_API_TOKEN: 'a@pam!t=s',
        PROXMOX_INSECURE: 'true',
        PROXMOX_TIMEOUT: '800',
        PROXMOX_CACHE_DIR: path.join(scratch, 'cache-b'),
      }),
    );
    try {
      const out = await settle(apiReadTool.run(apiReadTool.input.parse({ path: '/nodes' }), rt, noCall));
      expect(out.isError).toBe(true);
      expect(out.text).toMatch(/no answer from 127\.0\.0\.1:\d+ within 800 ms \(PROXMOX_TIMEOUT\)/);
    } finally {
      rt.close();
    }
  });
});

describe('a cluster whose schema download stalls', () => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    sim = await startSimulator({ quiet: true });
  });
  afterAll(async () => {
    await sim?.close();
  });

  /** The simulator's client, except that apidoc.js never arrives (until the download is abandoned). */
  function stallingRuntime(timeoutMs: number): { rt: Runtime; downloads: () => number } {
    const config = configFromEnv({
      PROXMOX_URL: sim.url,
      PROXMOX_API_TOKEN: sim.tokens.admin,
      PROXMOX_FINGERPRINT: sim.fingerprint,
      PROXMOX_TIMEOUT: String(timeoutMs),
      PROXMOX_CACHE_DIR: mkdtempSync(path.join(scratch, 'cache-')),
    });
    const real = new HttpProxmoxClient({
      url: config.clusters[0].url,
      credentials: config.clusters[0].credentials,
      tls: config.clusters[0].tls,
      timeoutMs,
    });
    let downloads = 0;
    const client: ProxmoxClient = {
      baseUrl: real.baseUrl,
      request: (req) => real.request(req),
      fetchText: () => {
        downloads++;
        return new Promise<string>(() => undefined);
      },
      close: () => real.close(),
    };
    return { rt: new Runtime(config, { default: client }), downloads: () => downloads };
  }

  it('answers the call unvalidated, with a note, instead of waiting for the schema', async () => {
    const { rt, downloads } = stallingRuntime(1000);
    try {
      const out = await apiReadTool.run(apiReadTool.input.parse({ path: '/version' }), rt, noCall);
      expect(out.isError).toBeFalsy();
      expect(out.text).toMatch(/unvalidated/);
      expect(out.text).toMatch(/still loading/);
      expect(downloads()).toBe(1);
      // A second call does not start a second download.
      await apiReadTool.run(apiReadTool.input.parse({ path: '/version' }), rt, noCall);
      expect(downloads()).toBe(1);
      // Discovery cannot answer without a schema, and says why and what to do.
      const found = await apiSchemaTool.run(apiSchemaTool.input.parse({ query: 'list nodes' }), rt, noCall);
      expect(found.isError).toBe(true);
      expect(found.text).toMatch(/still loading/);
    } finally {
      rt.close();
    }
  });

  it('waits for a schema that arrives in time (the ordinary case)', async () => {
    const config = configFromEnv({
      PROXMOX_URL: sim.url,
      PROXMOX_API_TOKEN: sim.tokens.admin,
      PROXMOX_FINGERPRINT: sim.fingerprint,
      PROXMOX_CACHE_DIR: mkdtempSync(path.join(scratch, 'cache-')),
    });
    const rt = new Runtime(config);
    try {
      const out = await apiReadTool.run(apiReadTool.input.parse({ path: '/version' }), rt, noCall);
      expect(out.text).not.toMatch(/unvalidated/);
    } finally {
      rt.close();
    }
  });
});

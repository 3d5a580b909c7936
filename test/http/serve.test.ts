import { McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ConfigError } from '../../src/config/error.js';
import { assertSafeBind, httpOptionsFromEnv, isLoopbackHost } from '../../src/http/options.js';
import type { HttpServerHandle } from '../../src/http/serve.js';
import { VERSION } from '../../src/version.js';
import { CLIENT_KINDS, INITIALIZE, MCP_HEADERS, connectHttp, isError, raw, startTestServer, textOf, type AnyClient } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdef';

/** A gate the test opens by hand, so "in flight" needs no sleeps. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

/** A tiny MCP server: the HTTP layer is under test here, not the Proxmox tools. */
function toyFactory(hooks: { slowStarted?: () => void; slowRelease?: Promise<void> } = {}) {
  return () => {
    const s = new McpServer({ name: 'toy', version: '1' });
    s.registerTool('echo', { description: 'echo', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    s.registerTool('slow', { description: 'waits for the test', inputSchema: z.object({}) }, async () => {
      hooks.slowStarted?.();
      await hooks.slowRelease;
      return { content: [{ type: 'text', text: 'finished' }] };
    });
    return s;
  };
}

let server: HttpServerHandle | undefined;
const clients: AnyClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await server?.close();
  server = undefined;
});

describe('MCP over Streamable HTTP', () => {
  for (const kind of CLIENT_KINDS) {
    it(`serves the ${kind} client: list and call`, async () => {
      server = await startTestServer(toyFactory());
      const client = await connectHttp(kind, server.url);
      clients.push(client);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['echo', 'slow']);
      const r = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
      expect(isError(r)).toBe(false);
      expect(textOf(r)).toBe('hello');
    });
  }

  it('answers /healthz without authentication, and 404 elsewhere', async () => {
    server = await startTestServer(toyFactory(), { MCP_AUTH_TOKEN: TOKEN });
    const health = await raw(server.url, { method: 'GET', path: '/healthz' });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok', version: VERSION });
    expect((await raw(server.url, { method: 'GET', path: '/other' })).status).toBe(404);
  });
});

describe('authentication', () => {
  it('refuses a request without a token, with the bare Bearer challenge', async () => {
    server = await startTestServer(toyFactory(), { MCP_AUTH_TOKEN: TOKEN });
    const r = await raw(server.url, { headers: MCP_HEADERS, body: INITIALIZE });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="proxmox-mcp"');
  });

  it('refuses a wrong token with error="invalid_token" and does not echo it', async () => {
    server = await startTestServer(toyFactory(), { MCP_AUTH_TOKEN: TOKEN });
    for (const wrong of ['nope', TOKEN + 'x', TOKEN.slice(0, -1) + 'X']) {
      const r = await raw(server.url, { headers: { ...MCP_HEADERS, authorization: `Bearer ${wrong}` }, body: INITIALIZE });
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toMatch(/^Bearer realm="proxmox-mcp", error="invalid_token"/);
      expect(r.body).not.toContain(wrong);
    }
    const basic = await raw(server.url, { headers: { ...MCP_HEADERS, authorization: `Basic ${TOKEN}` }, body: INITIALIZE });
    expect(basic.status).toBe(401);
  });

  it('lets the right token through, for both SDK clients', async () => {
    server = await startTestServer(toyFactory(), { MCP_AUTH_TOKEN: TOKEN });
    for (const kind of ['v2-modern', 'v1'] as const) {
      const client = await connectHttp(kind, server.url, TOKEN);
      clients.push(client);
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: kind } }))).toBe(kind);
    }
  });
});

describe('DNS rebinding protection', () => {
  it('refuses a foreign Host or Origin with 403 and accepts the loopback names', async () => {
    server = await startTestServer(toyFactory());
    const port = new URL(server.url).port;
    expect((await raw(server.url, { headers: { ...MCP_HEADERS, host: 'evil.example' }, body: INITIALIZE })).status).toBe(403);
    expect((await raw(server.url, { headers: { ...MCP_HEADERS, host: `evil.example:${port}` }, body: INITIALIZE })).status).toBe(403);
    expect((await raw(server.url, { headers: { ...MCP_HEADERS, origin: 'http://evil.example' }, body: INITIALIZE })).status).toBe(403);
    expect((await raw(server.url, { headers: { ...MCP_HEADERS, origin: 'null' }, body: INITIALIZE })).status).toBe(403);
    expect(
      (
        await raw(server.url, {
          headers: { ...MCP_HEADERS, host: `localhost:${port}`, origin: `http://localhost:${port}` },
          body: INITIALIZE,
        })
      ).status,
    ).toBe(200);
  });

  it('accepts the names listed in MCP_ALLOWED_HOSTS and MCP_ALLOWED_ORIGINS', async () => {
    server = await startTestServer(toyFactory(), { MCP_ALLOWED_HOSTS: 'mcp.example.com', MCP_ALLOWED_ORIGINS: 'https://app.example.com' });
    expect((await raw(server.url, { headers: { ...MCP_HEADERS, host: 'mcp.example.com' }, body: INITIALIZE })).status).toBe(200);
    expect((await raw(server.url, { headers: { ...MCP_HEADERS, origin: 'https://app.example.com' }, body: INITIALIZE })).status).toBe(200);
    expect((await raw(server.url, { headers: { ...MCP_HEADERS, origin: 'https://other.example.com' }, body: INITIALIZE })).status).toBe(
      403,
    );
  });
});

describe('limits', () => {
  it('answers 413 to a body over MCP_MAX_BODY, declared or streamed', async () => {
    server = await startTestServer(toyFactory(), { MCP_MAX_BODY: '1024' });
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'x'.repeat(4000) } },
    });
    expect((await raw(server.url, { headers: MCP_HEADERS, body: big })).status).toBe(413);
    expect((await raw(server.url, { headers: MCP_HEADERS, body: big, chunked: true })).status).toBe(413);
    expect((await raw(server.url, { headers: MCP_HEADERS, body: INITIALIZE })).status).toBe(200);
  });

  it('answers 429 with Retry-After once a client spends its MCP_RATE_LIMIT', async () => {
    server = await startTestServer(toyFactory(), { MCP_RATE_LIMIT: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await raw(server.url, { headers: MCP_HEADERS, body: INITIALIZE })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await raw(server.url, { headers: MCP_HEADERS, body: INITIALIZE });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The health check stays outside the limit: load balancers poll it.
    expect((await raw(server.url, { method: 'GET', path: '/healthz' })).status).toBe(200);
  });

  it('counts each client behind a trusted proxy by the address the proxy appended', async () => {
    server = await startTestServer(toyFactory(), { MCP_RATE_LIMIT: '1', MCP_TRUST_PROXY: 'true' });
    const from = (xff: string) =>
      raw(server!.url, { headers: { ...MCP_HEADERS, 'x-forwarded-for': xff }, body: INITIALIZE }).then((r) => r.status);
    expect(await from('10.0.0.1')).toBe(200);
    expect(await from('10.0.0.2')).toBe(200);
    expect(await from('10.0.0.1')).toBe(429);
    // A client cannot escape its bucket by claiming another address in front of the proxy's entry.
    expect(await from('1.2.3.4, 10.0.0.2')).toBe(429);
  });
});

describe('graceful shutdown', () => {
  it('lets a call in flight finish, refuses new work meanwhile, then closes', async () => {
    const started = gate();
    const release = gate();
    server = await startTestServer(toyFactory({ slowStarted: started.open, slowRelease: release.opened }));
    const client = await connectHttp('v1', server.url);
    clients.push(client);
    const call = client.callTool({ name: 'slow', arguments: {} });
    await started.opened;

    let closed = false;
    const closing = server.close().then(() => (closed = true));
    // A new connection still gets an answer while draining: 503 from /healthz and /mcp, so a load balancer moves on.
    const health = await raw(server.url, { method: 'GET', path: '/healthz' });
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'draining' });
    expect((await raw(server.url, { headers: MCP_HEADERS, body: INITIALIZE })).status).toBe(503);
    expect(closed).toBe(false);

    release.open();
    const result = await call;
    expect(textOf(result)).toBe('finished');
    await closing;
    expect(closed).toBe(true);
    // Once the last call is done the listener is gone.
    await expect(raw(server.url, { method: 'GET', path: '/healthz' })).rejects.toThrow(/ECONNREFUSED/);
    server = undefined;
  });

  it('cuts off a call that outlasts MCP_SHUTDOWN_GRACE', async () => {
    const started = gate();
    server = await startTestServer(toyFactory({ slowStarted: started.open, slowRelease: new Promise(() => {}) }), {
      MCP_SHUTDOWN_GRACE: '0',
    });
    const client = await connectHttp('v1', server.url);
    clients.push(client);
    const call = client.callTool({ name: 'slow', arguments: {} });
    await started.opened;
    await server.close();
    server = undefined;
    await expect(call).rejects.toThrow();
  });
});

describe('binding', () => {
  it('tells loopback from everything else', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'pve-mcp.example.com', '128.0.0.1']) expect(isLoopbackHost(h)).toBe(false);
  });

  it('refuses a non-loopback bind without MCP_AUTH_TOKEN, in one line', () => {
    expect(() => assertSafeBind('0.0.0.0', undefined)).toThrow(ConfigError);
    expect(() => assertSafeBind('0.0.0.0', undefined)).toThrow(/^refusing to listen on 0\.0\.0\.0 without MCP_AUTH_TOKEN[^\n]*$/);
    expect(() => assertSafeBind('0.0.0.0', TOKEN)).not.toThrow();
    expect(() => assertSafeBind('127.0.0.1', undefined)).not.toThrow();
  });

  it('reads the options from the environment with clear errors', () => {
    const o = httpOptionsFromEnv(
      { MCP_ALLOWED_HOSTS: 'mcp.example.com, https://pve-mcp.example.com:8443' },
      { host: '10.0.0.5', port: 8080 },
    );
    expect(o).toMatchObject({ host: '10.0.0.5', port: 8080, maxBodyBytes: 1024 * 1024, rateLimitPerMinute: 600 });
    expect(o.allowedHosts).toEqual(
      expect.arrayContaining(['localhost', '127.0.0.1', '[::1]', '10.0.0.5', 'mcp.example.com', 'pve-mcp.example.com']),
    );
    expect(httpOptionsFromEnv({}, { host: '0.0.0.0' }).allowedHosts).not.toContain('0.0.0.0');
    expect(() => httpOptionsFromEnv({ MCP_AUTH_TOKEN: 'short' })).toThrow(/MCP_AUTH_TOKEN must be at least 16 characters/);
    expect(() => httpOptionsFromEnv({ MCP_RATE_LIMIT: 'lots' })).toThrow(/MCP_RATE_LIMIT must be a whole number/);
    expect(() => httpOptionsFromEnv({}, { port: Number('abc') })).toThrow(/--port/);
    expect(() => httpOptionsFromEnv({ MCP_ALLOWED_HOSTS: 'a.example.com:80' })).toThrow(/MCP_ALLOWED_HOSTS/);
  });
});

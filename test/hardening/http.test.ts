import { McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { parseTrustProxy } from '../../src/http/options.js';
import { currentCaller } from '../../src/proxmox/caller.js';
import type { HttpServerHandle } from '../../src/http/serve.js';
import { INITIALIZE, MCP_HEADERS, connectHttp, raw, startTestServer, textOf } from '../http/helpers.js';

const TOKEN = 'hardening-token-0123456789';

function echoFactory() {
  return () => {
    const s = new McpServer({ name: 'echo', version: '1' });
    s.registerTool('echo', { description: 'echo', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    s.registerTool('who', { description: 'caller', inputSchema: z.object({}) }, async () => ({
      content: [{ type: 'text', text: currentCaller() }],
    }));
    return s;
  };
}

const call = (id: number, text = 'x') => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text } } });

let server: HttpServerHandle | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('HTTP: one client cannot starve or lock out another', () => {
  it('counts every call of a JSON-RPC batch against MCP_RATE_LIMIT', async () => {
    server = await startTestServer(echoFactory(), { MCP_RATE_LIMIT: '5' });
    const batch = JSON.stringify(Array.from({ length: 20 }, (_, i) => call(i + 1)));
    const r = await raw(server.url, { headers: MCP_HEADERS, body: batch });
    expect(r.status).toBe(429);
    expect(r.body).toMatch(/a batch of 20 calls: over MCP_RATE_LIMIT/);
    // The refused batch spent nothing: five single calls still pass, the sixth does not.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await raw(server.url, { headers: MCP_HEADERS, body: INITIALIZE })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('a batch within the limit spends one allowance per call', async () => {
    server = await startTestServer(echoFactory(), { MCP_RATE_LIMIT: '4' });
    const batch = JSON.stringify([call(1), call(2), call(3)]);
    expect((await raw(server.url, { headers: MCP_HEADERS, body: batch })).status).not.toBe(429);
    expect((await raw(server.url, { headers: MCP_HEADERS, body: INITIALIZE })).status).toBe(200);
    expect((await raw(server.url, { headers: MCP_HEADERS, body: INITIALIZE })).status).toBe(429);
  });

  it('requests with a wrong token do not spend the real client’s allowance', async () => {
    server = await startTestServer(echoFactory(), { MCP_RATE_LIMIT: '5', MCP_AUTH_TOKEN: TOKEN });
    const bad: number[] = [];
    for (let i = 0; i < 40; i++) {
      bad.push(
        (await raw(server.url, { headers: { ...MCP_HEADERS, authorization: `Bearer wrong-${i}-xxxxxxxxxxxxxxxx` }, body: INITIALIZE }))
          .status,
      );
    }
    expect(bad.slice(0, 5).every((s) => s === 401)).toBe(true);
    expect(bad.slice(5).every((s) => s === 429)).toBe(true);
    const client = await connectHttp('v2-modern', server.url, TOKEN);
    const r = await client.callTool({ name: 'echo', arguments: { text: 'still served' } });
    expect(textOf(r)).toBe('still served');
    await client.close();
  });

  it('believes X-Forwarded-For only from configured proxy addresses', async () => {
    // The proxy is elsewhere: this direct client's header is ignored, so rotating it does not escape the limit.
    server = await startTestServer(echoFactory(), { MCP_RATE_LIMIT: '2', MCP_TRUST_PROXY: '10.9.9.9, 192.168.0.0/16' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await raw(server.url, { headers: { ...MCP_HEADERS, 'x-forwarded-for': `10.0.0.${i}` }, body: INITIALIZE })).status);
    }
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
  });

  it('calls to the cluster take turns as the client the request came from', async () => {
    server = await startTestServer(echoFactory(), { MCP_TRUST_PROXY: 'true' });
    const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'who', arguments: {} } });
    const r = await raw(server.url, {
      headers: { ...MCP_HEADERS, 'mcp-protocol-version': '2025-06-18', 'x-forwarded-for': '10.1.1.1' },
      body,
    });
    expect(r.body).toMatch(/10\.1\.1\.1/);
  });

  it('reads MCP_TRUST_PROXY as loopback, a list of addresses and ranges, or refuses it clearly', () => {
    expect(parseTrustProxy(undefined)).toBeUndefined();
    expect(parseTrustProxy('false')).toBeUndefined();
    expect(parseTrustProxy('true')?.includes('127.0.0.1')).toBe(true);
    expect(parseTrustProxy('true')?.includes('10.0.0.1')).toBe(false);
    const list = parseTrustProxy('10.0.0.5, 192.168.1.0/24, fd00::/8')!;
    expect(['10.0.0.5', '::ffff:10.0.0.5', '192.168.1.77', 'fd00::1'].map((a) => list.includes(a))).toEqual([true, true, true, true]);
    expect(['10.0.0.6', '192.168.2.1', 'fe80::1'].map((a) => list.includes(a))).toEqual([false, false, false]);
    for (const bad of ['yes please', '10.0.0.1/33', 'proxy.example.com', '10.0.0.1/8/1'])
      expect(() => parseTrustProxy(bad)).toThrow(/MCP_TRUST_PROXY must be/);
  });

  it('answers a body that is not JSON with a JSON-RPC parse error, not silence', async () => {
    server = await startTestServer(echoFactory());
    const r = await raw(server.url, { headers: MCP_HEADERS, body: '{"jsonrpc":"2.0","id":1,' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: -32700 } });
  });
});

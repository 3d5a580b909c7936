import { request } from 'node:http';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpServerFactory } from '@modelcontextprotocol/server';
import { httpOptionsFromEnv } from '../../src/http/options.js';
import { startHttpServer, type HttpServerHandle } from '../../src/http/serve.js';

export type ClientKind = 'v2-modern' | 'v2-legacy' | 'v1';
export const CLIENT_KINDS: ClientKind[] = ['v2-modern', 'v2-legacy', 'v1'];

/** The slice of both SDK clients the tests use. */
export interface AnyClient {
  listTools(): Promise<{ tools: Array<{ name: string; inputSchema: { properties?: Record<string, unknown> } }> }>;
  callTool(p: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

export const textOf = (r: unknown) => ((r as { content?: Array<{ text?: string }> }).content ?? []).map((c) => c.text ?? '').join('\n');
export const isError = (r: unknown) => (r as { isError?: boolean }).isError === true;

export async function connectHttp(kind: ClientKind, url: string, token?: string): Promise<AnyClient> {
  const requestInit = token ? { headers: { authorization: `Bearer ${token}` } } : undefined;
  if (kind === 'v1') {
    const c = new ClientV1({ name: 'http-test-v1', version: '1' });
    await c.connect(new HttpV1(new URL(url), { requestInit }));
    return c as unknown as AnyClient;
  }
  const c = new ClientV2(
    { name: `http-test-${kind}`, version: '1' },
    { versionNegotiation: { mode: kind === 'v2-modern' ? 'auto' : 'legacy' } },
  );
  await c.connect(new HttpV2(new URL(url), { requestInit }));
  return c as unknown as AnyClient;
}

/** The HTTP layer on 127.0.0.1 with an ephemeral port, configured the way the CLI does it. */
export async function startTestServer(createServer: McpServerFactory, env: Record<string, string> = {}): Promise<HttpServerHandle> {
  const opts = httpOptionsFromEnv({ MCP_RATE_LIMIT: '0', ...env }, { host: '127.0.0.1', port: 0 });
  return startHttpServer({ ...opts, createServer });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http rather than fetch: fetch will not send a forged Host header. */
export function raw(
  url: string,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean } = {},
): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined && !opts.chunked) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: opts.path ?? u.pathname,
        method: opts.method ?? 'POST',
        headers,
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (opts.body !== undefined) {
      // A chunked body has no Content-Length, so only the streaming limit can catch it.
      if (opts.chunked) for (let i = 0; i < opts.body.length; i += 512) req.write(opts.body.slice(i, i + 512));
      else req.write(opts.body);
    }
    req.end();
  });
}

export const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

export const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, type McpServerFactory } from '@modelcontextprotocol/server';
import { hostHeaderValidation, originValidation, toNodeHandler } from '@modelcontextprotocol/node';
import { ConfigError } from '../config/error.js';
import { log } from '../log.js';
import { VERSION } from '../version.js';
import { bearerChecker } from './auth.js';
import { runAsCaller } from '../proxmox/caller.js';
import type { HttpOptions, ProxyList } from './options.js';
import { RateLimiter } from './rate-limit.js';

export interface StartHttpOptions extends HttpOptions {
  /** Called for every MCP request (stateless serving): keep it cheap and share state through closures. */
  createServer: McpServerFactory;
}

export interface HttpServerHandle {
  /** The MCP endpoint, e.g. http://127.0.0.1:3000/mcp */
  url: string;
  port: number;
  /** Stops accepting, lets calls in flight finish (up to shutdownGraceMs), then closes every connection. */
  close(): Promise<void>;
}

export const MCP_PATH = '/mcp';
export const HEALTH_PATH = '/healthz';

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/**
 * Who a request counts against for rate limiting and takes turns as. X-Forwarded-For is read only when the
 * connection comes from a configured proxy address (MCP_TRUST_PROXY); then the address that proxy appended
 * last is the client, earlier entries are whatever the client claimed. A direct client's header is ignored.
 */
export function clientKey(req: IncomingMessage, trusted: ProxyList | undefined): string {
  const direct = req.socket.remoteAddress ?? 'unknown';
  if (trusted && trusted.includes(direct)) {
    const xff = req.headers['x-forwarded-for'];
    const last = (Array.isArray(xff) ? xff.join(',') : (xff ?? ''))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .pop();
    if (last) return last.slice(0, 64);
  }
  return direct;
}

/** How many JSON-RPC calls a body holds: a batch counts each of its messages. */
export function callsIn(body: unknown): number {
  return Array.isArray(body) ? Math.max(1, body.length) : 1;
}

/** JSON-RPC shaped refusals, so MCP clients can show the reason. */
function refuse(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code: -32000, message }, id: null }, headers);
}

/** Reads a request body up to `max` bytes; beyond that the rest is not kept. */
function readBody(req: IncomingMessage, max: number): Promise<{ text: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge }));
    req.on('error', reject);
  });
}

export async function startHttpServer(opts: StartHttpOptions): Promise<HttpServerHandle> {
  const handler = createMcpHandler(opts.createServer, {
    legacy: 'stateless',
    maxRequestBodySize: opts.maxBodyBytes,
    onerror: (err) => log.debug(`mcp http: ${err.message}`),
  });
  const serveMcp = toNodeHandler(handler, {
    maxRequestBodySize: opts.maxBodyBytes,
    onerror: (err) => log.warn(`mcp http: ${err.message}`),
  });
  const hostOk = hostHeaderValidation(opts.allowedHosts);
  const originOk = originValidation(opts.allowedOrigins);
  const checkBearer = opts.authToken ? bearerChecker(opts.authToken) : undefined;
  const limiter = new RateLimiter(opts.rateLimitPerMinute);

  let draining = false;
  let inFlight = 0;
  let onIdle: (() => void) | undefined;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === HEALTH_PATH) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
      // 503 while draining tells a load balancer to stop sending new work here; the listener stays open
      // until the calls in flight are done, so new health checks see 503, not a refused connection.
      return sendJson(
        res,
        draining ? 503 : 200,
        { status: draining ? 'draining' : 'ok', version: VERSION },
        draining ? { connection: 'close' } : {},
      );
    }
    if (path !== MCP_PATH) return sendJson(res, 404, { error: `not found; the MCP endpoint is ${MCP_PATH}` });
    if (draining) return refuse(res, 503, 'server is shutting down', { connection: 'close', 'retry-after': '5' });

    // DNS rebinding: a browser tricked into calling a loopback server still sends the attacker's Host/Origin.
    if (!hostOk(req, res) || !originOk(req, res)) return;

    const client = clientKey(req, opts.trustProxy);
    if (checkBearer) {
      const auth = checkBearer(req.headers.authorization);
      if (!auth.ok) {
        // Failed attempts are counted apart, so guessing is throttled without spending the real client's allowance.
        const verdict = limiter.take(`unauthenticated ${client}`);
        if (!verdict.ok) return refuse(res, 429, 'too many requests', { 'retry-after': String(verdict.retryAfterSeconds) });
        return sendJson(res, auth.status, auth.body, { 'www-authenticate': auth.challenge });
      }
    }

    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > opts.maxBodyBytes) {
      // Closing spares reading a body that will be thrown away.
      return refuse(res, 413, `request body over ${opts.maxBodyBytes} bytes (MCP_MAX_BODY)`, { connection: 'close' });
    }

    // The body is read here, so every call of a JSON-RPC batch counts against the limit, not the batch once.
    let body: unknown;
    if (req.method === 'POST') {
      const read = await readBody(req, opts.maxBodyBytes);
      if (read.tooLarge) return refuse(res, 413, `request body over ${opts.maxBodyBytes} bytes (MCP_MAX_BODY)`, { connection: 'close' });
      try {
        body = JSON.parse(read.text);
      } catch {
        return sendJson(res, 400, {
          jsonrpc: '2.0',
          error: { code: -32700, message: 'Parse error: the body is not valid JSON' },
          id: null,
        });
      }
    }
    const calls = callsIn(body);
    const verdict = limiter.take(client, calls);
    if (!verdict.ok) {
      const what = calls > 1 ? `a batch of ${calls} calls` : 'too many requests';
      return refuse(res, 429, `${what}: over MCP_RATE_LIMIT (${opts.rateLimitPerMinute} calls a minute per client)`, {
        'retry-after': String(verdict.retryAfterSeconds),
      });
    }

    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) onIdle?.();
    });
    // Calls to a cluster take turns by client (src/proxmox/fair-slots.ts).
    await runAsCaller(client, () => serveMcp(req, res, body));
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      log.error(`http: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (!res.headersSent) refuse(res, 500, 'internal error');
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) =>
      reject(new ConfigError(`cannot listen on ${opts.host}:${opts.port}: ${err.code ?? err.message}`));
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  server.on('error', (err) => log.error(`http server: ${err.message}`));

  const { port } = server.address() as AddressInfo;
  const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      // Idle keep-alive connections go now; the listener stays, answering 503, while calls finish.
      server.closeIdleConnections();
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (onIdle = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.shutdownGraceMs))),
        ]);
        clearTimeout(timer);
        if (inFlight > 0) log.warn(`shutdown: ${inFlight} call(s) still running after ${opts.shutdownGraceMs} ms, cut off`);
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await handler.close();
      await closed;
    })());

  return { url: `http://${hostPart}:${port}${MCP_PATH}`, port, close };
}

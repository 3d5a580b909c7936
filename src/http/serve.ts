import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, type McpServerFactory } from '@modelcontextprotocol/server';
import { hostHeaderValidation, originValidation, toNodeHandler } from '@modelcontextprotocol/node';
import { ConfigError } from '../config.js';
import { log } from '../log.js';
import { VERSION } from '../version.js';
import { bearerChecker } from './auth.js';
import type { HttpOptions } from './options.js';
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
 * Who a request counts against for rate limiting. Behind a trusted proxy every request comes from the
 * proxy, so the address it appended last to X-Forwarded-For is the client; earlier entries are
 * whatever the client claimed and are not trusted.
 */
export function clientKey(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for'];
    const last = (Array.isArray(xff) ? xff.join(',') : (xff ?? '')).split(',').map((s) => s.trim()).filter(Boolean).pop();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/** JSON-RPC shaped refusals, so MCP clients can show the reason. */
function refuse(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code: -32000, message }, id: null }, headers);
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
      // 503 while draining tells a load balancer to stop sending new work here.
      return sendJson(res, draining ? 503 : 200, { status: draining ? 'draining' : 'ok', version: VERSION });
    }
    if (path !== MCP_PATH) return sendJson(res, 404, { error: `not found; the MCP endpoint is ${MCP_PATH}` });
    if (draining) return refuse(res, 503, 'server is shutting down', { connection: 'close', 'retry-after': '5' });

    // DNS rebinding: a browser tricked into calling a loopback server still sends the attacker's Host/Origin.
    if (!hostOk(req, res) || !originOk(req, res)) return;

    // Before authentication, so guessing tokens is throttled too.
    const verdict = limiter.take(clientKey(req, opts.trustProxy));
    if (!verdict.ok) return refuse(res, 429, 'too many requests', { 'retry-after': String(verdict.retryAfterSeconds) });

    if (checkBearer) {
      const auth = checkBearer(req.headers.authorization);
      if (!auth.ok) return sendJson(res, auth.status, auth.body, { 'www-authenticate': auth.challenge });
    }

    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > opts.maxBodyBytes) {
      // Closing spares reading a body that will be thrown away.
      return refuse(res, 413, `request body over ${opts.maxBodyBytes} bytes`, { connection: 'close' });
    }

    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) onIdle?.();
    });
    await serveMcp(req, res);
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
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // server.close() already dropped idle keep-alive connections; busy ones finish their call first.
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (onIdle = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.shutdownGraceMs))),
        ]);
        clearTimeout(timer);
        if (inFlight > 0) log.warn(`shutdown: ${inFlight} call(s) still running after ${opts.shutdownGraceMs} ms, cut off`);
      }
      server.closeAllConnections();
      await handler.close();
      await closed;
    })());

  return { url: `http://${hostPart}:${port}${MCP_PATH}`, port, close };
}

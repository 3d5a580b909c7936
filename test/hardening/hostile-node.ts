import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

export type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** An HTTPS "node" on loopback that answers whatever each test's routes say (paths below /api2/json). */
export async function startHostileNode(
  routes: Record<string, Route>,
): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], { keySize: 2048 });
  const requests: string[] = [];
  const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0].replace(/^\/api2\/json/, '');
      requests.push(`${req.method} ${req.url}`);
      const route = routes[path];
      if (route) return route(req, res, body);
      if (path === '/version') return json(res, 200, { data: { version: '9.2.1', release: '9.2', repoid: 'x' } });
      json(res, 404, { data: null, message: 'no such path' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<import('node:stream').Duplex>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Streams `bytes` of a JSON string without a Content-Length, the way a runaway answer arrives. */
export function stream(res: ServerResponse, bytes: number): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.write('{"data":"');
  const chunk = 'x'.repeat(64 * 1024);
  let sent = 0;
  const more = () => {
    while (sent < bytes) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    res.end('"}');
  };
  res.on('close', () => (sent = bytes));
  more();
}

/**
 * A small HTTPS fake of a PBS or PDM host on loopback: it serves a schema file the way the host does
 * (`var apiSchema = [...]` at /docs/api-viewer/apidoc.js), checks credentials in the product's own form,
 * answers a few calls, runs "tasks" with the product's UPIDs, and records what it was sent.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import selfsigned from 'selfsigned';
import type { Product } from '../../src/proxmox/products.js';

export interface Seen {
  method: string;
  path: string;
  authorization?: string;
  cookie?: string;
  csrf?: string;
  body: string;
}

export interface FakeHost {
  url: string;
  fingerprint: string;
  seen: Seen[];
  /** The secret a token must carry; the token id is `root@pam!mcp`. */
  secret: string;
  close(): Promise<void>;
}

const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
};

export async function startFakeHost(product: Exclude<Product, 'pve'>, schemaText: string): Promise<FakeHost> {
  const cert = await selfsigned.generate([{ name: 'commonName', value: `${product}.fake.local` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
  });
  const prefix = product === 'pbs' ? 'PBS' : 'PDM';
  const secret = '7f2a0c1e-58b4-4d0e-9f6a-3c2b1a0d9e8f';
  const ticket = `${prefix}:root@pam:6700000A::fake-signature`;
  const csrf = '6700000A:fakecsrf';
  const seen: Seen[] = [];
  const tasks = new Map<string, number>();
  let counter = 0;

  const server = https.createServer({ key: cert.private, cert: cert.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://fake.invalid');
      const body = Buffer.concat(chunks).toString('utf8');
      const entry: Seen = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        authorization: req.headers.authorization,
        cookie: req.headers.cookie,
        csrf: req.headers.csrfpreventiontoken as string | undefined,
        body,
      };
      seen.push(entry);
      if (url.pathname === '/docs/api-viewer/apidoc.js') {
        res.writeHead(200, { 'Content-Type': 'application/javascript' });
        res.end(`// Proxmox API viewer\nvar apiSchema = ${schemaText};\nExt.onReady(function() {});\n`);
        return;
      }
      if (!url.pathname.startsWith('/api2/json/')) return json(res, 404, 'Not found');
      const path = entry.path.slice('/api2/json'.length);
      if (path === '/access/ticket' && entry.method === 'POST') {
        const form = new URLSearchParams(body);
        if (form.get('username') === 'root@pam' && form.get('password') === 'hunter22') {
          return json(res, 200, { data: { ticket, CSRFPreventionToken: csrf, username: 'root@pam' } });
        }
        return json(res, 401, 'authentication failed - invalid credentials');
      }
      const tokenOk = entry.authorization === `${prefix}APIToken=root@pam!mcp:${secret}`;
      const cookieOk =
        entry.cookie === `${prefix}AuthCookie=${encodeURIComponent(ticket)}` && (entry.method === 'GET' || entry.csrf === csrf);
      // PBS and PDM answer errors as plain text with the status, not as a JSON envelope.
      if (!tokenOk && !cookieOk) return json(res, 401, 'authentication failed - invalid credentials');
      if (path === '/version')
        return json(res, 200, { data: { version: product === 'pbs' ? '4.2' : '1.1', release: '1', repoid: 'fake' } });
      if (path === '/remotes/remote' && entry.method === 'GET')
        return json(res, 200, { data: [{ id: 'prod', type: 'pve', nodes: ['pve1'], authid: 'root@pam!pdm' }] });
      const start = (remote?: string) => {
        const now = Math.floor(Date.now() / 1000)
          .toString(16)
          .toUpperCase()
          .padStart(8, '0');
        const inner = remote
          ? `UPID:pve1:${(4000 + counter).toString(16).toUpperCase().padStart(8, '0')}:00ABCDEF:${now}:qmstart:100:root@pam:`
          : `UPID:${product}-host:000004D2:00ABCDEF:${(counter + 1).toString(16).toUpperCase().padStart(8, '0')}:${now}:garbage_collection:store1:root@pam:`;
        counter++;
        const upid = remote ? `${remote}!${inner}` : inner;
        tasks.set(upid, Date.now());
        return upid;
      };
      const qm = /^\/pve\/remotes\/([^/]+)\/qemu\/(\d+)\/start$/.exec(path);
      if (qm && entry.method === 'POST') return json(res, 200, { data: start(qm[1]) });
      if (path === '/admin/datastore/store1/gc' && entry.method === 'POST') return json(res, 200, { data: start() });
      const st = /^\/(?:nodes\/localhost|pve\/remotes\/[^/]+)\/tasks\/(.+)\/status$/.exec(path);
      if (st && entry.method === 'GET') {
        const began = tasks.get(st[1]);
        if (began === undefined) return json(res, 400, `no such task '${st[1]}'`);
        const done = Date.now() - began > 60;
        return json(res, 200, { data: { upid: st[1], status: done ? 'stopped' : 'running', ...(done ? { exitstatus: 'OK' } : {}) } });
      }
      return json(res, 400, `unsupported by the fake: ${entry.method} ${path}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    fingerprint: new X509Certificate(cert.cert).fingerprint256.toUpperCase(),
    seen,
    secret,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

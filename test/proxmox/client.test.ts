import https from 'node:https';
import tls from 'node:tls';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import selfsigned from 'selfsigned';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/index.js';
import { HttpProxmoxClient, encodeParams, type ClientOptions, type Credentials } from '../../src/proxmox/client.js';
import { ProxmoxHttpError, ProxmoxNetworkError } from '../../src/proxmox/errors.js';
import { clusterFromEnv } from '../../src/config/env.js';
import { parseApiToken } from '../../src/config/values.js';
import { rawRequest } from '../simulator/helpers.js';

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

let sim: SimulatorHandle;
const clients: HttpProxmoxClient[] = [];

beforeAll(async () => {
  sim = await startSimulator({ taskDurationMs: 30, quiet: true });
});

afterEach(() => {
  sim.faults.reset();
  vi.restoreAllMocks();
  while (clients.length) clients.pop()!.close();
});

afterAll(async () => {
  await sim.close();
});

function tokenCreds(which: 'admin' | 'readonly' = 'admin'): Extract<Credentials, { kind: 'token' }> {
  return parseApiToken(sim.tokens[which]) as Extract<Credentials, { kind: 'token' }>;
}

function passwordCreds(password = sim.login.password): Credentials {
  return { kind: 'password', username: sim.login.username, password };
}

/** A client on the simulator, pinned to its certificate, fast retries; closed after each test. */
function client(opts: Partial<ClientOptions> = {}): HttpProxmoxClient {
  const c = new HttpProxmoxClient({
    url: sim.url,
    credentials: tokenCreds(),
    tls: { fingerprint: sim.fingerprint },
    timeoutMs: 5000,
    retryDelayMs: 1,
    ...opts,
  });
  clients.push(c);
  return c;
}

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Records every request the client hands to node:https (method, path, headers, form body). */
function recordRequests(): Sent[] {
  const real = https.request;
  const log: Sent[] = [];
  vi.spyOn(https, 'request').mockImplementation(((url: string | URL, options: https.RequestOptions, cb?: (res: unknown) => void) => {
    const u = new URL(String(url));
    const entry: Sent = {
      method: String(options.method ?? 'GET'),
      path: decodeURIComponent(u.pathname) + u.search,
      headers: { ...(options.headers as Record<string, string>) },
      body: '',
    };
    log.push(entry);
    const req = (real as (...a: unknown[]) => ReturnType<typeof https.request>)(url, options, cb);
    const write = req.write.bind(req) as (...a: unknown[]) => boolean;
    req.write = ((chunk: unknown, ...rest: unknown[]) => {
      entry.body += String(chunk);
      return write(chunk, ...rest);
    }) as typeof req.write;
    return req;
  }) as unknown as typeof https.request);
  return log;
}

const form = (s: Sent) => new URLSearchParams(s.body);
const logins = (log: Sent[]) => log.filter((s) => s.method === 'POST' && s.path === '/api2/json/access/ticket');
const cookieOf = (s: Sent) => decodeURIComponent(s.headers.Cookie.replace(/^PVEAuthCookie=/, ''));

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the request to fail');
}

async function httpFailure(p: Promise<unknown>): Promise<ProxmoxHttpError> {
  const e = await rejection(p);
  if (!(e instanceof ProxmoxHttpError)) throw e;
  return e;
}

async function netFailure(p: Promise<unknown>): Promise<ProxmoxNetworkError> {
  const e = await rejection(p);
  if (!(e instanceof ProxmoxNetworkError)) throw e;
  return e;
}

/** Every text an error could end up in: message, describe(), its fields, its stack. */
function errorTexts(e: Error): string {
  return [e.message, e.stack ?? '', e instanceof ProxmoxHttpError ? e.describe() : '', JSON.stringify(e), String(e)].join('\n');
}

async function selfSignedCert(cn: string) {
  return selfsigned.generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
}

/**
 * A TLS server on 127.0.0.1 that records every raw byte it receives after the handshake and answers
 * any request with `{"data":"local"}`, optionally after a delay, counting requests in flight.
 */
async function localServer(opts: { delayMs?: number; status?: number; reason?: string; body?: string } = {}) {
  const cert = await selfSignedCert('local.test');
  const stats = { connections: 0, handshakes: 0, bytes: [] as Buffer[], inFlight: 0, maxInFlight: 0, requests: [] as string[] };
  const server = tls.createServer({ key: cert.private, cert: cert.cert }, (socket) => {
    stats.handshakes++;
    let buf = '';
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      stats.bytes.push(d);
      buf += d.toString('latin1');
      // One request per chunk boundary is enough for these tests: answer once headers (and a declared body) arrived.
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end);
        const len = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        stats.requests.push(buf.slice(0, end + 4 + len));
        buf = buf.slice(end + 4 + len);
        stats.inFlight++;
        stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
        setTimeout(() => {
          stats.inFlight--;
          const body = Buffer.from(opts.body ?? '{"data":"local"}');
          // The status line goes out as UTF-8 bytes, as pveproxy writes it.
          const head = `HTTP/1.1 ${opts.status ?? 200} ${opts.reason ?? 'OK'}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
          if (!socket.destroyed) socket.write(Buffer.concat([Buffer.from(head, 'utf8'), body]));
        }, opts.delayMs ?? 0);
      }
    });
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    stats.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    fingerprint: new X509Certificate(cert.cert).fingerprint256.toUpperCase(),
    certPem: cert.cert,
    stats,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy(); // keep-alive connections would hold close() open
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------------

describe('API token', () => {
  it('authenticates with the token header and needs no CSRF token for writes', async () => {
    const log = recordRequests();
    const c = client();
    expect((await c.request<{ release: string }>({ method: 'GET', path: '/version' })).data.release).toBe('9.2');
    expect((await c.request({ method: 'POST', path: '/nodes/pve1/qemu/100/agent/ping' })).data).toEqual({ result: {} });
    expect(log.map((s) => s.headers.Authorization)).toEqual([`PVEAPIToken=${sim.tokens.admin}`, `PVEAPIToken=${sim.tokens.admin}`]);
    expect(log.some((s) => 'CSRFPreventionToken' in s.headers || 'Cookie' in s.headers)).toBe(false);
    expect(logins(log)).toHaveLength(0);
  });

  it('names the refused token (never its secret) and the variable to check on a 401', async () => {
    const creds = tokenCreds();
    const wrongSecret = '11111111-2222-3333-4444-555555555555';
    const e = await httpFailure(client({ credentials: { ...creds, secret: wrongSecret } }).request({ method: 'GET', path: '/nodes' }));
    expect(e.status).toBe(401);
    expect(e.describe()).toBe(
      'Proxmox answered 401 authentication failure: API token root@pam!mcp was refused (wrong secret, expired, or deleted; check PROXMOX_API_TOKEN)',
    );
    expect(e.message).toContain('API token root@pam!mcp was refused');
    expect(errorTexts(e)).not.toContain(wrongSecret);

    const unknown = await httpFailure(
      client({ credentials: { kind: 'token', tokenId: 'root@pam!gone', secret: creds.secret } }).request({ method: 'GET', path: '/nodes' }),
    );
    expect(unknown.describe()).toContain('API token root@pam!gone was refused');
    expect(errorTexts(unknown)).not.toContain(creds.secret);
  });
});

describe('ticket login', () => {
  it('logs in, sends the cookie on reads and the CSRF token on every write', async () => {
    const log = recordRequests();
    const c = client({ credentials: passwordCreds() });
    expect((await c.request<unknown[]>({ method: 'GET', path: '/cluster/status' })).data).not.toHaveLength(0);
    expect((await c.request({ method: 'POST', path: '/nodes/pve1/qemu/100/agent/ping' })).data).toEqual({ result: {} });
    await c.request({ method: 'PUT', path: '/nodes/pve1/qemu/100/config', params: { description: 'x' } });

    expect(log.map((s) => `${s.method} ${s.path.replace(/\?.*/, '')}`)).toEqual([
      'POST /api2/json/access/ticket',
      'GET /api2/json/cluster/status',
      'POST /api2/json/nodes/pve1/qemu/100/agent/ping',
      'PUT /api2/json/nodes/pve1/qemu/100/config',
    ]);
    const [login, read, write, put] = log;
    expect(form(login).get('username')).toBe('root@pam');
    expect(form(login).get('password')).toBe(sim.login.password);
    expect(cookieOf(read)).toMatch(/^PVE:root@pam:[0-9A-F]{8}::/);
    expect(read.headers.CSRFPreventionToken).toBeUndefined();
    expect(write.headers.CSRFPreventionToken).toMatch(/^[0-9A-F]{8}:/);
    expect(put.headers.CSRFPreventionToken).toBe(write.headers.CSRFPreventionToken);
    expect(read.headers.Authorization).toBeUndefined();

    // The same write without the CSRF header is refused by the simulator (as by PVE): the header matters.
    const bare = await rawRequest(sim, 'POST', '/api2/json/nodes/pve1/qemu/100/agent/ping', {
      headers: { Cookie: write.headers.Cookie },
      form: {},
    });
    expect([bare.status, bare.reason]).toEqual([401, 'Permission denied - invalid csrf token']);
    const withCsrf = await rawRequest(sim, 'POST', '/api2/json/nodes/pve1/qemu/100/agent/ping', {
      headers: { Cookie: write.headers.Cookie, CSRFPreventionToken: write.headers.CSRFPreventionToken },
      form: {},
    });
    expect(withCsrf.status).toBe(200);
  });

  it('logs in once for many parallel first requests', async () => {
    const log = recordRequests();
    const c = client({ credentials: passwordCreds() });
    await Promise.all(Array.from({ length: 5 }, () => c.request({ method: 'GET', path: '/version' })));
    expect(logins(log)).toHaveLength(1);
  });

  it('renews the ticket before it expires by posting the old ticket, without waiting', async () => {
    const log = recordRequests();
    let now = Date.now();
    const c = client({ credentials: passwordCreds(), now: () => now });
    await c.request({ method: 'GET', path: '/version' });
    const first = cookieOf(log[1]);

    now += 80 * 60 * 1000; // 80 min: still fresh, no renewal
    await c.request({ method: 'GET', path: '/version' });
    expect(logins(log)).toHaveLength(1);

    now += 11 * 60 * 1000; // 91 min: renew (two parallel requests share one renewal)
    await Promise.all([
      c.request({ method: 'GET', path: '/version' }),
      c.request({ method: 'POST', path: '/nodes/pve1/qemu/100/agent/ping' }),
    ]);
    const renewals = logins(log);
    expect(renewals).toHaveLength(2);
    expect(form(renewals[1]).get('username')).toBe('root@pam');
    expect(form(renewals[1]).get('password')).toBe(first);
    expect(renewals[1].body).not.toContain(encodeURIComponent(sim.login.password));

    now += 3 * 60 * 60 * 1000; // the ticket is past its 2 h life: a renewal would fail, log in with the password
    await c.request({ method: 'GET', path: '/version' });
    expect(logins(log)).toHaveLength(3);
    expect(form(logins(log)[2]).get('password')).toBe(sim.login.password);
  });

  it('falls back to the password when a renewal is refused', async () => {
    const log = recordRequests();
    let now = Date.now();
    const c = client({ credentials: passwordCreds(), now: () => now });
    await c.request({ method: 'GET', path: '/version' });
    const ticket = cookieOf(log[1]);
    now += 91 * 60 * 1000;
    sim.faults.errorOn({ method: 'POST', path: '/access/ticket', status: 401, reason: 'authentication failure', times: 1 });
    await c.request({ method: 'GET', path: '/version' });
    expect(logins(log).map((s) => form(s).get('password'))).toEqual([sim.login.password, ticket, sim.login.password]);
  });

  it('logs in again once when a request with a ticket gets a 401, then succeeds', async () => {
    const log = recordRequests();
    const c = client({ credentials: passwordCreds() });
    await c.request({ method: 'GET', path: '/version' });
    sim.faults.errorOn({ method: 'POST', path: '/nodes/pve1/qemu/100/agent/ping', status: 401, reason: 'invalid PVE ticket', times: 1 });
    expect((await c.request({ method: 'POST', path: '/nodes/pve1/qemu/100/agent/ping' })).data).toEqual({ result: {} });
    expect(logins(log)).toHaveLength(2);
    expect(log.filter((s) => s.path.endsWith('/agent/ping'))).toHaveLength(2);
  });

  it('gives up after one re-login when the 401 persists, naming the user only', async () => {
    const log = recordRequests();
    const c = client({ credentials: passwordCreds() });
    sim.faults.errorOn({ method: 'GET', path: '/cluster/status', status: 401, reason: 'invalid PVE ticket', times: 10 });
    const e = await httpFailure(c.request({ method: 'GET', path: '/cluster/status' }));
    expect(e.status).toBe(401);
    expect(e.describe()).toMatch(/^Proxmox answered 401 invalid PVE ticket: the session of root@pam was refused/);
    expect(e.describe()).toContain('PROXMOX_USERNAME');
    expect(log.filter((s) => s.path.startsWith('/api2/json/cluster/status'))).toHaveLength(2);
    expect(logins(log)).toHaveLength(2);
    expect(errorTexts(e)).not.toContain(sim.login.password);
  });

  it('reports a refused login by user name, never the password', async () => {
    const wrong = 'Wr0ng-Passw0rd-xyz';
    const log = recordRequests();
    const e = await httpFailure(client({ credentials: passwordCreds(wrong) }).request({ method: 'GET', path: '/version' }));
    expect([e.status, e.path]).toEqual([401, '/access/ticket']);
    expect(e.describe()).toMatch(
      /^Proxmox answered 401 authentication failure: login as root@pam was refused \(.*check PROXMOX_USERNAME and PROXMOX_PASSWORD\)/,
    );
    expect(errorTexts(e)).not.toContain(wrong);
    expect(logins(log)).toHaveLength(1); // no retry loop on a wrong password
    expect(log.filter((s) => s.path.startsWith('/api2/json/version'))).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------------------------

describe('TLS', () => {
  it('accepts the pinned fingerprint in any of the usual spellings', async () => {
    for (const fp of [sim.fingerprint, sim.fingerprint.replace(/:/g, '').toLowerCase(), `sha256:${sim.fingerprint}`]) {
      expect((await client({ tls: { fingerprint: fp } }).request({ method: 'GET', path: '/version' })).status).toBe(200);
    }
  });

  it('refuses a wrong fingerprint before sending a single request byte', async () => {
    const local = await localServer();
    try {
      // Control: with its right fingerprint the recorder does see the request (so the next check can fail).
      const ok = client({ url: local.url, tls: { fingerprint: local.fingerprint } });
      expect((await ok.request({ method: 'GET', path: '/version' })).data).toBe('local');
      expect(Buffer.concat(local.stats.bytes).toString()).toContain('GET /api2/json/version');
      ok.close();
      local.stats.bytes.length = 0;
      local.stats.connections = 0;

      const secret = tokenCreds().secret;
      const pinned = client({ url: local.url, tls: { fingerprint: sim.fingerprint }, getRetries: 3 });
      const e = await netFailure(pinned.request({ method: 'POST', path: '/nodes/pve1/qemu/100/agent/ping' }));
      const e2 = await netFailure(pinned.request({ method: 'GET', path: '/version' }));
      await new Promise((r) => setTimeout(r, 100));
      expect(local.stats.connections).toBe(2); // both connected (so bytes could have come), the GET was not retried
      expect(local.stats.bytes).toHaveLength(0);
      for (const err of [e, e2]) {
        expect(err.code).toBe('TLS');
        expect(err.message).toContain('PROXMOX_FINGERPRINT');
        expect(err.message).toContain(local.fingerprint);
        expect(errorTexts(err)).not.toContain(secret);
      }
    } finally {
      await local.close();
    }
  });

  it('does not leave a pinned connection open when the TLS handshake never finishes', async () => {
    const open = new Set<net.Socket>();
    const silent = net.createServer((s) => {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {});
      s.resume(); // read (and drop) the ClientHello, so the client's close is seen
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const e = await netFailure(
        client({ url, tls: { fingerprint: sim.fingerprint }, timeoutMs: 100 }).request({ method: 'GET', path: '/version' }),
      );
      expect(e.code).toBe('TIMEOUT');
      for (let i = 0; i < 50 && open.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(open.size).toBe(0);
    } finally {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('trusts a CA given as PEM, and through PROXMOX_CA_FILE (the simulator certificate covers 127.0.0.1)', async () => {
    expect((await client({ tls: { ca: sim.certPem } }).request({ method: 'GET', path: '/version' })).status).toBe(200);

    const dir = mkdtempSync(join(tmpdir(), 'pmx-ca-'));
    try {
      writeFileSync(join(dir, 'pve-root-ca.pem'), sim.certPem);
      const cfg = clusterFromEnv({
        PROXMOX_URL: sim.url,
        PROXMOX_API_TOKEN: sim.tokens.admin,
        PROXMOX_CA_FILE: join(dir, 'pve-root-ca.pem'),
      });
      const c = client({ url: cfg.url, credentials: cfg.credentials, tls: cfg.tls });
      expect((await c.request({ method: 'GET', path: '/version' })).status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const other = await selfSignedCert('other.test');
    const e = await netFailure(client({ tls: { ca: other.cert } }).request({ method: 'GET', path: '/version' }));
    expect(e.code).toBe('TLS');
  });

  it('refuses a trusted certificate issued for another host name, before sending a byte', async () => {
    const cert = await selfsigned.generate([{ name: 'commonName', value: 'other.test' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'other.test' }] }],
    });
    const received: Buffer[] = [];
    const server = tls.createServer({ key: cert.private, cert: cert.cert }, (socket) => socket.on('data', (d: Buffer) => received.push(d)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const e = await netFailure(client({ url, tls: { ca: cert.cert } }).request({ method: 'GET', path: '/version' }));
      expect(e.code).toBe('TLS');
      expect(e.message).toContain('another host name');
      expect(e.message).toContain(new X509Certificate(cert.cert).fingerprint256.toUpperCase());
      expect(received).toEqual([]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('connects to anything in insecure mode', async () => {
    expect((await client({ tls: { insecure: true } }).request({ method: 'GET', path: '/version' })).status).toBe(200);
  });

  it('refuses a self-signed certificate by default, saying how to trust it', async () => {
    const log = recordRequests();
    const e = await netFailure(client({ tls: {} }).request({ method: 'GET', path: '/version' }));
    expect(e.code).toBe('TLS');
    expect(e.message).toMatch(/self[- ]signed/i);
    for (const v of ['PROXMOX_FINGERPRINT', 'PROXMOX_CA_FILE', 'PROXMOX_INSECURE']) expect(e.message).toContain(v);
    // It shows the certificate it saw and the command that prints it.
    expect(e.message).toContain(sim.fingerprint);
    expect(e.message).toContain(`proxmox-mcp fingerprint ${new URL(sim.url).origin}`);
    expect(log).toHaveLength(1); // a TLS refusal is not retried
    expect(errorTexts(e)).not.toContain(tokenCreds().secret);
  });
});

// ---------------------------------------------------------------------------------------------
// Timeouts, retries, concurrency, cancellation
// ---------------------------------------------------------------------------------------------

describe('timeouts and retries', () => {
  it('times out a slow answer with TIMEOUT, naming PROXMOX_TIMEOUT, and does not retry it', async () => {
    const log = recordRequests();
    sim.faults.latencyMs = 1000;
    const e = await netFailure(client({ timeoutMs: 100 }).request({ method: 'GET', path: '/version' }));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toContain('PROXMOX_TIMEOUT');
    expect(log).toHaveLength(1);
    // A per-request timeout wins over the client's.
    const e2 = await netFailure(client({ timeoutMs: 5000 }).request({ method: 'GET', path: '/version', timeoutMs: 50 }));
    expect(e2.code).toBe('TIMEOUT');
  });

  it('retries a GET on 503 and succeeds', async () => {
    const log = recordRequests();
    sim.faults.errorOn({ method: 'GET', path: '/version', status: 503, reason: 'Service Unavailable', times: 1 });
    expect((await client().request<{ release: string }>({ method: 'GET', path: '/version' })).data.release).toBe('9.2');
    expect(log).toHaveLength(2);
  });

  it('retries 502 and 504 too, up to getRetries, but not 500', async () => {
    const log = recordRequests();
    sim.faults.errorOn({ method: 'GET', path: '/version', status: 502, reason: 'Bad Gateway', times: 1 });
    sim.faults.errorOn({ method: 'GET', path: '/version', status: 504, reason: 'Gateway Timeout', times: 1 });
    expect((await client({ getRetries: 2 }).request({ method: 'GET', path: '/version' })).status).toBe(200);
    expect(log).toHaveLength(3);

    log.length = 0;
    sim.faults.errorOn({ method: 'GET', path: '/version', status: 503, reason: 'Service Unavailable', times: 10 });
    const e = await httpFailure(client({ getRetries: 2 }).request({ method: 'GET', path: '/version' }));
    expect(e.status).toBe(503);
    expect(log).toHaveLength(3);

    sim.faults.reset();
    log.length = 0;
    sim.faults.errorOn({ method: 'GET', path: '/version', status: 500, reason: 'boom', times: 1 });
    expect((await httpFailure(client().request({ method: 'GET', path: '/version' }))).status).toBe(500);
    expect(log).toHaveLength(1);
  });

  it('never retries a POST, even on 503', async () => {
    const log = recordRequests();
    const path = '/nodes/pve1/qemu/100/agent/ping';
    sim.faults.errorOn({ method: 'POST', path, status: 503, reason: 'Service Unavailable', times: 2 });
    const e = await httpFailure(client({ getRetries: 5 }).request({ method: 'POST', path }));
    expect(e.status).toBe(503);
    expect(log.filter((s) => s.method === 'POST')).toHaveLength(1);
    // The simulator agrees: one of the two forced answers is still left.
    const next = await rawRequest(sim, 'POST', `/api2/json${path}`, {
      headers: { Authorization: `PVEAPIToken=${sim.tokens.admin}` },
      form: {},
    });
    expect(next.status).toBe(503);
    const after = await rawRequest(sim, 'POST', `/api2/json${path}`, {
      headers: { Authorization: `PVEAPIToken=${sim.tokens.admin}` },
      form: {},
    });
    expect(after.status).toBe(200);
  });

  it('retries a GET on a refused connection but not a POST', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const log = recordRequests();
    const c = client({ url: `https://127.0.0.1:${port}`, getRetries: 2 });
    const e = await netFailure(c.request({ method: 'GET', path: '/version' }));
    expect(e.code).toBe('ECONNREFUSED');
    expect(e.message).toContain('PROXMOX_URL');
    expect(log).toHaveLength(3);
    log.length = 0;
    await netFailure(c.request({ method: 'POST', path: '/nodes/pve1/qemu/100/agent/ping' }));
    expect(log).toHaveLength(1);
  });
});

describe('concurrency and cancellation', () => {
  it('never has more than maxConcurrent requests in flight', async () => {
    const local = await localServer({ delayMs: 40 });
    try {
      const c = client({ url: local.url, tls: { fingerprint: local.fingerprint }, maxConcurrent: 3 });
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => c.request({ method: 'GET', path: `/n/${i}` })));
      expect(answers.map((a) => a.data)).toEqual(Array(10).fill('local'));
      expect(local.stats.requests).toHaveLength(10);
      expect(local.stats.maxInFlight).toBe(3);
    } finally {
      await local.close();
    }
  });

  it('also holds against the simulator with latency', async () => {
    sim.faults.latencyMs = 30;
    let inFlight = 0;
    let peak = 0;
    // Count requests between handing them to node:https and the end of their answer.
    const real = https.request;
    vi.spyOn(https, 'request').mockImplementation(((...args: unknown[]) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      const req = (real as (...a: unknown[]) => ReturnType<typeof https.request>)(...args);
      req.once('close', () => inFlight--);
      return req;
    }) as unknown as typeof https.request);
    const c = client({ maxConcurrent: 2 });
    await Promise.all(Array.from({ length: 6 }, () => c.request({ method: 'GET', path: '/version' })));
    expect(peak).toBe(2);
  });

  it('leaves an injected fault for the next request when a timed-out one reaches the simulator late', async () => {
    sim.faults.latencyMs = 300;
    expect((await netFailure(client({ timeoutMs: 50, getRetries: 0 }).request({ method: 'GET', path: '/version' }))).code).toBe('TIMEOUT');
    sim.faults.errorOn({ method: 'GET', path: '/version', status: 500, reason: 'for the next reader', times: 1 });
    // The abandoned request arrives meanwhile; the fault must still be there for this one.
    await new Promise((r) => setTimeout(r, 400));
    sim.faults.latencyMs = 0;
    expect((await httpFailure(client().request({ method: 'GET', path: '/version' }))).reason).toBe('for the next reader');
  });

  it('cancels a request in flight, before sending, and while waiting for a slot', async () => {
    sim.faults.latencyMs = 2000;
    const log = recordRequests();
    const c = client({ maxConcurrent: 1 });

    const inFlight = new AbortController();
    const first = c.request({ method: 'GET', path: '/version', signal: inFlight.signal });
    const queued = new AbortController();
    const second = c.request({ method: 'GET', path: '/nodes', signal: queued.signal });
    await new Promise((r) => setTimeout(r, 50));
    queued.abort();
    const q = await netFailure(second);
    expect(q.code).toBe('ABORTED');
    expect(log.map((s) => s.path)).toEqual(['/api2/json/version']); // the queued one never went out
    inFlight.abort();
    expect((await netFailure(first)).code).toBe('ABORTED');

    const already = AbortSignal.abort();
    expect((await netFailure(c.request({ method: 'GET', path: '/version', signal: already }))).code).toBe('ABORTED');
    expect(log).toHaveLength(1);

    // The slot was given back: a new request still gets through.
    sim.faults.latencyMs = 0;
    expect((await c.request({ method: 'GET', path: '/version' })).status).toBe(200);
  });

  it('cancelling one request does not fail others waiting on the same login', async () => {
    sim.faults.latencyMs = 150;
    const c = client({ credentials: passwordCreds() });
    const ac = new AbortController();
    const a = c.request({ method: 'GET', path: '/version', signal: ac.signal });
    const b = c.request({ method: 'GET', path: '/version' });
    await new Promise((r) => setTimeout(r, 30));
    ac.abort();
    expect((await netFailure(a)).code).toBe('ABORTED');
    expect((await b).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------
// Wire format and error reporting
// ---------------------------------------------------------------------------------------------

describe('encoding', () => {
  it('sends booleans as 1/0, arrays as repeated keys, drops undefined and null', async () => {
    const local = await localServer();
    try {
      const c = client({ url: local.url, tls: { fingerprint: local.fingerprint } });
      const params = { on: true, off: false, net: ['a', 'b c'], gone: undefined, nil: null, n: 5, s: 'x&y=z', list: [true, undefined, 2] };
      await c.request({ method: 'POST', path: '/p', params });
      await c.request({ method: 'PUT', path: '/p', params });
      await c.request({ method: 'GET', path: '/g', params });
      await c.request({ method: 'DELETE', path: '/d', params });
      const [post, put, get, del] = local.stats.requests;
      const expected = 'on=1&off=0&net=a&net=b+c&n=5&s=x%26y%3Dz&list=1&list=2';
      for (const r of [post, put]) {
        expect(r).toMatch(/content-type: application\/x-www-form-urlencoded/i);
        expect(r.slice(r.indexOf('\r\n\r\n') + 4)).toBe(expected);
      }
      expect(get.split('\r\n')[0]).toBe(`GET /api2/json/g?${expected} HTTP/1.1`);
      expect(del.split('\r\n')[0]).toBe(`DELETE /api2/json/d?${expected} HTTP/1.1`);
      expect(encodeParams({ a: undefined }).toString()).toBe('');
    } finally {
      await local.close();
    }
  });

  it('is understood by the simulator (array command, boolean flag)', async () => {
    const c = client();
    const { data } = await c.request<{ pid: number }>({
      method: 'POST',
      path: '/nodes/pve1/qemu/100/agent/exec',
      params: { command: ['echo', 'hi there'] },
    });
    expect(data.pid).toEqual(expect.any(Number));
    const users = await c.request<Array<{ userid: string; tokens?: unknown[] }>>({
      method: 'GET',
      path: '/access/users',
      params: { full: true },
    });
    expect(users.data.find((u) => u.userid === 'root@pam')?.tokens).toBeDefined();
  });
});

describe('error reporting', () => {
  it("keeps PVE's reason, message and per-parameter errors in describe()", async () => {
    const e = await httpFailure(client().request({ method: 'POST', path: '/nodes/pve1/qemu/100/snapshot', params: { bogus: 1 } }));
    expect([e.status, e.reason]).toEqual([400, 'Parameter verification failed.']);
    expect(e.errors).toMatchObject({
      snapname: 'property is missing and it is not optional',
      bogus: expect.stringContaining('not defined in schema'),
    });
    const text = e.describe();
    expect(text.split('\n')[0]).toBe('Proxmox answered 400 Parameter verification failed.');
    expect(text).toContain('  snapname: property is missing and it is not optional');
    expect(text).toContain('  bogus: property is not defined in schema');
  });

  it('decodes a UTF-8 reason phrase (guest agent errors quote with “ ”)', async () => {
    const reason = 'Agent error: Failed to execute child process “no-such-tool” (No such file or directory)';
    const local = await localServer({ status: 500, reason, body: JSON.stringify({ data: null, message: `${reason}\n` }) });
    try {
      const e = await httpFailure(
        client({ url: local.url, tls: { fingerprint: local.fingerprint } }).request({ method: 'POST', path: '/x' }),
      );
      expect(e.status).toBe(500);
      expect(e.reason).toBe(reason);
      expect(e.describe()).toBe(`Proxmox answered 500 ${reason}`); // the identical message is not repeated
    } finally {
      await local.close();
    }
    // The simulator writes the same UTF-8 bytes into its status line, as pveproxy does.
    const sim500 = await httpFailure(
      client().request({ method: 'POST', path: '/nodes/pve1/qemu/100/agent/exec', params: { command: ['no-such-tool'] } }),
    );
    expect(sim500.body?.message).toBe(`${reason}\n`);
    expect(sim500.reason).toBe(reason);
  });

  it('fetchText reads outside the API and reports failures as HTTP errors', async () => {
    const c = client();
    expect(await c.fetchText('/pve-docs/api-viewer/apidoc.js')).toMatch(/apiSchema/);
    expect((await httpFailure(c.fetchText('/nope'))).status).toBe(404);
  });

  it('never shows the token secret or the password in any error it can produce', async () => {
    const token = tokenCreds();
    const errors: Error[] = [];
    const collect = async (p: Promise<unknown>) => errors.push(await rejection(p));

    const c = client();
    await collect(
      client({ credentials: { ...token, secret: 'deadbeef-0000-0000-0000-000000000000' } }).request({ method: 'GET', path: '/nodes' }),
    );
    await collect(client({ credentials: tokenCreds('readonly') }).request({ method: 'POST', path: '/nodes/pve1/qemu/100/status/start' }));
    await collect(c.request({ method: 'POST', path: '/nodes/pve1/qemu/100/snapshot' }));
    await collect(c.request({ method: 'GET', path: '/no/such/path' }));
    await collect(c.fetchText('/nope'));
    await collect(c.request({ method: 'POST', path: '/nodes/pve1/qemu/100/agent/exec', params: { command: ['nope'] } }));
    // A server (or proxy) that echoes the credentials back: scrubbed from reason, message and errors.
    sim.faults.errorOn({ method: 'GET', path: '/version', status: 400, reason: `bad header PVEAPIToken=${sim.tokens.admin}`, times: 1 });
    await collect(c.request({ method: 'GET', path: '/version' }));
    sim.faults.errorOn({ method: 'GET', path: '/version', status: 500, reason: `login with ${sim.login.password} failed`, times: 1 });
    await collect(client({ credentials: passwordCreds() }).request({ method: 'GET', path: '/version' }));
    await collect(client({ credentials: passwordCreds('not-the-password-42') }).request({ method: 'GET', path: '/version' }));
    sim.faults.errorOn({ method: 'GET', path: '/cluster/status', status: 401, reason: 'invalid PVE ticket', times: 5 });
    await collect(client({ credentials: passwordCreds() }).request({ method: 'GET', path: '/cluster/status' }));
    await collect(client({ tls: {} }).request({ method: 'GET', path: '/version' }));
    await collect(client({ tls: { fingerprint: 'AA'.repeat(32) } }).request({ method: 'GET', path: '/version' }));
    await collect(
      client({ credentials: passwordCreds(), tls: { fingerprint: 'AA'.repeat(32) } }).request({ method: 'GET', path: '/version' }),
    );
    sim.faults.latencyMs = 500;
    await collect(c.request({ method: 'GET', path: '/version', timeoutMs: 50 }));
    await collect(c.request({ method: 'GET', path: '/version', signal: AbortSignal.timeout(20) }));
    sim.faults.latencyMs = 0;
    await collect(client({ url: 'https://127.0.0.1:1', getRetries: 0 }).request({ method: 'GET', path: '/version' }));

    expect(errors).toHaveLength(16);
    for (const e of errors) {
      expect(e instanceof ProxmoxHttpError || e instanceof ProxmoxNetworkError).toBe(true);
      const text = errorTexts(e);
      for (const secret of [token.secret, sim.login.password, 'deadbeef-0000-0000-0000-000000000000', 'not-the-password-42']) {
        expect(text).not.toContain(secret);
      }
    }
    const echoed = errors[6] as ProxmoxHttpError;
    expect(echoed.describe()).toBe('Proxmox answered 400 bad header PVEAPIToken=root@pam!mcp=***');
  });
});

import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { ProxmoxHttpError, ProxmoxNetworkError } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type Credentials =
  | { kind: 'token'; tokenId: string; secret: string }
  | { kind: 'password'; username: string; password: string; realm?: string; otp?: string };

/**
 * Trusts exactly one certificate, by SHA-256 fingerprint (PVE's own certificates are self-signed).
 * The socket is handed to the HTTP client only after the check, so no request byte (and no token)
 * reaches a server that fails it.
 */
class PinnedAgent extends https.Agent {
  constructor(
    options: https.AgentOptions,
    private readonly pin: string,
  ) {
    super(options);
  }

  override createConnection(options: unknown, callback?: (err: Error | null, socket: Duplex) => void): Duplex | undefined {
    const socket = tls.connect({ ...(options as tls.ConnectionOptions), rejectUnauthorized: false });
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      if (err) socket.destroy();
      callback?.(err, socket);
    };
    socket.once('secureConnect', () => {
      const seen = socket.getPeerCertificate().fingerprint256?.toUpperCase();
      finish(
        seen === this.pin
          ? null
          : Object.assign(new Error(`TLS certificate fingerprint ${seen} does not match PROXMOX_FINGERPRINT ${this.pin}`), {
              code: 'ERR_TLS_FINGERPRINT',
            }),
      );
    });
    socket.once('error', (e) => finish(e));
    return undefined;
  }
}

export interface TlsOptions {
  /** Skip certificate verification entirely (self-signed homelab certificates). */
  insecure?: boolean;
  /** PEM bundle to trust in addition to nothing else. */
  ca?: string | Buffer;
  /** Pin the server certificate: SHA-256 fingerprint, hex with or without colons, as the PVE GUI shows it. */
  fingerprint?: string;
}

export interface ClientOptions {
  /** `https://host:8006` (an `/api2/json` suffix is accepted and dropped). */
  url: string;
  credentials?: Credentials;
  tls?: TlsOptions;
  /** Per-request timeout, milliseconds. */
  timeoutMs?: number;
  /** Most requests in flight at once; more wait their turn. */
  maxConcurrent?: number;
  /** Retries for GET on connection errors and 502/503/504; writes are never retried. */
  getRetries?: number;
}

export interface ApiRequest {
  method: HttpMethod;
  /** Path below `/api2/json`, already encoded (build it with `apiPath` or `fillTemplate`). */
  path: string;
  /** Query (GET/DELETE) or form body (POST/PUT). Booleans go as 1/0, arrays as repeated keys. */
  params?: Record<string, unknown>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ApiResponse<T = unknown> {
  status: number;
  reason: string;
  data: T;
  /** The whole decoded body (PVE sometimes adds `total`, `message`, ... beside `data`). */
  body: Record<string, unknown>;
}

/** What tools and exec helpers use to talk to a cluster. */
export interface ProxmoxClient {
  readonly baseUrl: string;
  request<T = unknown>(req: ApiRequest): Promise<ApiResponse<T>>;
  /** A plain GET outside the API (e.g. `/pve-docs/api-viewer/apidoc.js`), unauthenticated, same TLS rules. */
  fetchText(path: string, opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<string>;
  close(): void;
}

const TICKET_RENEW_MS = 90 * 60 * 1000; // tickets live 2 h; renew with margin

export function normalizeBaseUrl(url: string): string {
  const u = new URL(url);
  let path = u.pathname.replace(/\/+$/, '');
  if (path.endsWith('/api2/json')) path = path.slice(0, -'/api2/json'.length);
  return `${u.protocol}//${u.host}${path}`;
}

/** `AB:CD:...` upper-case, the form the PVE GUI and `openssl x509 -fingerprint -sha256` print. */
export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/^sha256[:=]/i, '').replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) throw new Error('expected a SHA-256 fingerprint: 64 hex digits, colons allowed');
  return hex.match(/../g)!.join(':');
}

export function encodeParams(params: Record<string, unknown> | undefined): URLSearchParams {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null) continue;
      out.append(key, typeof item === 'boolean' ? (item ? '1' : '0') : typeof item === 'object' ? JSON.stringify(item) : String(item));
    }
  }
  return out;
}

export class HttpProxmoxClient implements ProxmoxClient {
  readonly baseUrl: string;
  private readonly agent: https.Agent;
  private readonly timeoutMs: number;
  private readonly getRetries: number;
  private ticket?: { cookie: string; csrf: string; at: number };
  private login?: Promise<void>;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly maxConcurrent: number;

  constructor(private readonly opts: ClientOptions) {
    this.baseUrl = normalizeBaseUrl(opts.url);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.getRetries = opts.getRetries ?? 2;
    this.maxConcurrent = opts.maxConcurrent ?? 8;
    const tls = opts.tls ?? {};
    const pinned = tls.fingerprint ? normalizeFingerprint(tls.fingerprint) : undefined;
    const agentOptions: https.AgentOptions = {
      keepAlive: true,
      maxSockets: this.maxConcurrent,
      ca: tls.ca,
      rejectUnauthorized: !tls.insecure,
    };
    this.agent = pinned ? new PinnedAgent(agentOptions, pinned) : new https.Agent(agentOptions);
  }

  async request<T = unknown>(req: ApiRequest): Promise<ApiResponse<T>> {
    const retries = req.method === 'GET' ? this.getRetries : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.withSlot(() => this.requestOnce<T>(req));
      } catch (err) {
        const retryable =
          (err instanceof ProxmoxNetworkError && err.code !== 'TIMEOUT' && err.code !== 'ABORTED' && err.code !== 'TLS') ||
          (err instanceof ProxmoxHttpError && [502, 503, 504].includes(err.status));
        if (!retryable || attempt >= retries || req.signal?.aborted) throw err;
        await sleep(200 * 2 ** attempt);
      }
    }
  }

  async fetchText(path: string, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<string> {
    const res = await this.send('GET', this.baseUrl + path, {}, undefined, opts.signal, opts.timeoutMs);
    if (res.status < 200 || res.status >= 300) {
      throw new ProxmoxHttpError(res.status, res.reason, undefined, 'GET', path);
    }
    return res.text;
  }

  close(): void {
    this.agent.destroy();
  }

  private async requestOnce<T>(req: ApiRequest): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    await this.authenticate(headers, req.method, req.signal);
    const params = encodeParams(req.params);
    let url = `${this.baseUrl}/api2/json${req.path}`;
    let body: string | undefined;
    if (req.method === 'GET' || req.method === 'DELETE') {
      const qs = params.toString();
      if (qs) url += (url.includes('?') ? '&' : '?') + qs;
    } else {
      body = params.toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    const res = await this.send(req.method, url, headers, body, req.signal, req.timeoutMs);
    let decoded: Record<string, unknown> = {};
    if (res.text) {
      try {
        decoded = JSON.parse(res.text) as Record<string, unknown>;
      } catch {
        decoded = { message: res.text.slice(0, 500) };
      }
    }
    if (res.status === 401 && this.opts.credentials?.kind === 'password' && this.ticket) {
      // The ticket expired under us (clock skew, server restart): log in again once.
      this.ticket = undefined;
      return this.requestOnce(req);
    }
    if (res.status < 200 || res.status >= 300) {
      throw new ProxmoxHttpError(res.status, res.reason, decoded as ProxmoxHttpError['body'], req.method, req.path);
    }
    return { status: res.status, reason: res.reason, data: decoded.data as T, body: decoded };
  }

  private async authenticate(headers: Record<string, string>, method: HttpMethod, signal?: AbortSignal): Promise<void> {
    const creds = this.opts.credentials;
    if (!creds) return;
    if (creds.kind === 'token') {
      headers.Authorization = `PVEAPIToken=${creds.tokenId}=${creds.secret}`;
      return;
    }
    if (!this.ticket || Date.now() - this.ticket.at > TICKET_RENEW_MS) {
      this.login ??= this.loginWithPassword(creds, signal).finally(() => (this.login = undefined));
      await this.login;
    }
    headers.Cookie = `PVEAuthCookie=${encodeURIComponent(this.ticket!.cookie)}`;
    if (method !== 'GET') headers.CSRFPreventionToken = this.ticket!.csrf;
  }

  private async loginWithPassword(creds: Extract<Credentials, { kind: 'password' }>, signal?: AbortSignal): Promise<void> {
    // Renewal posts the current ticket as the password, so a changed password does not break a live session.
    const renewing = this.ticket && Date.now() - this.ticket.at < 2 * 60 * 60 * 1000;
    const form = encodeParams({
      username: creds.username,
      password: renewing ? this.ticket!.cookie : creds.password,
      realm: creds.realm,
      otp: creds.otp,
    });
    const res = await this.send(
      'POST',
      `${this.baseUrl}/api2/json/access/ticket`,
      { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      form.toString(),
      signal,
    );
    if (res.status !== 200) {
      if (renewing) {
        this.ticket = undefined;
        return this.loginWithPassword(creds, signal);
      }
      throw new ProxmoxHttpError(
        res.status,
        res.reason,
        { message: `login as ${creds.username} failed: check PROXMOX_USERNAME and PROXMOX_PASSWORD` },
        'POST',
        '/access/ticket',
      );
    }
    const data = (JSON.parse(res.text) as { data?: { ticket?: string; CSRFPreventionToken?: string } }).data;
    if (!data?.ticket || !data.CSRFPreventionToken) {
      throw new ProxmoxNetworkError('login answer had no ticket', 'PROTOCOL', 'POST', '/access/ticket');
    }
    this.ticket = { cookie: data.ticket, csrf: data.CSRFPreventionToken, at: Date.now() };
  }

  private send(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal?: AbortSignal,
    timeoutMs = this.timeoutMs,
  ): Promise<{ status: number; reason: string; text: string }> {
    const path = new URL(url).pathname;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new ProxmoxNetworkError('request cancelled', 'ABORTED', method, path));
      const fail = (message: string, code: string | undefined) => reject(new ProxmoxNetworkError(message, code, method, path));
      const req = https.request(
        url,
        {
          method,
          agent: this.agent,
          headers: body === undefined ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body).toString() },
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => fail(e.message, 'RESET'));
          res.on('end', () => {
            cleanup();
            resolve({
              status: res.statusCode ?? 0,
              // PVE writes its reason phrase as UTF-8; Node reads status lines as Latin-1.
              reason: Buffer.from(res.statusMessage ?? '', 'latin1').toString('utf8'),
              text: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        fail(`no answer from ${new URL(url).host} within ${timeoutMs} ms (PROXMOX_TIMEOUT)`, 'TIMEOUT');
      }, timeoutMs);
      const onAbort = () => {
        req.destroy();
        fail('request cancelled', 'ABORTED');
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      req.on('error', (e: NodeJS.ErrnoException) => {
        cleanup();
        fail(describeNetworkError(e, url), isTlsError(e) ? 'TLS' : e.code);
      });
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxConcurrent) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

function isTlsError(e: NodeJS.ErrnoException): boolean {
  return /CERT|SELF_SIGNED|fingerprint|SSL|TLS/i.test(`${e.code ?? ''} ${e.message}`);
}

function describeNetworkError(e: NodeJS.ErrnoException, url: string): string {
  const host = new URL(url).host;
  if (isTlsError(e)) {
    return `TLS check of ${host} failed: ${e.message}. Set PROXMOX_FINGERPRINT to the certificate's SHA-256 fingerprint, PROXMOX_CA_FILE to its CA, or PROXMOX_INSECURE=true.`;
  }
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection to ${host} refused: is PROXMOX_URL right and pveproxy running?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${host}: check PROXMOX_URL`;
    case 'ECONNRESET':
      return `connection to ${host} was reset`;
    default:
      return `request to ${host} failed: ${e.message}`;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

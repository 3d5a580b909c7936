import type { IncomingMessage } from 'node:http';
import type * as HttpsModule from 'node:https';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type * as TlsModule from 'node:tls';
import { currentCaller } from './caller.js';
import { ProxmoxHttpError, ProxmoxNetworkError } from './errors.js';
import { productFacts, tokenHeader, type Product } from './products.js';
import { FairSlots } from './fair-slots.js';
import { scrubSecrets, secretForms } from './secret-forms.js';
import { wireValue } from './path.js';
import { normalizeBaseUrl, normalizeFingerprint } from './endpoint.js';
import { nestingDepth } from './nesting.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type Credentials =
  | { kind: 'token'; tokenId: string; secret: string }
  | { kind: 'password'; username: string; password: string; realm?: string; otp?: string };

// node:https and node:tls (with what they pull in) cost ~10 ms to load; a server that is only asked
// for its tool list never needs them, so they load with the first request.
const requireBuiltin = createRequire(import.meta.url);
let https: typeof HttpsModule;
let tls: typeof TlsModule;
let PinnedAgent: ReturnType<typeof definePinnedAgent>;

function loadTls(): void {
  https ??= requireBuiltin('node:https') as typeof HttpsModule;
  tls ??= requireBuiltin('node:tls') as typeof TlsModule;
  PinnedAgent ??= definePinnedAgent();
}

/** Node's reasons for refusing a certificate, in words. */
const UNTRUSTED_WHY: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'signed by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'signed by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT: 'signed by an unknown CA',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'issued for another host name',
};

function definePinnedAgent() {
  /**
   * Checks the certificate itself, so that a refusal can say which certificate it saw: with a pin it
   * trusts exactly that certificate by SHA-256 fingerprint (PVE's own certificates are self-signed);
   * without one, what Node's usual checks accept (CA chain and host name). The socket is handed to the
   * HTTP client only after the check, so no request byte (and no token) reaches a server that fails it.
   */
  return class PinnedAgent extends https.Agent {
    constructor(
      options: HttpsModule.AgentOptions,
      private readonly pin: string | undefined,
      /** A request that times out before its socket is handed over cannot destroy it; this bounds the handshake. */
      private readonly handshakeTimeoutMs: number,
    ) {
      super(options);
    }

    override createConnection(options: unknown, callback?: (err: Error | null, socket: Duplex) => void): Duplex | undefined {
      const socket = tls.connect({ ...(options as TlsModule.ConnectionOptions), rejectUnauthorized: false });
      let done = false;
      const finish = (err: Error | null) => {
        if (done) return;
        done = true;
        socket.setTimeout(0);
        if (err) socket.destroy();
        callback?.(err, socket);
      };
      socket.setTimeout(this.handshakeTimeoutMs, () =>
        finish(Object.assign(new Error(`TLS handshake not finished within ${this.handshakeTimeoutMs} ms`), { code: 'ETIMEDOUT' })),
      );
      socket.once('secureConnect', () => {
        const seen = socket.getPeerCertificate().fingerprint256?.toUpperCase();
        if (this.pin) {
          finish(
            seen === this.pin
              ? null
              : Object.assign(
                  new Error(`the node served a certificate with SHA-256 fingerprint ${seen}, not the PROXMOX_FINGERPRINT ${this.pin}`),
                  {
                    code: 'ERR_TLS_FINGERPRINT',
                    fingerprint: seen,
                  },
                ),
          );
        } else if (socket.authorized) {
          finish(null);
        } else {
          const code = String(socket.authorizationError ?? '');
          const why = UNTRUSTED_WHY[code] ? `${UNTRUSTED_WHY[code]}, ${code}` : code || 'untrusted';
          finish(
            Object.assign(new Error(`the node served a certificate that is not trusted (${why}) with SHA-256 fingerprint ${seen}`), {
              code: 'ERR_TLS_UNTRUSTED',
              fingerprint: seen,
            }),
          );
        }
      });
      socket.once('error', (e) => finish(e));
      return undefined;
    }
  };
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
  /** Which Proxmox product answers there: it decides how tokens and tickets are sent. Default PVE. */
  product?: Product;
  credentials?: Credentials;
  tls?: TlsOptions;
  /** Per-request timeout, milliseconds. */
  timeoutMs?: number;
  /** Most requests in flight at once; more wait their turn. */
  maxConcurrent?: number;
  /** Retries for GET on connection errors and 502/503/504; writes are never retried. */
  getRetries?: number;
  /** First pause before a GET retry, doubled each time; default 200 ms. */
  retryDelayMs?: number;
  /** Clock for ticket renewal (tests move it forward instead of waiting); default `Date.now`. */
  now?: () => number;
  /** Renew a login ticket once it is this old; default 90 minutes (tickets live 2 hours). */
  ticketRenewMs?: number;
  /** Largest answer read, in bytes (PROXMOX_MAX_RESPONSE_BYTES); a larger one is cut off with an error. Default 64 MiB. */
  maxResponseBytes?: number;
  /** Longest wait for a free request slot before a call is refused as "cluster busy"; default the request timeout. */
  queueWaitMs?: number;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Deeper answers cannot be rendered (JSON.stringify recurses); PVE's own answers nest a handful of levels. */
export const MAX_ANSWER_DEPTH = 64;

export interface ApiRequest {
  method: HttpMethod;
  /** Path below `/api2/json`, already encoded (build it with `apiPath` or `fillTemplate`). */
  path: string;
  /** Query (GET/DELETE) or form body (POST/PUT). Booleans go as 1/0, arrays as repeated keys. */
  params?: Record<string, unknown>;
  signal?: AbortSignal;
  timeoutMs?: number;
  /**
   * A PBS/PDM streaming DOWNLOAD: a 2xx answer that is not the JSON envelope is a file, reported in `file`
   * (its type and size, never its content) instead of being refused as a protocol error.
   */
  mayBeFile?: boolean;
}

export interface ApiResponse<T = unknown> {
  status: number;
  reason: string;
  data: T;
  /** The whole decoded body (PVE sometimes adds `total`, `message`, ... beside `data`). */
  body: Record<string, unknown>;
  /** Set when a `mayBeFile` request was answered with a file. */
  file?: { contentType?: string; bytes: number };
}

/** What tools and exec helpers use to talk to a cluster. */
export interface ProxmoxClient {
  readonly baseUrl: string;
  request<T = unknown>(req: ApiRequest): Promise<ApiResponse<T>>;
  /** A plain GET outside the API (e.g. `/pve-docs/api-viewer/apidoc.js`), unauthenticated, same TLS rules. */
  fetchText(path: string, opts?: { signal?: AbortSignal; timeoutMs?: number; maxBytes?: number }): Promise<string>;
  close(): void;
}

const TICKET_RENEW_MS = 90 * 60 * 1000; // tickets live 2 h; renew with margin
const TICKET_LIFETIME_MS = 2 * 60 * 60 * 1000;

export function encodeParams(params: Record<string, unknown> | undefined): URLSearchParams {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined || item === null) continue;
      out.append(key, wireValue(item));
    }
  }
  return out;
}

export class HttpProxmoxClient implements ProxmoxClient {
  readonly baseUrl: string;
  private agentMemo?: HttpsModule.Agent;
  private readonly timeoutMs: number;
  private readonly getRetries: number;
  private readonly retryDelayMs: number;
  private readonly now: () => number;
  private readonly ticketRenewMs: number;
  private ticket?: { cookie: string; csrf: string; at: number };
  private login?: Promise<void>;
  private readonly maxConcurrent: number;
  private readonly slots: FairSlots;
  private readonly maxResponseBytes: number;

  constructor(private readonly opts: ClientOptions) {
    this.baseUrl = normalizeBaseUrl(opts.url);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.getRetries = opts.getRetries ?? 2;
    this.maxConcurrent = Math.max(1, opts.maxConcurrent ?? 8);
    this.retryDelayMs = opts.retryDelayMs ?? 200;
    this.now = opts.now ?? Date.now;
    this.ticketRenewMs = opts.ticketRenewMs ?? TICKET_RENEW_MS;
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.slots = new FairSlots(this.maxConcurrent, opts.queueWaitMs ?? this.timeoutMs);
  }

  /** Made on first use, with the TLS rules of the options. */
  private get agent(): HttpsModule.Agent {
    if (!this.agentMemo) {
      loadTls();
      const options = this.opts.tls ?? {};
      const pinned = options.fingerprint ? normalizeFingerprint(options.fingerprint) : undefined;
      const agentOptions: HttpsModule.AgentOptions = {
        keepAlive: true,
        maxSockets: this.maxConcurrent,
        ca: options.ca,
        rejectUnauthorized: !options.insecure,
      };
      this.agentMemo = options.insecure && !pinned ? new https.Agent(agentOptions) : new PinnedAgent(agentOptions, pinned, this.timeoutMs);
    }
    return this.agentMemo;
  }

  async request<T = unknown>(req: ApiRequest): Promise<ApiResponse<T>> {
    const retries = req.method === 'GET' ? this.getRetries : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.withSlot(req, () => this.requestOnce<T>(req));
      } catch (err) {
        const retryable =
          (err instanceof ProxmoxNetworkError &&
            err.code !== 'TIMEOUT' &&
            err.code !== 'ABORTED' &&
            err.code !== 'TLS' &&
            err.code !== 'PROTOCOL') ||
          (err instanceof ProxmoxHttpError && [502, 503, 504].includes(err.status));
        if (!retryable || attempt >= retries || req.signal?.aborted) throw err;
        await abortable(sleep(this.retryDelayMs * 2 ** attempt), req.signal, req.method, req.path);
      }
    }
  }

  async fetchText(path: string, opts: { signal?: AbortSignal; timeoutMs?: number; maxBytes?: number } = {}): Promise<string> {
    const res = await this.send('GET', this.baseUrl + path, {}, undefined, opts.signal, opts.timeoutMs, opts.maxBytes);
    if (res.status < 200 || res.status >= 300) {
      throw this.httpError(res.status, res.reason, undefined, 'GET', path);
    }
    return res.text;
  }

  close(): void {
    this.agentMemo?.destroy();
  }

  private async requestOnce<T>(req: ApiRequest, relogged = false): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    await this.authenticate(headers, req.method, req.path, req.signal);
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
    const creds = this.opts.credentials;
    if (res.status === 401 && creds?.kind === 'password' && !relogged) {
      // The ticket expired under us (clock skew, server restart): log in again, once. A 401 means
      // the request was not carried out, so repeating a write here is safe.
      this.ticket = undefined;
      return this.requestOnce(req, true);
    }
    const ok = res.status >= 200 && res.status < 300;
    let decoded: Record<string, unknown> = {};
    let envelope = false;
    if (res.text) {
      let parsed: unknown;
      let isJson = true;
      try {
        parsed = JSON.parse(res.text);
      } catch {
        isJson = false;
      }
      if (isJson) {
        const depth = nestingDepth(parsed, MAX_ANSWER_DEPTH);
        if (depth > MAX_ANSWER_DEPTH) {
          throw new ProxmoxNetworkError(
            `the answer to ${req.method} ${req.path} nests deeper than ${MAX_ANSWER_DEPTH} levels; Proxmox answers never do, so it was not read`,
            'PROTOCOL',
            req.method,
            req.path,
          );
        }
        envelope = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && Object.hasOwn(parsed, 'data');
        decoded =
          parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { data: parsed };
      } else {
        decoded = { message: this.scrub(res.text.slice(0, 500)) };
      }
    }
    if (!ok) {
      let hint: string | undefined;
      if (res.status === 401 && creds?.kind === 'token') {
        hint = `API token ${creds.tokenId} was refused (wrong secret, expired, or deleted; check PROXMOX_API_TOKEN)`;
      } else if (res.status === 401 && creds?.kind === 'password') {
        hint = `the session of ${creds.username} was refused even after a fresh login (check PROXMOX_USERNAME and PROXMOX_PASSWORD)`;
      }
      throw this.httpError(res.status, res.reason, decoded as ProxmoxHttpError['body'], req.method, req.path, hint);
    }
    if (!envelope && req.mayBeFile) {
      return {
        status: res.status,
        reason: this.scrub(res.reason),
        data: undefined as T,
        body: {},
        file: { contentType: res.contentType, bytes: Buffer.byteLength(res.text) },
      };
    }
    if (!envelope) {
      // Only PVE's {"data": ...} is an answer: a proxy's login page or an empty 200 carried out nothing we know of.
      throw new ProxmoxNetworkError(
        `${req.method} ${req.path} got HTTP ${res.status} but not Proxmox's JSON answer: ${describeBody(this.scrub(res.text), res.contentType)}. Is PROXMOX_URL the Proxmox node itself, not a proxy or login page?`,
        'PROTOCOL',
        req.method,
        req.path,
      );
    }
    const clean = this.scrubDeep(decoded) as Record<string, unknown>;
    return { status: res.status, reason: this.scrub(res.reason), data: clean.data as T, body: clean };
  }

  private async authenticate(headers: Record<string, string>, method: HttpMethod, path: string, signal?: AbortSignal): Promise<void> {
    const creds = this.opts.credentials;
    if (!creds) return;
    if (creds.kind === 'token') {
      headers.Authorization = tokenHeader(this.opts.product ?? 'pve', creds.tokenId, creds.secret);
      return;
    }
    if (!this.ticket || this.now() - this.ticket.at > this.ticketRenewMs) {
      // One login shared by every request that needs it; it runs without any one caller's signal
      // (cancelling one request must not fail the others), each caller stops waiting on its own.
      this.login ??= this.loginWithPassword(creds).finally(() => (this.login = undefined));
      await abortable(this.login, signal, method, path);
    }
    headers.Cookie = `${productFacts(this.opts.product).ticketCookie}=${encodeURIComponent(this.ticket!.cookie)}`;
    if (method !== 'GET') headers.CSRFPreventionToken = this.ticket!.csrf;
  }

  private async loginWithPassword(creds: Extract<Credentials, { kind: 'password' }>, signal?: AbortSignal): Promise<void> {
    // Renewal posts the current ticket as the password, so a changed password does not break a live session.
    const renewing = this.ticket !== undefined && this.now() - this.ticket.at < TICKET_LIFETIME_MS;
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
      let body: ProxmoxHttpError['body'];
      try {
        body = JSON.parse(res.text) as ProxmoxHttpError['body'];
      } catch {
        body = undefined;
      }
      const hint =
        res.status === 401
          ? `login as ${creds.username} was refused (wrong password, disabled user, or a second factor needed; check PROXMOX_USERNAME and PROXMOX_PASSWORD)`
          : `login as ${creds.username} failed`;
      throw this.httpError(res.status, res.reason, body, 'POST', '/access/ticket', hint);
    }
    let data: { ticket?: string; CSRFPreventionToken?: string } | undefined;
    try {
      data = (JSON.parse(res.text) as { data?: { ticket?: string; CSRFPreventionToken?: string } } | null)?.data;
    } catch {
      data = undefined;
    }
    if (!data?.ticket || !data.CSRFPreventionToken) {
      throw new ProxmoxNetworkError(
        `login as ${creds.username}: the answer had no ticket (is PROXMOX_URL a ${productFacts(this.opts.product).name} host?)`,
        'PROTOCOL',
        'POST',
        '/access/ticket',
      );
    }
    this.ticket = { cookie: data.ticket, csrf: data.CSRFPreventionToken, at: this.now() };
  }

  private send(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal?: AbortSignal,
    timeoutMs = this.timeoutMs,
    maxBytes = this.maxResponseBytes,
  ): Promise<{ status: number; reason: string; text: string; contentType: string }> {
    loadTls();
    const path = new URL(url).pathname;
    const host = new URL(url).host;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new ProxmoxNetworkError('request cancelled', 'ABORTED', method, path));
      let timer: NodeJS.Timeout | undefined;
      let req: ReturnType<typeof HttpsModule.request> | undefined;
      const onAbort = () => {
        req?.destroy();
        fail('request cancelled', 'ABORTED');
      };
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (message: string, code: string | undefined) => {
        cleanup();
        reject(new ProxmoxNetworkError(this.scrub(message), code, method, path));
      };
      try {
        req = https.request(
          url,
          {
            method,
            agent: this.agent,
            headers: body === undefined ? headers : { ...headers, 'Content-Length': Buffer.byteLength(body).toString() },
          },
          (res: IncomingMessage) => {
            const chunks: Buffer[] = [];
            let size = 0;
            const tooLarge = (what: string) => {
              res.destroy();
              sent.destroy();
              fail(
                `the answer from ${host} to ${method} ${path} is ${what}, over the ${formatBytes(maxBytes)} limit (PROXMOX_MAX_RESPONSE_BYTES); ask for less (filters, a narrower path) or raise the limit`,
                'TOO_LARGE',
              );
            };
            const declared = Number(res.headers['content-length']);
            if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(`${formatBytes(declared)}`);
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > maxBytes) return tooLarge(`larger than that (${formatBytes(size)} read so far)`);
              chunks.push(c);
            });
            res.on('error', (e) => fail(`connection to ${host} broke during the answer: ${e.message}`, 'RESET'));
            res.on('close', () => {
              if (!res.complete) fail(`connection to ${host} closed before the answer was complete`, 'RESET');
            });
            res.on('end', () => {
              cleanup();
              resolve({
                status: res.statusCode ?? 0,
                // PVE writes its reason phrase as UTF-8; Node reads status lines as Latin-1.
                reason: Buffer.from(res.statusMessage ?? '', 'latin1').toString('utf8'),
                text: Buffer.concat(chunks).toString('utf8'),
                contentType: String(res.headers['content-type'] ?? ''),
              });
            });
          },
        );
      } catch (e) {
        // Synchronous refusals, e.g. a header value with characters HTTP cannot carry (Node names the header, not the value).
        return fail(`request to ${host} could not be sent: ${(e as Error).message}`, (e as NodeJS.ErrnoException).code);
      }
      const sent = req;
      timer = setTimeout(() => {
        sent.destroy();
        fail(`no answer from ${host} within ${timeoutMs} ms (PROXMOX_TIMEOUT)`, 'TIMEOUT');
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      sent.on('error', (e: NodeJS.ErrnoException) => fail(describeNetworkError(e, url), isTlsError(e) ? 'TLS' : e.code));
      if (body !== undefined) sent.write(body);
      sent.end();
    });
  }

  /** Runs `fn` once a request slot is free, taking turns between callers; a cancelled request leaves the queue at once. */
  private async withSlot<T>(req: ApiRequest, fn: () => Promise<T>): Promise<T> {
    const release = await this.slots.acquire(currentCaller(), { method: req.method, path: req.path, signal: req.signal });
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private formsFor?: { key: string; forms: string[] };

  /** Every wire form of every credential this client holds (recomputed when the ticket changes). */
  private secretForms(): string[] {
    const creds = this.opts.credentials;
    const secrets = [
      creds?.kind === 'token' ? creds.secret : undefined,
      creds?.kind === 'password' ? creds.password : undefined,
      creds?.kind === 'password' ? creds.otp : undefined,
      this.ticket?.cookie,
      this.ticket?.csrf,
    ].filter((s): s is string => typeof s === 'string');
    const key = secrets.join('\0');
    if (this.formsFor?.key !== key) this.formsFor = { key, forms: [...new Set(secrets.flatMap((s) => secretForms(s)))] };
    return this.formsFor.forms;
  }

  /** Never let a credential reach an error message or an answer, whatever the server (or a proxy in front of it) echoes back. */
  private scrub(text: string): string {
    return scrubSecrets(text, this.secretForms());
  }

  /** Keys and values of a decoded answer, scrubbed; depth is already bounded by MAX_ANSWER_DEPTH. */
  private scrubDeep(value: unknown): unknown {
    const forms = this.secretForms();
    if (forms.length === 0) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return v.length >= 4 ? scrubSecrets(v, forms) : v;
      if (v === null || typeof v !== 'object') return v;
      if (Array.isArray(v)) return v.map(walk);
      // fromEntries defines own properties, so a `__proto__` key stays data and never becomes a prototype.
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.length >= 4 ? scrubSecrets(k, forms) : k, walk(x)]));
    };
    return walk(value);
  }

  private httpError(
    status: number,
    reason: string,
    body: ProxmoxHttpError['body'],
    method: string,
    path: string,
    hint?: string,
  ): ProxmoxHttpError {
    let clean: ProxmoxHttpError['body'];
    if (body && typeof body === 'object') {
      clean = { ...body };
      if (typeof body.message === 'string') clean.message = this.scrub(body.message);
      if (body.errors && typeof body.errors === 'object') {
        clean.errors = Object.fromEntries(
          Object.entries(body.errors).map(([k, v]) => [
            this.scrub(k),
            this.scrub(typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))),
          ]),
        );
      }
      if (body.data !== undefined) clean.data = this.scrubDeep(body.data);
    }
    return new ProxmoxHttpError(status, this.scrub(reason), clean, method, this.scrub(path), hint);
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / 1024 ** 3).toFixed(1).replace(/\.0$/, '')} GiB`;
  if (n >= 1024 * 1024) return `${(n / 1024 ** 2).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${n} bytes`;
}

/** What came back instead of an answer, for the error: type, size and the start, control characters escaped. */
function describeBody(text: string, contentType: string): string {
  if (!text) return 'an empty body';
  const start = text
    .slice(0, 160)
    .replace(/\s+/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${contentType || 'no content type'}, ${formatBytes(Buffer.byteLength(text))} starting ${JSON.stringify(start)}`;
}

function isTlsError(e: NodeJS.ErrnoException): boolean {
  return /CERT|SELF_SIGNED|fingerprint|SSL|TLS/i.test(`${e.code ?? ''} ${e.message}`);
}

function describeNetworkError(e: NodeJS.ErrnoException, url: string): string {
  const { host, origin } = new URL(url);
  const check = `Check it on the node (\`proxmox-mcp fingerprint ${origin}\` prints what it serves; the GUI shows it under Node > System > Certificates)`;
  if (e.code === 'ERR_TLS_FINGERPRINT') {
    return `TLS check of ${host} failed: ${e.message}. Nothing was sent. ${check}: if the certificate was renewed, set PROXMOX_FINGERPRINT to the new fingerprint; otherwise something else is answering at PROXMOX_URL.`;
  }
  if (e.code === 'ERR_TLS_UNTRUSTED') {
    return `TLS check of ${host} failed: ${e.message}. Nothing was sent. ${check}, then set PROXMOX_FINGERPRINT to it, or PROXMOX_CA_FILE to the CA that signed it (PROXMOX_INSECURE=true turns the check off: for throw-away labs only).`;
  }
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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for `p` unless `signal` fires first (then rejects with ABORTED; `p` keeps running for others). */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, method: string, path: string): Promise<T> {
  if (!signal) return p;
  const cancelled = () => new ProxmoxNetworkError('request cancelled', 'ABORTED', method, path);
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

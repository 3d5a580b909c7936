import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Catalog, buildParam, type ParamSpec } from '../../schema/catalog.js';
import type { ApidocNode } from '../../schema/apidoc.js';
import { validateParams } from '../../schema/validate.js';
import type { Ctx, Params, PbsOperation, Who } from './api.js';
import { PbsError, type PbsState } from './state.js';
import type { PbsTaskManager } from './tasks.js';

const JSON_TYPE = 'application/json;charset=UTF-8';
const TICKET_LIFETIME_S = 2 * 60 * 60;
const BODY_LIMIT = 1024 * 1024;

/** The operations as an apidoc tree, the way a PBS host serves it: one `/` root, PBS's dialect. */
export function apidocTree(ops: PbsOperation[]): ApidocNode[] {
  const nodes = new Map<string, ApidocNode>();
  const node = (path: string): ApidocNode => {
    let n = nodes.get(path);
    if (n) return n;
    const segs = path.split('/').filter(Boolean);
    n = { path, text: segs.at(-1) ?? '', leaf: 1, children: [], info: {} };
    nodes.set(path, n);
    if (path !== '/') {
      const parent = node(segs.length > 1 ? `/${segs.slice(0, -1).join('/')}` : '/');
      parent.leaf = 0;
      parent.children!.push(n);
    }
    return n;
  };
  node('/');
  for (const op of ops) {
    node(op.path).info![op.method] = {
      description: op.description,
      method: op.streaming ?? op.method,
      parameters: { additionalProperties: false, properties: op.params as Record<string, Record<string, unknown>> },
      permissions: op.permissions,
      returns: op.returns,
      unstable: false,
    };
  }
  const sort = (n: ApidocNode) => {
    n.children!.sort((a, b) => a.path.localeCompare(b.path));
    n.children!.forEach(sort);
  };
  const root = nodes.get('/')!;
  sort(root);
  return [root];
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * PBS's HTTP behaviour: `{"data": ...}` on success (plus `total` where it counts), and on failure the
 * status with the bare message as the body, no JSON envelope. Tokens come as
 * `PBSAPIToken=user@realm!name:secret`, tickets in the `PBSAuthCookie` cookie with a CSRF header on writes.
 */
export class PbsApiServer {
  private readonly catalog: Catalog;
  private readonly byKey = new Map<string, PbsOperation>();
  /** Path parameters checked like the others (the catalog keeps them apart). */
  private readonly pathSpecs = new Map<string, ParamSpec[]>();
  private readonly key = randomBytes(32);
  readonly apidocJs: string;
  readonly tokenSecrets = new Map<string, string>([
    ['root@pam!mcp', randomUUID()],
    ['auditor@pbs!ro', randomUUID()],
  ]);
  readonly passwords = new Map<string, string>([['root@pam', randomBytes(12).toString('base64url')]]);

  constructor(
    private readonly state: PbsState,
    private readonly tasks: PbsTaskManager,
    ops: PbsOperation[],
  ) {
    const tree = apidocTree(ops);
    this.catalog = Catalog.fromApidoc(tree, { product: 'pbs' });
    for (const op of ops) {
      const key = `${op.method} ${op.path}`;
      this.byKey.set(key, op);
      const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      this.pathSpecs.set(
        key,
        names.map((n) => buildParam(n, op.params[n] ?? { type: 'string' }, true)),
      );
    }
    this.apidocJs = `// Proxmox Backup Server API viewer (simulated)\nvar apiSchema = ${JSON.stringify(tree)};\n`;
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.process(req, res).catch((err: unknown) => {
      if (res.headersSent) return;
      if (err instanceof PbsError) sendText(res, err.status, err.message);
      else sendText(res, 500, err instanceof Error ? err.message : String(err));
    });
  };

  private async process(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'https://sim.invalid');
    if (url.pathname === '/docs/api-viewer/apidoc.js' && method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'application/javascript; charset=utf-8', 'Content-Length': Buffer.byteLength(this.apidocJs) });
      res.end(this.apidocJs);
      return;
    }
    if (!url.pathname.startsWith('/api2/json/')) throw new PbsError(404, `Path '${url.pathname}' not found.`);
    const body = await readBody(req);
    let rel: string;
    try {
      rel = '/' + url.pathname.slice('/api2/json/'.length).split('/').filter(Boolean).map(decodeURIComponent).join('/');
    } catch {
      throw new PbsError(400, 'invalid percent-encoding in path');
    }
    if (rel === '/access/ticket' && method === 'POST') return this.login(res, new URLSearchParams(body));

    const matched = this.catalog.match(url.pathname.slice('/api2/json'.length) || '/');
    const op = matched && this.byKey.get(`${method} ${matched.template}`);
    const spec = matched && this.catalog.get(method as 'GET', matched.template);
    if (!matched || !op || !spec) {
      if (matched) throw new PbsError(405, `Method '${method}' not allowed on '${rel}'.`);
      throw new PbsError(404, `Path '${url.pathname}' not found.`);
    }
    const who =
      (op.permissions as { user?: string }).user === 'world' ? { authid: 'anonymous', canModify: false } : this.authenticate(req, method);

    const input: Record<string, unknown> = {};
    const add = (k: string, v: string) => {
      const prev = input[k];
      input[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    };
    url.searchParams.forEach((v, k) => add(k, v));
    if (body) {
      const type = String(req.headers['content-type'] ?? '');
      if (type.includes('application/json')) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          throw new PbsError(400, 'unable to parse json body');
        }
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new PbsError(400, 'expected a JSON object');
        for (const [k, v] of Object.entries(parsed)) if (v !== null && v !== undefined) add(k, String(v));
      } else new URLSearchParams(body).forEach((v, k) => add(k, v));
    }
    for (const name of spec.pathParams) {
      if (name in input)
        throw new PbsError(400, `parameter verification errors\n\nparameter '${name}': duplicate parameter (path and body)`);
    }
    const checked = validateParams(spec, input);
    const pathChecked = validateParams(
      { ...spec, params: this.pathSpecs.get(`${method} ${matched.template}`) ?? [], pathParams: [], additionalParams: false },
      matched.pathParams,
    );
    const errors = [...checked.errors, ...pathChecked.errors];
    if (errors.length) throw new PbsError(400, `parameter verification errors\n\n${errors.map((e) => `parameter ${e}`).join('\n')}`);
    const params: Params = { ...checked.params, ...pathChecked.params };
    const node = params.node;
    if (typeof node === 'string' && node !== 'localhost' && node !== this.state.hostname) throw new PbsError(400, `no such node '${node}'`);

    const ctx: Ctx = { state: this.state, tasks: this.tasks, params, who };
    const result = op.handler(ctx);
    if (result && typeof result === 'object' && 'file' in result) {
      const text = String((result as { file: string }).file);
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (result && typeof result === 'object' && 'envelope' in result && 'data' in result) {
      const r = result as { envelope: Record<string, unknown>; data: unknown };
      sendJson(res, { ...r.envelope, data: r.data });
      return;
    }
    sendJson(res, { data: result === undefined ? null : result });
  }

  private login(res: ServerResponse, form: URLSearchParams): void {
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    const expected = this.passwords.get(username);
    const byTicket = password.startsWith('PBS:') && this.verifyTicket(password) === username;
    if (!byTicket && (!expected || !safeEqual(expected, password))) throw new PbsError(401, 'authentication failed - invalid credentials');
    const t = Math.floor(Date.now() / 1000)
      .toString(16)
      .toUpperCase();
    const plain = `PBS:${username}:${t}`;
    const ticket = `${plain}::${this.sign(plain)}`;
    sendJson(res, { data: { username, ticket, CSRFPreventionToken: `${t}:${this.sign(`csrf:${username}:${t}`)}` } });
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64').replace(/=+$/, '');
  }

  private verifyTicket(ticket: string): string | undefined {
    const m = /^PBS:([^:]+):([0-9A-F]{8})::(\S+)$/.exec(ticket);
    if (!m || !safeEqual(this.sign(`PBS:${m[1]}:${m[2]}`), m[3])) return undefined;
    const age = Math.floor(Date.now() / 1000) - parseInt(m[2], 16);
    return age >= -300 && age < TICKET_LIFETIME_S ? m[1] : undefined;
  }

  private authenticate(req: IncomingMessage, method: string): Who {
    const header = req.headers.authorization;
    if (header) {
      const m = /^PBSAPIToken=([^!\s]+)!([^:\s]+):(\S+)$/.exec(header.trim());
      if (!m) throw new PbsError(401, 'authentication failed - invalid API token');
      const id = `${m[1]}!${m[2]}`;
      const secret = this.tokenSecrets.get(id);
      if (!secret || !safeEqual(secret, m[3])) throw new PbsError(401, 'authentication failed - invalid API token');
      return { authid: id, canModify: m[1] === 'root@pam' };
    }
    const cookie = /(?:^|;\s*)PBSAuthCookie=([^;]+)/.exec(String(req.headers.cookie ?? ''))?.[1];
    if (!cookie) throw new PbsError(401, 'authentication failed - no authentication credentials provided.');
    let ticket: string;
    try {
      ticket = decodeURIComponent(cookie);
    } catch {
      throw new PbsError(401, 'authentication failed - invalid ticket');
    }
    const userid = this.verifyTicket(ticket);
    if (!userid) throw new PbsError(401, 'authentication failed - invalid ticket');
    if (method !== 'GET') {
      const csrf = String(req.headers.csrfpreventiontoken ?? '');
      const t = csrf.split(':')[0];
      if (!/^[0-9A-F]{8}$/.test(t) || !safeEqual(csrf, `${t}:${this.sign(`csrf:${userid}:${t}`)}`))
        throw new PbsError(401, 'authentication failed - invalid csrf token');
    }
    return { authid: userid, canModify: userid === 'root@pam' };
  }
}

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(message) });
  res.end(message);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        reject(new PbsError(413, 'request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

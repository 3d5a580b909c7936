import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkPermissions, type Identity } from './access.js';
import type { AuthService } from './auth.js';
import type { RequestContext, SimCore } from './context.js';
import type { Upload } from './context.js';
import { PveError } from './errors.js';
import { validateParams, type WireParams } from './params.js';
import { renderApidocJs, type Operation } from './schema.js';

interface CompiledRoute {
  op: Operation;
  segments: string[];
}

/** Matches decoded path segments against the declared templates; literal segments win over `{params}`. */
export class Router {
  private readonly routes: CompiledRoute[];

  constructor(ops: Operation[]) {
    this.routes = ops.map((op) => ({ op, segments: op.path.split('/').filter(Boolean) }));
  }

  match(method: string, segments: string[]): { op: Operation; pathParams: Record<string, string> } | 'path-only' | undefined {
    let best: { route: CompiledRoute; score: number; params: Record<string, string> } | undefined;
    let pathMatched = false;
    for (const route of this.routes) {
      if (route.segments.length !== segments.length) continue;
      let score = 0;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length; i++) {
        const tpl = route.segments[i];
        if (tpl.startsWith('{')) params[tpl.slice(1, -1)] = segments[i];
        else if (tpl === segments[i]) score++;
        else {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      pathMatched = true;
      if (route.op.method !== method) continue;
      if (!best || score > best.score) best = { route, score, params };
    }
    if (best) return { op: best.route.op, pathParams: best.params };
    return pathMatched ? 'path-only' : undefined;
  }
}

const JSON_TYPE = 'application/json;charset=UTF-8';

/** Node refuses reason phrases outside Latin-1; PVE sends UTF-8 bytes there, so do the same. */
function reasonPhrase(message: string): string {
  const first = message.split('\n')[0].trim() || 'Error';
  return Buffer.from(first, 'utf8')
    .toString('latin1')
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, ' ');
}

function send(res: ServerResponse, status: number, reason: string, body: unknown, type = JSON_TYPE): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, reasonPhrase(reason), {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'max-age=0',
    Pragma: 'no-cache',
    Server: 'pve-api-daemon/3.0',
  });
  // A Buffer body makes Node write the header block as latin1, so the UTF-8 bytes above go out unchanged.
  res.end(Buffer.from(text));
}

function sendError(res: ServerResponse, err: PveError): void {
  const message = err.message.endsWith('\n') ? err.message : `${err.message}\n`;
  const body: Record<string, unknown> = { data: null, message };
  if (err.errors) body.errors = err.errors;
  send(res, err.status, err.message, body);
}

function readBody(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new PveError(413, 'Request Entity Too Large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function addParam(out: Record<string, string | string[]>, key: string, value: string): void {
  const prev = out[key];
  if (prev === undefined) out[key] = value;
  else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
}

/**
 * `multipart/form-data` as pveproxy takes uploads: plain fields become parameters; a file field
 * becomes the parameter of its name with the uploaded file's name as value (pveproxy spools the
 * data to /var/tmp and passes the file name on).
 */
export function parseMultipart(body: Buffer, contentType: string, out: Record<string, string | string[]>): Upload | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!m) throw new PveError(400, 'multipart/form-data without boundary');
  const delim = Buffer.from(`--${m[1] ?? m[2]}`);
  let upload: Upload | undefined;
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', start);
    if (headerEnd < 0) break;
    const next = body.indexOf(delim, headerEnd + 4);
    if (next < 0) break;
    const headers = body.subarray(start, headerEnd).toString('utf8');
    let data = body.subarray(headerEnd + 4, next);
    if (data.length >= 2 && data[data.length - 2] === 13 && data[data.length - 1] === 10) data = data.subarray(0, data.length - 2);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    if (name !== undefined) {
      if (filename !== undefined) {
        upload = { field: name, filename, data: Buffer.from(data) };
        addParam(out, name, filename);
      } else addParam(out, name, data.toString('utf8'));
    }
    pos = next;
  }
  return upload;
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      try {
        out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
      }
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ApiServer {
  private readonly router: Router;
  private apidocJs?: string;

  constructor(
    private readonly sim: SimCore,
    private readonly auth: AuthService,
    private readonly ops: Operation[],
  ) {
    this.router = new Router(ops);
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.process(req, res).catch((err: unknown) => {
      if (res.headersSent) return;
      if (err instanceof PveError) sendError(res, err);
      else sendError(res, new PveError(500, err instanceof Error ? err.message : String(err)));
    });
  };

  private async process(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'https://sim.invalid');
    if (url.pathname === '/pve-docs/api-viewer/apidoc.js' && method === 'GET') {
      this.apidocJs ??= renderApidocJs(this.ops);
      send(res, 200, 'OK', this.apidocJs, 'application/javascript; charset=utf-8');
      return;
    }
    const prefix = '/api2/json';
    if (!url.pathname.startsWith(`${prefix}/`) && url.pathname !== prefix) {
      send(res, 404, 'Not found', '', 'text/plain');
      return;
    }
    const body = method === 'POST' || method === 'PUT' || method === 'DELETE' ? await readBody(req) : Buffer.alloc(0);
    if (this.sim.faults.latencyMs > 0) await sleep(this.sim.faults.latencyMs);

    const rawPath = url.pathname.slice(prefix.length);
    let segments: string[];
    try {
      segments = rawPath
        .split('/')
        .filter(Boolean)
        .map((s) => decodeURIComponent(s));
    } catch {
      throw new PveError(400, 'malformed URI');
    }
    const relPath = '/' + segments.join('/');
    const match = this.router.match(method, segments);
    const isLogin = relPath === '/access/ticket';

    const who =
      isLogin || (match && typeof match === 'object' && match.op.permissions.user === 'world') ? undefined : this.authenticate(req, method);
    if (!match || match === 'path-only') throw new PveError(501, `Method '${method} ${relPath}' not implemented`);

    // A request whose client left (timed out during the simulated latency) uses up no injected fault: the
    // fault is for the next request that will read its answer.
    const forced = res.destroyed || req.socket.destroyed ? undefined : this.sim.faults.take(method, relPath);
    if (forced) throw new PveError(forced.status, forced.reason);

    const input: Record<string, string | string[]> = {};
    url.searchParams.forEach((v, k) => addParam(input, k, v));
    let upload: Upload | undefined;
    if (body.length) {
      const type = String(req.headers['content-type'] ?? '');
      if (type.includes('multipart/form-data')) upload = parseMultipart(body, type, input);
      else if (type.includes('application/json')) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          throw new PveError(400, 'invalid JSON body');
        }
        for (const [k, v] of Object.entries((parsed ?? {}) as Record<string, unknown>)) {
          if (Array.isArray(v)) v.forEach((x) => addParam(input, k, String(x)));
          else if (v !== null && v !== undefined) addParam(input, k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
        }
      } else new URLSearchParams(body.toString('utf8')).forEach((v, k) => addParam(input, k, v));
    }
    Object.assign(input, match.pathParams);
    const op = match.op;
    const params = validateParams(op.parameters, input);

    if (op.proxyto === 'node' && typeof params.node === 'string') {
      const node = params.node;
      if (!this.sim.state.node(node)) {
        throw new PveError(500, `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
      }
      if (this.sim.faults.offlineNodes.has(node)) {
        throw new PveError(595, 'Errors during connection establishment, proxy handshake: No route to host');
      }
    }
    const identity = who ?? this.auth.anonymous();
    if (who) checkPermissions(who, op.permissions, params, { groupsOf: (u) => this.sim.state.users.get(u)?.groups });

    this.sim.state.ha.advance();
    this.sim.state.ha.syncGuests();
    const ctx: RequestContext<WireParams> = { sim: this.sim, params, who: identity, method, path: relPath, envelope: {}, upload };
    const data = await op.handler(ctx);
    send(res, 200, 'OK', { ...ctx.envelope, data: data === undefined ? null : data });
  }

  private authenticate(req: IncomingMessage, method: string): Identity {
    const header = req.headers.authorization;
    if (header) return this.auth.fromToken(header);
    const ticket = parseCookies(req.headers.cookie).PVEAuthCookie;
    if (!ticket) throw new PveError(401, 'No ticket');
    const userid = this.auth.verifyTicket(ticket);
    if (!userid) throw new PveError(401, 'invalid PVE ticket');
    if (method !== 'GET') {
      const csrf = req.headers.csrfpreventiontoken;
      if (!this.auth.verifyCsrf(userid, Array.isArray(csrf) ? csrf[0] : csrf)) {
        throw new PveError(401, 'Permission denied - invalid csrf token');
      }
    }
    return this.auth.identity(userid);
  }
}

import { nodeCrypto } from '../lazy-crypto.js';

/**
 * Confirmation tokens bound to one exact call. A destructive call without a valid token gets a preview
 * and a token; the same call carrying that token runs, once. The token holds only an id and an expiry;
 * the call it is for is in the signature (HMAC over id, expiry and the call), so nothing is stored to
 * check it and any instance with the same key (PROXMOX_CONFIRM_KEY) can verify it. Single use is kept
 * per instance, in memory, until the token would have expired anyway.
 */

/** What a token is bound to: everything that decides what happens on the node. */
export interface BoundCall {
  cluster: string;
  tool: string;
  method: string;
  /** The concrete path as sent (encoded). */
  path: string;
  params: Record<string, unknown>;
}

export const CONFIRM_TTL_MS = 5 * 60_000;
const MAX_TOKEN_CHARS = 200;
const TOKEN_SHAPE = /^([A-Za-z0-9_-]{12})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{22})$/;
/** Bounds the per-instance memory of issued and used tokens; the oldest are forgotten first. */
const MAX_REMEMBERED = 10_000;

export type Redeemed = { ok: true } | { ok: false; reason: string };

/** JSON with object keys sorted at every level, so equal calls sign equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function describeCall(c: BoundCall): string {
  const params = canonicalJson(c.params);
  const shown = params.length > 300 ? `${params.slice(0, 300)}…` : params;
  return `${c.tool}: ${c.method} ${c.path}${params === '{}' ? '' : ` ${shown}`}${c.cluster ? ` (cluster ${c.cluster})` : ''}`;
}

export class ConfirmTokens {
  private keyMemo?: Buffer;
  private readonly configuredKey?: string;
  /** Token id → expiry (ms); an id here has been used. */
  private readonly used = new Map<string, number>();
  /** Token id → the call it was issued for, only to say what a mismatched token was for. */
  private readonly issued = new Map<string, { exp: number; call: string }>();
  readonly ttlMs: number;
  now: () => number;

  constructor(opts: { key?: string; ttlMs?: number; now?: () => number } = {}) {
    this.configuredKey = opts.key;
    this.ttlMs = opts.ttlMs ?? CONFIRM_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  issue(call: BoundCall): { token: string; expiresAt: Date } {
    const id = nodeCrypto().randomBytes(9).toString('base64url');
    const expS = Math.ceil((this.now() + this.ttlMs) / 1000);
    const exp = expS.toString(36);
    this.prune();
    remember(this.issued, id, { exp: expS * 1000, call: describeCall(call) });
    return { token: `${id}.${exp}.${this.sign(id, exp, call)}`, expiresAt: new Date(expS * 1000) };
  }

  /** Checks a token against the call as now given; a valid one is used up. */
  redeem(token: string, call: BoundCall): Redeemed {
    const given = token.trim();
    const m = given.length <= MAX_TOKEN_CHARS ? TOKEN_SHAPE.exec(given) : null;
    if (!m) return { ok: false, reason: 'the confirm value is not a token this server issued' };
    const [, id, exp, sig] = m;
    const expected = Buffer.from(this.sign(id, exp, call));
    if (!nodeCrypto().timingSafeEqual(expected, Buffer.from(sig))) {
      const was = this.issued.get(id);
      return {
        ok: false,
        reason: was
          ? `the token was issued for a different call (${was.call}); it runs only that exact call`
          : 'the token does not match this call (it was issued for another call, or by a server with another key)',
      };
    }
    const expMs = parseInt(exp, 36) * 1000;
    if (this.now() > expMs) return { ok: false, reason: 'the token has expired (tokens last 5 minutes)' };
    this.prune();
    if (this.used.has(id)) return { ok: false, reason: 'the token was already used (each token runs its call once)' };
    remember(this.used, id, expMs);
    this.issued.delete(id);
    return { ok: true };
  }

  private sign(id: string, exp: string, call: BoundCall): string {
    const bound = [
      'pmcp-confirm-v1',
      id,
      exp,
      call.cluster,
      call.tool,
      call.method.toUpperCase(),
      call.path,
      canonicalJson(call.params),
    ].join('\n');
    return nodeCrypto().createHmac('sha256', this.key).update(bound).digest().subarray(0, 16).toString('base64url');
  }

  /** Made with the first token, so that a start that issues none never loads node:crypto. */
  private get key(): Buffer {
    return (this.keyMemo ??= this.configuredKey ? Buffer.from(this.configuredKey, 'utf8') : nodeCrypto().randomBytes(32));
  }

  private prune(): void {
    const now = this.now();
    for (const [id, exp] of this.used) if (exp < now) this.used.delete(id);
    for (const [id, v] of this.issued) if (v.exp < now) this.issued.delete(id);
  }
}

function remember<V>(map: Map<string, V>, id: string, value: V): void {
  if (map.size >= MAX_REMEMBERED) map.delete(map.keys().next().value as string);
  map.set(id, value);
}

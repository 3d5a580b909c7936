import type { ProxmoxClient } from '../proxmox/client.js';
import type { PermissionMap } from './permissions.js';
import { within } from '../within.js';

// The token's privileges as the node reports them, kept per cluster from the start; judging an operation
// against them (permissions.ts) loads with the first check.

const REFRESH_MS = 60_000;
const READ_TIMEOUT_MS = 10_000;
/** A call waits this long for the privileges at most; a slow answer leaves the decision to the node. */
const WAIT_MS = 3_000;

/**
 * The token's privileges, read once and kept for a minute; read again when older, and before every
 * refusal that would rest on an earlier answer. A failed read is remembered for the same minute
 * (nothing is refused meanwhile).
 */
export class TokenPermissions {
  private map?: PermissionMap;
  private readAt = -Infinity;
  private pending?: Promise<PermissionMap | undefined>;
  now: () => number;

  constructor(
    private readonly client: ProxmoxClient,
    opts: { now?: () => number } = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** The map, or undefined when it cannot be read. */
  async current(fresh = false): Promise<PermissionMap | undefined> {
    if (!fresh && this.now() - this.readAt <= REFRESH_MS) return this.map;
    // Shared by concurrent calls, so no one call's cancellation ends it.
    this.pending ??= this.read().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** A refusal the node made that the map did not predict: read it again next time. */
  invalidate(): void {
    this.readAt = -Infinity;
  }

  /**
   * What the token lacks for this operation, or undefined when it may (or when that is not known).
   * `params` holds the path values and parameters of a concrete call; without it, the template's.
   */
  async lacking(permissions: unknown, params: Record<string, unknown> | undefined): Promise<string | undefined> {
    if (!permissions || typeof permissions !== 'object' || (permissions as { check?: unknown }).check === undefined) return undefined;
    const readBefore = this.readAt;
    let map = await within(this.current(), WAIT_MS);
    if (!map) return undefined;
    // The evaluation loads with the first check: a start that only lists the tools needs none of it.
    const { evaluatePermissions } = await import('./permissions.js');
    let verdict = evaluatePermissions(permissions, map, params);
    // A refusal rests on a fresh answer: a privilege granted a moment ago (an ACL, a pool) counts.
    if (verdict.kind === 'denied' && this.readAt === readBefore) {
      map = await within(this.current(true), WAIT_MS);
      if (!map) return undefined;
      verdict = evaluatePermissions(permissions, map, params);
    }
    return verdict.kind === 'denied' ? verdict.missing : undefined;
  }

  private async read(): Promise<PermissionMap | undefined> {
    try {
      const res = await this.client.request<unknown>({ method: 'GET', path: '/access/permissions', timeoutMs: READ_TIMEOUT_MS });
      const data = res.data;
      this.map = data && typeof data === 'object' && !Array.isArray(data) ? (data as PermissionMap) : undefined;
    } catch {
      this.map = undefined;
    }
    this.readAt = this.now();
    return this.map;
  }
}

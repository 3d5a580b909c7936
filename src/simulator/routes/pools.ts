import { hasPriv } from '../access.js';
import type { RequestContext } from '../context.js';
import { PveError } from '../errors.js';
import { P, opt, type Props } from '../params.js';
import { op, returns, type Operation } from '../schema.js';
import type { PoolDef } from '../state.js';
import { apiStatus } from './common.js';

const POOLID = P.str('', { format: 'pve-poolid' });
const ALLOCATE = { check: ['perm', '/pool/{poolid}', ['Pool.Allocate']] };
const list = (v: unknown) =>
  String(v ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);

function poolOr500(ctx: RequestContext, poolid: string): PoolDef {
  const p = ctx.sim.state.pools.get(poolid);
  if (!p) throw new PveError(500, `pool '${poolid}' does not exist`);
  return p;
}

function members(ctx: RequestContext, p: PoolDef, type?: string): unknown[] {
  const state = ctx.sim.state;
  const out: unknown[] = [];
  for (const g of state.guests.values()) {
    if (g.pool !== p.poolid || (type && type !== g.type)) continue;
    out.push({ id: `${g.type}/${g.vmid}`, type: g.type, vmid: g.vmid, node: g.node, name: state.guestName(g), status: apiStatus(g) });
  }
  if (!type || type === 'storage') {
    for (const s of p.storage)
      for (const n of state.nodes) out.push({ id: `storage/${n.node}/${s}`, type: 'storage', storage: s, node: n.node });
  }
  return out;
}

/** PUT /pools: add (or with `delete`, remove) guests and storages, and set the comment. */
type PoolUpdate = {
  readonly poolid: string;
  readonly comment?: string;
  readonly vms?: string;
  readonly storage?: string;
  readonly delete?: 0 | 1;
  readonly 'allow-move'?: 0 | 1;
};

function updatePool(ctx: RequestContext<PoolUpdate>): null {
  const state = ctx.sim.state;
  const p = poolOr500(ctx, ctx.params.poolid);
  if (ctx.params.comment !== undefined) p.comment = ctx.params.comment;
  const vmids = list(ctx.params.vms).map(Number);
  const storages = list(ctx.params.storage);
  for (const vmid of vmids) {
    const g = state.guests.get(vmid);
    if (!g) throw new PveError(500, `no such VMID '${vmid}'`);
    if (ctx.params.delete) {
      if (g.pool !== p.poolid) throw new PveError(500, `VM ${vmid} is not a pool member`);
    } else if (g.pool && g.pool !== p.poolid && !ctx.params['allow-move']) {
      throw new PveError(500, `VM ${vmid} belongs already to pool '${g.pool}' and allow-move is not set`);
    }
  }
  for (const s of storages) if (!state.storage(s)) throw new PveError(500, `no such storage '${s}'`);
  for (const vmid of vmids) {
    const g = state.guests.get(vmid)!;
    if (ctx.params.delete) delete g.pool;
    else g.pool = p.poolid;
  }
  if (ctx.params.delete) p.storage = p.storage.filter((s) => !storages.includes(s));
  else p.storage = [...new Set([...p.storage, ...storages])];
  return null;
}

function deletePool(ctx: RequestContext<{ readonly poolid: string }>): null {
  const p = poolOr500(ctx, ctx.params.poolid);
  const state = ctx.sim.state;
  if ([...state.guests.values()].some((g) => g.pool === p.poolid) || p.storage.length) {
    throw new PveError(500, `delete pool failed: pool '${p.poolid}' is not empty`);
  }
  state.pools.delete(p.poolid);
  const acl = state.acl;
  for (let i = acl.length - 1; i >= 0; i--) if (acl[i].path === `/pool/${p.poolid}`) acl.splice(i, 1);
  return null;
}

export function poolOperations(): Operation[] {
  const updateParams = {
    poolid: POOLID,
    comment: opt(P.str('', { maxLength: 4096 })),
    vms: opt(P.str('List of guest VMIDs to add or remove from this pool.', { format: 'pve-vmid-list' })),
    storage: opt(P.str('List of storage IDs to add or remove from this pool.', { format: 'pve-storage-id-list' })),
    'allow-move': opt(
      P.bool(
        'Allow adding a guest even if already in another pool. The guest will be removed from its current pool and added to this one.',
        { default: 0 },
      ),
    ),
    delete: opt(P.bool('Remove the passed VMIDs and/or storage IDs instead of adding them.', { default: 0 })),
  } satisfies Props;
  const typeFilter = opt(P.enum('', ['qemu', 'lxc', 'storage']));
  return [
    op({
      method: 'GET',
      path: '/pools',
      name: 'index',
      description: 'List pools or get pool configuration.',
      parameters: { poolid: opt(POOLID), type: opt({ ...typeFilter, requires: 'poolid' }) },
      returns: returns.array({ poolid: POOLID }, 'poolid'),
      permissions: {
        description: 'List all pools where you have Pool.Audit permissions on /pool/<pool>, or the pool specific with {poolid}',
        user: 'all',
      },
      handler: (ctx) => {
        const state = ctx.sim.state;
        if (ctx.params.poolid && !state.pools.has(ctx.params.poolid)) throw new PveError(500, `pool '${ctx.params.poolid}' does not exist`);
        return [...state.pools.values()]
          .filter((p) => (!ctx.params.poolid || p.poolid === ctx.params.poolid) && hasPriv(ctx.who, `/pool/${p.poolid}`, 'Pool.Audit'))
          .map((p) => ({
            poolid: p.poolid,
            ...(p.comment ? { comment: p.comment } : {}),
            ...(ctx.params.poolid ? { members: members(ctx, p, ctx.params.type) } : {}),
          }));
      },
    }),
    op({
      method: 'POST',
      path: '/pools',
      name: 'create_pool',
      description: 'Create new pool.',
      parameters: { poolid: POOLID, comment: opt(P.str('', { maxLength: 4096 })) },
      returns: returns.null,
      permissions: ALLOCATE,
      protected: 1,
      handler: (ctx) => {
        if (ctx.sim.state.pools.has(ctx.params.poolid))
          throw new PveError(500, `create pool failed: pool '${ctx.params.poolid}' already exists`);
        ctx.sim.state.pools.set(ctx.params.poolid, {
          poolid: ctx.params.poolid,
          storage: [],
          ...(ctx.params.comment ? { comment: ctx.params.comment } : {}),
        });
        return null;
      },
    }),
    op({
      method: 'PUT',
      path: '/pools',
      name: 'update_pool',
      description: 'Update pool.',
      parameters: updateParams,
      returns: returns.null,
      permissions: ALLOCATE,
      protected: 1,
      handler: updatePool,
    }),
    op({
      method: 'DELETE',
      path: '/pools',
      name: 'delete_pool',
      description: 'Delete pool.',
      parameters: { poolid: POOLID },
      returns: returns.null,
      permissions: ALLOCATE,
      protected: 1,
      handler: deletePool,
    }),
    op({
      method: 'GET',
      path: '/pools/{poolid}',
      name: 'read_pool',
      description: "Get pool configuration (deprecated, no support for nested pools, use 'GET /pools/?poolid={poolid}').",
      parameters: { poolid: POOLID, type: typeFilter },
      returns: { type: 'object', properties: { comment: opt(P.str('')), members: { type: 'array', items: { type: 'object' } } } },
      permissions: { check: ['perm', '/pool/{poolid}', ['Pool.Audit']] },
      handler: (ctx) => {
        const p = poolOr500(ctx, ctx.params.poolid);
        return { ...(p.comment ? { comment: p.comment } : {}), members: members(ctx, p, ctx.params.type) };
      },
    }),
    op({
      method: 'PUT',
      path: '/pools/{poolid}',
      name: 'update_pool_deprecated',
      description: "Update pool data (deprecated, no support for nested pools - use 'PUT /pools/?poolid={poolid}' instead).",
      parameters: updateParams,
      returns: returns.null,
      permissions: ALLOCATE,
      protected: 1,
      handler: updatePool,
    }),
    op({
      method: 'DELETE',
      path: '/pools/{poolid}',
      name: 'delete_pool_deprecated',
      description: "Delete pool (deprecated, no support for nested pools, use 'DELETE /pools/?poolid={poolid}').",
      parameters: { poolid: POOLID },
      returns: returns.null,
      permissions: ALLOCATE,
      protected: 1,
      handler: deletePool,
    }),
  ];
}

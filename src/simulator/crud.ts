import { createHash } from 'node:crypto';
import type { RequestContext } from './context.js';
import { PveError, paramError } from './errors.js';
import { P, opt, type ParamsOf, type PropSchema, type Props, type WireParams } from './params.js';
import { op, returns, type Operation, type Permissions } from './schema.js';

/**
 * A small declarative engine for the many "collection of config objects" families of an API
 * (list / create / read / update / delete on `BASE` and `BASE/{key}`). Nothing here knows about PVE:
 * a family names its paths, parameters, permissions and messages, and the engine serves them with state.
 */

export type Item = Record<string, unknown>;

/**
 * What a family's hooks see of a request: the path parameters of its `scope` typed from their declarations
 * (every operation of the family has them); the other names are the spec's data, read through the wire's
 * index type. The engine itself reads only through the index type.
 */
export type CrudContext<Sc extends Props = Props> = RequestContext<WireParams & ParamsOf<Sc>>;

/** Config objects by collection: one map per family and scope (e.g. per node or per guest). */
export class Collections {
  private readonly maps = new Map<string, Map<string, Item>>();

  get(scope: string): Map<string, Item> {
    let m = this.maps.get(scope);
    if (!m) this.maps.set(scope, (m = new Map()));
    return m;
  }
}

export interface CrudHooks<Sc extends Props = Props> {
  /** Checks a new or changed item (throw a PveError to refuse); `before` is undefined on create. */
  validate?(ctx: CrudContext<Sc>, item: Item, before: Item | undefined, id: string): void;
  created?(ctx: CrudContext<Sc>, item: Item, id: string): void;
  updated?(ctx: CrudContext<Sc>, item: Item, before: Item): void;
  /** Refuse (throw) or clean up before the item goes. */
  deleting?(ctx: CrudContext<Sc>, item: Item, id: string): void;
  /** Whether the asker may see one item in the list (default: all). */
  visible?(ctx: CrudContext<Sc>, item: Item, id: string): boolean;
  /** The list row of an item (default: the item itself). */
  row?(ctx: CrudContext<Sc>, item: Item, id: string): Item;
  /** The read answer (default: the item, plus `digest` when the family has digests). */
  read?(ctx: CrudContext<Sc>, item: Item, id: string): unknown;
}

export interface CrudSpec<Sc extends Props = Props> {
  /** The list path, e.g. `/cluster/mapping/pci`; `{params}` in it must be declared in `scope`. */
  base: string;
  /** Name of the item's path parameter (`id`, `name`, ...). */
  key: string;
  keySchema: PropSchema;
  /** Where the key travels on create when not as `key` (PVE's realm create takes `realm`, etc.). */
  createKey?: string;
  /** The key's schema on create, when it differs (e.g. optional there, generated when missing). */
  createKeySchema?: PropSchema;
  /** Makes a key when create is called without one. */
  generateKey?: (ctx: CrudContext<Sc>, items: Map<string, Item>) => string;
  /** Path parameters of `base`. */
  scope?: Sc;
  /** Settable fields as create takes them (declare them optional where they are). */
  fields: Props;
  /** Settable fields as update takes them; default: `fields`, all optional. */
  updateFields?: Props;
  createOnly?: Props;
  updateOnly?: Props;
  /** Create is `POST BASE` (default) or `POST BASE/{key}` (PVE's metrics servers). */
  createAt?: 'list' | 'item';
  /** Parameters of the list call (filters). */
  listParams?: Props;
  /** Extra parameters of the read call (views such as `pending`). */
  readParams?: Props;
  /** Extra parameters of the delete call (lock tokens and such). */
  deleteParams?: Props;
  /** Turns the key given on create into the stored one (e.g. a CIDR into PVE's subnet id); default: as given. */
  normalizeKey?: (ctx: CrudContext<Sc>, raw: string) => string;
  /** The noun in messages, e.g. `PCI mapping`. */
  noun: string;
  /** Operation names; an operation without a name is not offered. */
  names: Partial<Record<CrudVerb, string>>;
  perms: Partial<Record<CrudVerb, Permissions>>;
  descriptions?: Partial<Record<CrudVerb, string>>;
  /** Update takes a `digest` (optimistic concurrency) and read answers carry it. */
  digest?: boolean;
  /** Delete takes a `digest` too. */
  deleteDigest?: boolean;
  /** Update takes `delete`: field names to remove, as a list string (PVE's usual) or an array (notifications). */
  deleteKeys?: boolean | 'array';
  /** Where the items live; default: `ctx.sim.collections` keyed by `base` with the scope filled in. */
  store?: (ctx: CrudContext<Sc>) => Map<string, Item>;
  /** Fields every new item gets unless given. */
  defaults?: Item;
  /** Operations that are not offered even though named (for families that add their own). */
  hooks?: CrudHooks<Sc>;
  /** Which operations are `protected` (run by the privileged daemon); default: the writes. */
  protect?: Partial<Record<CrudVerb, boolean>>;
}

export type CrudVerb = 'list' | 'create' | 'read' | 'update' | 'delete';

/**
 * The hooks' view of a request the engine serves: every operation of a family declares its `scope`, and
 * the server checked the request against that declaration, so its path parameters are there as typed.
 */
function scoped<Sc extends Props>(ctx: RequestContext<WireParams>): CrudContext<Sc> {
  return ctx as CrudContext<Sc>;
}

function scopeKey<Sc extends Props>(spec: CrudSpec<Sc>, ctx: RequestContext<WireParams>): string {
  return spec.base.replace(/\{([^}]+)\}/g, (_, name: string) => String(ctx.params[name]));
}

export function collectionDigest(items: Map<string, Item>): string {
  return createHash('sha1')
    .update(JSON.stringify([...items]))
    .digest('hex');
}

/** The items of a family for one request (the scope filled from its path parameters). */
export function storeOf<Sc extends Props>(spec: CrudSpec<Sc>, ctx: RequestContext<WireParams>): Map<string, Item> {
  return spec.store ? spec.store(scoped(ctx)) : ctx.sim.collections.get(scopeKey(spec, ctx));
}

export function checkDigest(ctx: RequestContext<{ readonly digest?: string }>, current: string): void {
  const given: unknown = ctx.params.digest;
  if (typeof given === 'string' && given !== current) {
    throw new PveError(500, 'detected modified configuration - file changed by other user? Try again.');
  }
}

/** Copies the settable fields of the request into an item. */
function settable(fields: Props, ctx: RequestContext<WireParams>, extra: Props = {}): Item {
  const out: Item = {};
  for (const name of [...Object.keys(fields), ...Object.keys(extra)]) {
    if (ctx.params[name] !== undefined) out[name] = ctx.params[name];
  }
  return out;
}

const DIGEST = opt(
  P.str('Prevent changes if current configuration file has a different digest. This can be used to prevent concurrent modifications.', {
    maxLength: 64,
  }),
);
const DELETE_ARRAY = opt(P.arr('A list of settings you want to delete.', 'setting name'));
const DELETE = opt(P.str('A list of settings you want to delete.', { format: 'pve-configid-list', maxLength: 4096 }));

/** The operations of one family, each with its declaration and a stateful handler. */
export function crudOperations<const Sc extends Props = Record<never, PropSchema>>(spec: CrudSpec<Sc>): Operation[] {
  const scope: Props = spec.scope ?? {};
  const item = `${spec.base}/{${spec.key}}`;
  const keyParam = { [spec.key]: spec.keySchema };
  const createKey = spec.createKey ?? spec.key;
  const ops: Operation[] = [];
  const protectDefaults: Record<CrudVerb, boolean> = { list: false, read: false, create: true, update: true, delete: true };
  const protect = (verb: CrudVerb) => ((spec.protect?.[verb] ?? protectDefaults[verb]) ? { protected: 1 as const } : {});
  const updateFields =
    spec.updateFields ?? Object.fromEntries(Object.entries(spec.fields).map(([k, v]) => [k, { ...v, optional: 1 as const }]));
  const find = (ctx: RequestContext<WireParams>): { items: Map<string, Item>; id: string; found: Item } => {
    const items = storeOf(spec, ctx);
    const id = String(ctx.params[spec.key]);
    const found = items.get(id);
    if (!found) throw new PveError(500, `${spec.noun} '${id}' does not exist`);
    return { items, id, found };
  };

  if (spec.names.list) {
    ops.push(
      op<Props>({
        method: 'GET',
        path: spec.base,
        name: spec.names.list,
        ...protect('list'),
        description: spec.descriptions?.list ?? `List ${spec.noun}s.`,
        parameters: { ...scope, ...spec.listParams },
        returns: returns.array({ [createKey]: spec.keySchema }, createKey),
        permissions: spec.perms.list ?? { user: 'all' },
        handler: (wire) => {
          const ctx = scoped<Sc>(wire);
          const items = storeOf(spec, ctx);
          const digest = spec.digest ? collectionDigest(items) : undefined;
          return [...items.entries()]
            .filter(([id, v]) => !spec.hooks?.visible || spec.hooks.visible(ctx, v, id))
            .map(([id, v]) => {
              const row = spec.hooks?.row ? spec.hooks.row(ctx, v, id) : { ...v };
              const out: Item = { [createKey]: id, ...row };
              if (digest) out.digest = digest;
              return out;
            })
            .sort((a, b) => String(a[createKey]).localeCompare(String(b[createKey])));
        },
      }),
    );
  }
  if (spec.names.create) {
    ops.push(
      op<Props>({
        method: 'POST',
        path: spec.createAt === 'item' ? item : spec.base,
        name: spec.names.create,
        description: spec.descriptions?.create ?? `Create a new ${spec.noun}.`,
        parameters: { ...scope, [createKey]: spec.createKeySchema ?? spec.keySchema, ...spec.fields, ...spec.createOnly },
        returns: returns.null,
        permissions: spec.perms.create ?? {},
        ...protect('create'),
        handler: (wire) => {
          const ctx = scoped<Sc>(wire);
          const items = storeOf(spec, ctx);
          const given: unknown = ctx.params[createKey];
          const id =
            given === undefined && spec.generateKey
              ? spec.generateKey(ctx, items)
              : spec.normalizeKey
                ? spec.normalizeKey(ctx, String(given))
                : String(given);
          if (items.has(id)) throw new PveError(500, `${spec.noun} '${id}' already exists`);
          const created: Item = { ...spec.defaults, ...settable(spec.fields, ctx, spec.createOnly) };
          spec.hooks?.validate?.(ctx, created, undefined, id);
          items.set(id, created);
          spec.hooks?.created?.(ctx, created, id);
          return null;
        },
      }),
    );
  }
  if (spec.names.read) {
    ops.push(
      op<Props>({
        method: 'GET',
        path: item,
        name: spec.names.read,
        description: spec.descriptions?.read ?? `Read the ${spec.noun} configuration.`,
        parameters: { ...scope, ...keyParam, ...spec.readParams },
        returns: { type: 'object' },
        permissions: spec.perms.read ?? {},
        ...protect('read'),
        handler: (wire) => {
          const ctx = scoped<Sc>(wire);
          const { items, id, found } = find(ctx);
          if (spec.hooks?.read) return spec.hooks.read(ctx, found, id);
          return { [createKey]: id, ...found, ...(spec.digest ? { digest: collectionDigest(items) } : {}) };
        },
      }),
    );
  }
  if (spec.names.update) {
    ops.push(
      op<Props>({
        method: 'PUT',
        path: item,
        name: spec.names.update,
        description: spec.descriptions?.update ?? `Update the ${spec.noun} configuration.`,
        parameters: {
          ...scope,
          ...keyParam,
          ...updateFields,
          ...spec.updateOnly,
          ...(spec.deleteKeys === 'array' ? { delete: DELETE_ARRAY } : spec.deleteKeys ? { delete: DELETE } : {}),
          ...(spec.digest ? { digest: DIGEST } : {}),
        },
        returns: returns.null,
        permissions: spec.perms.update ?? {},
        ...protect('update'),
        handler: (wire) => {
          const ctx = scoped<Sc>(wire);
          const { items, id, found } = find(ctx);
          if (spec.digest) checkDigest(ctx, collectionDigest(items));
          const before = { ...found };
          const next: Item = { ...found, ...settable(updateFields, ctx, spec.updateOnly) };
          const removed = (
            Array.isArray(ctx.params.delete) ? ctx.params.delete.map(String) : String(ctx.params.delete ?? '').split(/[,;\s]+/)
          ).filter(Boolean);
          for (const k of removed) {
            const schema = updateFields[k];
            if (!schema) throw paramError({ delete: `invalid format - '${k}' is not a setting of this ${spec.noun}` });
            if (!(spec.fields[k] ?? schema).optional) throw paramError({ delete: `unable to delete required option '${k}'` });
            if (ctx.params[k] !== undefined) throw paramError({ delete: `cannot set and delete property '${k}' at the same time` });
            delete next[k];
          }
          spec.hooks?.validate?.(ctx, next, before, id);
          for (const k of Object.keys(found)) delete found[k];
          Object.assign(found, next);
          spec.hooks?.updated?.(ctx, found, before);
          return null;
        },
      }),
    );
  }
  if (spec.names.delete) {
    ops.push(
      op<Props>({
        method: 'DELETE',
        path: item,
        name: spec.names.delete,
        description: spec.descriptions?.delete ?? `Remove the ${spec.noun}.`,
        parameters: { ...scope, ...keyParam, ...spec.deleteParams, ...(spec.deleteDigest ? { digest: DIGEST } : {}) },
        returns: returns.null,
        permissions: spec.perms.delete ?? {},
        ...protect('delete'),
        handler: (wire) => {
          const ctx = scoped<Sc>(wire);
          const { items, id, found } = find(ctx);
          if (spec.deleteDigest) checkDigest(ctx, collectionDigest(items));
          spec.hooks?.deleting?.(ctx, found, id);
          items.delete(id);
          return null;
        },
      }),
    );
  }
  return ops;
}

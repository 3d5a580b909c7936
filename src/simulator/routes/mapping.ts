import { hasAnyPriv } from '../access.js';
import type { RequestContext } from '../context.js';
import { crudOperations, type Item } from '../crud.js';
import { paramError } from '../errors.js';
import { P, opt, type Props } from '../params.js';
import { op, returns, type Operation } from '../schema.js';
import { parsePropertyString } from '../state.js';
import { index } from './common.js';

const ID = P.str('The ID of the logical mapping.', { format: 'pve-configid' });
const DESCRIPTION = opt(P.str('Description of the logical mapping.', { maxLength: 4096 }));

/** Each `map` entry names a node of this cluster; PCI/USB entries name a device, dir entries a path. */
function checkMap(ctx: RequestContext, kind: 'pci' | 'usb' | 'dir', item: Item): void {
  const entries = (item.map as string[] | undefined) ?? [];
  const seen = new Set<string>();
  for (const raw of entries) {
    const e = parsePropertyString(raw);
    if (!e.node || !ctx.sim.state.node(e.node)) throw paramError({ map: `invalid format - node '${e.node ?? ''}' is not a cluster node` });
    if (kind === 'pci' && !/^([0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}(\.[0-7])?$/i.test(e.path ?? ''))
      throw paramError({ map: `invalid format - PCI path '${e.path ?? ''}' is not like 0000:01:00.0` });
    if (kind === 'usb' && !e.id && !e.path)
      throw paramError({ map: 'invalid format - a USB mapping needs id=<vendor>:<device> or path=<bus>-<port>' });
    if (kind === 'dir' && !(e.path ?? '').startsWith('/'))
      throw paramError({ map: `invalid format - directory path '${e.path ?? ''}' must be absolute` });
    if (kind === 'dir' && seen.has(e.node)) throw paramError({ map: `invalid format - node '${e.node}' is mapped twice` });
    seen.add(e.node);
  }
}

function family(kind: 'pci' | 'usb' | 'dir', fields: Props, updateFields: Props): Operation[] {
  const noun = { pci: 'PCI mapping', usb: 'USB mapping', dir: 'directory mapping' }[kind];
  const anyOf = (order: string[]) => ({ check: ['or', ...order.map((p) => ['perm', `/mapping/${kind}/{id}`, [p]])] });
  return crudOperations({
    base: `/cluster/mapping/${kind}`,
    key: 'id',
    keySchema: ID,
    fields,
    updateFields,
    listParams: {
      'check-node': opt(
        P.node(
          'If given, checks the configurations on the given node for correctness, and adds relevant diagnostics for the devices to the response.',
        ),
      ),
    },
    deleteKeys: true,
    digest: true,
    noun,
    names: { list: 'index', create: 'create', read: 'get', update: 'update', delete: 'delete' },
    perms: {
      list: {
        description: `Only lists entries where you have 'Mapping.Modify', 'Mapping.Use' or 'Mapping.Audit' permissions on '/mapping/${kind}/<id>'.`,
        user: 'all',
      },
      create: { check: ['perm', `/mapping/${kind}`, ['Mapping.Modify']] },
      read:
        kind === 'usb'
          ? anyOf(['Mapping.Audit', 'Mapping.Use', 'Mapping.Modify'])
          : anyOf(['Mapping.Use', 'Mapping.Modify', 'Mapping.Audit']),
      update: { check: ['perm', `/mapping/${kind}/{id}`, ['Mapping.Modify']] },
      delete: { check: ['perm', `/mapping/${kind}`, ['Mapping.Modify']] },
    },
    protect: { read: true },
    hooks: {
      validate: (ctx, item) => checkMap(ctx, kind, item),
      visible: (ctx, _item, id) => hasAnyPriv(ctx.who, `/mapping/${kind}/${id}`, ['Mapping.Modify', 'Mapping.Use', 'Mapping.Audit']),
      row: (ctx, item) => {
        const row: Item = { ...item };
        if (ctx.params['check-node']) row.checks = [];
        return row;
      },
    },
  });
}

export function mappingOperations(): Operation[] {
  const MAP = P.arr('A list of maps for the cluster nodes.', 'node=<node>[,...]');
  return [
    op({
      method: 'GET',
      path: '/cluster/mapping',
      name: 'index',
      description: 'List resource types.',
      returns: returns.array({}),
      permissions: { user: 'all' },
      handler: () => index(['dir', 'pci', 'usb'], 'type'),
    }),
    ...family(
      'pci',
      {
        description: DESCRIPTION,
        map: MAP,
        mdev: opt(P.bool('Marks the device(s) as being capable of providing mediated devices.')),
        'live-migration-capable': opt(P.bool('Marks the device(s) as being able to be live-migrated (Experimental).')),
      },
      {
        description: DESCRIPTION,
        map: opt(MAP),
        mdev: opt(P.bool('Marks the device(s) as being capable of providing mediated devices.')),
        'live-migration-capable': opt(P.bool('Marks the device(s) as being able to be live-migrated (Experimental).')),
      },
    ),
    ...family('usb', { description: DESCRIPTION, map: MAP }, { description: DESCRIPTION, map: MAP }),
    ...family('dir', { description: DESCRIPTION, map: MAP }, { description: DESCRIPTION, map: opt(MAP) }),
  ];
}

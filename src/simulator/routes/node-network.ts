import type { RequestContext } from '../context.js';
import { PveError, paramError } from '../errors.js';
import { renderInterfaces, unifiedDiff, type Iface } from '../node-facts.js';
import { P, opt, type Props, scalarsOf, type WireParams } from '../params.js';
import { op, returns, taskOp, type Operation } from '../schema.js';
import { now } from './common.js';
import { factsOf } from './node-system.js';
import { NODE, NODE_MODIFY, nodeWrite } from './node-shared.js';

const IFACE = P.str('Network interface name.', { format: 'pve-iface', maxLength: 20, minLength: 2 });
const TYPES = [
  'bridge',
  'bond',
  'eth',
  'alias',
  'vlan',
  'fabric',
  'OVSBridge',
  'OVSBond',
  'OVSPort',
  'OVSIntPort',
  'vnet',
  'unknown',
] as const;

const FIELDS = {
  autostart: opt(P.bool('Automatically start interface on boot.')),
  cidr: opt(P.str('IPv4 CIDR.', { format: 'CIDRv4' })),
  gateway: opt(P.str('Default gateway address.', { format: 'ipv4' })),
  cidr6: opt(P.str('IPv6 CIDR.', { format: 'CIDRv6' })),
  gateway6: opt(P.str('Default ipv6 gateway address.', { format: 'ipv6' })),
  bridge_ports: opt(P.str('Specify the interfaces you want to add to your bridge.', { format: 'pve-iface-list' })),
  bridge_vlan_aware: opt(P.bool('Enable bridge vlan support.')),
  bridge_vids: opt(
    P.str("Specify the allowed VLANs. For example: '2 4 100-200'. Only used if the bridge is VLAN aware.", {
      format: 'pve-vlan-id-or-range-list',
    }),
  ),
  slaves: opt(P.str('Specify the interfaces used by the bonding device.', { format: 'pve-iface-list' })),
  bond_mode: opt(
    P.enum('Bonding mode.', [
      'balance-rr',
      'active-backup',
      'balance-xor',
      'broadcast',
      '802.3ad',
      'balance-tlb',
      'balance-alb',
      'balance-slb',
      'lacp-balance-slb',
      'lacp-balance-tcp',
    ]),
  ),
  'bond-primary': opt(P.str('Specify the primary interface for active-backup bond.', { format: 'pve-iface' })),
  bond_xmit_hash_policy: opt(
    P.enum('Selects the transmit hash policy to use for slave selection in balance-xor and 802.3ad modes.', [
      'layer2',
      'layer2+3',
      'layer3+4',
    ]),
  ),
  'vlan-id': opt(P.int('vlan-id for a custom named vlan interface (ifupdown2 only).', { minimum: 1, maximum: 4094 })),
  'vlan-raw-device': opt(P.str('Specify the raw interface for the vlan interface.', { format: 'pve-iface' })),
  mtu: opt(P.int('MTU.', { minimum: 1280, maximum: 65520 })),
  comments: opt(P.str('Comments')),
} satisfies Props;

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const octetsOk = (m: RegExpExecArray) => m.slice(1, 5).every((o) => Number(o) <= 255);

/** The configuration being edited: the pending one, started from the running one on the first change. */
function pending(ctx: RequestContext<{ readonly node: string }>): Map<string, Iface> {
  const net = factsOf(ctx).network;
  net.pending ??= new Map([...net.current].map(([k, v]) => [k, { ...v }]));
  return net.pending;
}

function checkIface(ctx: RequestContext, cfg: Map<string, Iface>, i: Iface): void {
  if (i.cidr !== undefined) {
    const m = IPV4_CIDR.exec(String(i.cidr));
    if (!m || !octetsOk(m) || Number(m[5]) > 32) throw paramError({ cidr: `value does not look like a valid IPv4 CIDR network` });
    i.address = String(i.cidr).split('/')[0];
    i.netmask = String(i.cidr).split('/')[1];
    i.method = 'static';
  }
  if (i.gateway !== undefined) {
    const m = IPV4.exec(String(i.gateway));
    if (!m || !octetsOk(m)) throw paramError({ gateway: 'value does not look like a valid IPv4 address' });
    if (i.cidr === undefined) throw paramError({ gateway: 'a gateway needs an address (cidr) on the interface' });
    const other = [...cfg.values()].find((x) => x.iface !== i.iface && x.gateway);
    if (other) throw paramError({ gateway: `Default gateway already exists on interface '${other.iface}'` });
  }
  const ports = (v: unknown) =>
    String(v ?? '')
      .split(/[\s,;]+/)
      .filter(Boolean);
  for (const field of ['bridge_ports', 'slaves'] as const) {
    for (const p of ports(i[field])) {
      if (!cfg.has(p)) throw paramError({ [field]: `unable to find interface '${p}'` });
      if (p === i.iface) throw paramError({ [field]: `interface '${p}' cannot be a port of itself` });
      const user = [...cfg.values()].find((x) => x.iface !== i.iface && (ports(x.bridge_ports).includes(p) || ports(x.slaves).includes(p)));
      if (user) throw paramError({ [field]: `interface '${p}' is already used by '${user.iface}'` });
    }
  }
  if (i.type === 'bond' && !ports(i.slaves).length) throw paramError({ slaves: 'a bond needs at least one slave interface' });
  if (i.type === 'bond' && !/^bond\d+$/.test(i.iface)) throw paramError({ iface: `invalid bond name '${i.iface}' (expected bondN)` });
  if (i.type === 'bridge' && !/^[a-zA-Z][a-zA-Z0-9_]{1,14}$/.test(i.iface)) throw paramError({ iface: `invalid bridge name '${i.iface}'` });
  if (i.type === 'vlan') {
    const dotted = /^(.+)\.(\d+)$/.exec(i.iface);
    const raw = dotted ? dotted[1] : (i['vlan-raw-device'] as string | undefined);
    if (!raw)
      throw paramError({
        'vlan-raw-device': `vlan interface '${i.iface}' needs a raw device (name it <iface>.<vid> or set vlan-raw-device)`,
      });
    if (!cfg.has(raw)) throw paramError({ 'vlan-raw-device': `vlan-raw-device '${raw}' does not exist` });
    if (dotted && Number(dotted[2]) > 4094) throw paramError({ iface: 'vlan id must be 1 - 4094' });
  }
  if (i.type === 'eth' && !cfg.get(i.iface)?.exists)
    throw paramError({ type: `eth interfaces cannot be created, '${i.iface}' does not exist` });
}

function fromParams(ctx: RequestContext<WireParams>, base: Partial<Iface>): Iface {
  const i = { ...base } as Iface;
  Object.assign(i, scalarsOf(ctx.params, Object.keys(FIELDS)));
  return i;
}

function row(i: Iface): Record<string, unknown> {
  const out: Record<string, unknown> = { ...i };
  return out;
}

export function nodeNetworkOperations(): Operation[] {
  return [
    op({
      method: 'GET',
      path: '/nodes/{node}/network',
      name: 'index',
      description: 'List available networks',
      parameters: {
        ...NODE,
        type: opt(
          P.enum('Only list specific interface types.', [
            ...TYPES.filter((t) => t !== 'unknown'),
            'any_bridge',
            'any_local_bridge',
            'include_sdn',
          ]),
        ),
      },
      returns: returns.array({ iface: IFACE }, 'iface'),
      permissions: {
        description: "Only list entries where you have 'Sys.Audit' or 'Sys.Modify' permissions on '/nodes/<node>'",
        user: 'all',
      },
      proxyto: 'node',
      handler: (ctx) => {
        const net = factsOf(ctx).network;
        const cfg = net.pending ?? net.current;
        // Like PVE, show the pending file and the diff against the running one.
        if (net.pending) ctx.envelope.changes = unifiedDiff(renderInterfaces(net.current), renderInterfaces(net.pending));
        const want: string | undefined = ctx.params.type;
        return [...cfg.values()]
          .filter(
            (i) =>
              !want ||
              i.type === want ||
              ((want === 'any_bridge' || want === 'any_local_bridge') && (i.type === 'bridge' || i.type === 'OVSBridge')),
          )
          .sort((a, b) => a.priority - b.priority)
          .map(row);
      },
    }),
    nodeWrite({
      method: 'POST',
      path: '/nodes/{node}/network',
      name: 'create_network',
      description: 'Create network device configuration',
      parameters: { ...NODE, iface: IFACE, type: P.enum('Network interface type', TYPES), ...FIELDS },
      handler: (ctx) => {
        const cfg = pending(ctx);
        if (cfg.has(ctx.params.iface)) throw paramError({ iface: `interface already exists` });
        const i = fromParams(ctx, {
          iface: ctx.params.iface,
          type: ctx.params.type,
          method: 'manual',
          families: ['inet'],
          priority: Math.max(0, ...[...cfg.values()].map((x) => x.priority)) + 1,
          autostart: 1,
        });
        checkIface(ctx, cfg, i);
        cfg.set(i.iface, i);
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/network/{iface}',
      name: 'network_config',
      description: 'Read network device configuration',
      parameters: { ...NODE, iface: IFACE },
      returns: { type: 'object', properties: { method: P.str(''), type: P.str('') } },
      permissions: { check: ['perm', '/nodes/{node}', ['Sys.Audit']] },
      proxyto: 'node',
      handler: (ctx) => {
        const net = factsOf(ctx).network;
        const i = (net.pending ?? net.current).get(ctx.params.iface);
        if (!i) throw new PveError(500, `interface does not exist`);
        return row(i);
      },
    }),
    nodeWrite({
      method: 'PUT',
      path: '/nodes/{node}/network/{iface}',
      name: 'update_network',
      description: 'Update network device configuration',
      parameters: {
        ...NODE,
        iface: IFACE,
        type: P.enum('Network interface type', TYPES),
        ...FIELDS,
        delete: opt(P.str('A list of settings you want to delete.', { format: 'pve-configid-list' })),
      },
      handler: (ctx) => {
        const cfg = pending(ctx);
        const before = cfg.get(ctx.params.iface);
        if (!before) throw new PveError(500, `interface does not exist`);
        if (before.type !== ctx.params.type) throw paramError({ type: `interface type is immutable (is '${before.type}')` });
        const i = fromParams(ctx, before);
        for (const k of String(ctx.params.delete ?? '')
          .split(/[,;\s]+/)
          .filter(Boolean)) {
          if (!(FIELDS as Props)[k]) throw paramError({ delete: `cannot delete '${k}'` });
          delete i[k];
          if (k === 'cidr') {
            delete i.address;
            delete i.netmask;
            delete i.gateway;
            i.method = 'manual';
          }
        }
        const without = new Map(cfg);
        without.delete(i.iface);
        checkIface(ctx, new Map([...without, [i.iface, { ...before, bridge_ports: undefined, slaves: undefined, gateway: undefined }]]), i);
        cfg.set(i.iface, i);
        return null;
      },
    }),
    nodeWrite({
      method: 'DELETE',
      path: '/nodes/{node}/network/{iface}',
      name: 'delete_network',
      description: 'Delete network device configuration',
      parameters: { ...NODE, iface: IFACE },
      handler: (ctx) => {
        const cfg = pending(ctx);
        const i = cfg.get(ctx.params.iface);
        if (!i) throw new PveError(500, `interface does not exist`);
        if (i.type === 'eth') throw new PveError(500, `cannot delete physical interface '${i.iface}'`);
        const user = [...cfg.values()].find(
          (x) =>
            String(x.bridge_ports ?? '')
              .split(/[\s,;]+/)
              .includes(i.iface) ||
            String(x.slaves ?? '')
              .split(/[\s,;]+/)
              .includes(i.iface) ||
            x['vlan-raw-device'] === i.iface,
        );
        if (user) throw new PveError(500, `interface '${i.iface}' is used by '${user.iface}'`);
        const guest = [...ctx.sim.state.guests.values()].find(
          (g) =>
            g.node === ctx.params.node &&
            Object.entries(g.config).some(([k, v]) => /^net\d+$/.test(k) && String(v).includes(`bridge=${i.iface}`)),
        );
        if (guest && i.type === 'bridge') throw new PveError(500, `bridge '${i.iface}' is used by guest ${guest.vmid}`);
        cfg.delete(i.iface);
        return null;
      },
    }),
    taskOp({
      method: 'PUT',
      path: '/nodes/{node}/network',
      name: 'reload_network_config',
      description: 'Reload network configuration',
      parameters: { ...NODE, 'regenerate-frr': opt(P.bool('Whether FRR config generation should get skipped or not.', { default: 1 })) },
      returns: { type: 'string' },
      permissions: NODE_MODIFY,
      handler: (ctx) => {
        const facts = factsOf(ctx);
        const net = facts.network;
        if (!net.pending) throw new PveError(500, 'no changes to apply');
        const next = net.pending;
        return ctx.sim.tasks.start({
          node: ctx.params.node,
          type: 'srvreload',
          id: 'networking',
          who: ctx.who,
          log: ['reloading network config'],
          effect: () => {
            for (const i of next.values()) if (i.type !== 'eth') i.active = 1;
            net.current = next;
            net.pending = undefined;
            facts.events.push({ time: now(), tag: 'systemd[1]', msg: 'Reloaded networking.service - Network initialization.' });
          },
        });
      },
    }),
    nodeWrite({
      method: 'DELETE',
      path: '/nodes/{node}/network',
      name: 'revert_network_changes',
      description: 'Revert network configuration changes.',
      parameters: NODE,
      handler: (ctx) => {
        factsOf(ctx).network.pending = undefined;
        return null;
      },
    }),
  ];
}

import { hasAnyPriv, hasPriv } from '../access.js';
import type { RequestContext } from '../context.js';
import { PveError } from '../errors.js';
import { P, opt, type Of, type PropSchema, type Props, type WireParams } from '../params.js';
import { op, returns, type Operation } from '../schema.js';
import type { SdnFabric, SdnFabricNode } from '../state.js';

const FABRIC_ID = (description = 'Identifier for SDN fabrics'): Of<'string'> => ({
  type: 'string',
  format: 'pve-sdn-fabric-id',
  minLength: 2,
  maxLength: 8,
  pattern: '[a-zA-Z0-9][a-zA-Z0-9-]{0,6}[a-zA-Z0-9]',
  description,
});
const PROTOCOL = P.enum('Type of configuration entry in an SDN Fabric section config', ['openfabric', 'ospf', 'wireguard', 'bgp']);
const NODE_ID = P.node('Identifier for nodes in an SDN fabric');
const LOCK = opt(P.str('the token for unlocking the global SDN configuration'));
const DIGEST = opt(
  P.str('Prevent changes if current configuration file has a different digest. This can be used to prevent concurrent modifications.', {
    maxLength: 64,
  }),
);
const VIEW = { pending: opt(P.bool('Display pending config.')), running: opt(P.bool('Display running config.')) } satisfies Props;
/** PVE's per-protocol properties carry these two extra keys in the apidoc. */
const typed = <S extends PropSchema>(p: S, types: string[]): S => ({ ...p, 'instance-types': types, 'type-property': 'protocol' });

const FABRIC_PROPS = {
  area: opt(typed(P.str('OSPF area. Either a IPv4 address or a 32-bit number. Gets validated in rust.'), ['ospf'])),
  csnp_interval: opt(typed(P.num('The csnp_interval property for Openfabric', { minimum: 1, maximum: 600 }), ['openfabric'])),
  hello_interval: opt(typed(P.num('The hello_interval property for Openfabric', { minimum: 1, maximum: 600 }), ['openfabric'])),
  ip_prefix: opt(P.str('The IP prefix for Node IPs', { format: 'CIDR' })),
  ip6_prefix: opt(P.str('The IP prefix for Node IPs', { format: 'CIDR' })),
  persistent_keepalive: opt(
    typed(
      P.num(
        'A seconds interval, between 1 and 65535 inclusive, of how often to send an authenticated empty packet to the peer for the purpose of keeping a stateful firewall or NAT mapping valid persistently.',
        { minimum: 0, maximum: 65535 },
      ),
      ['wireguard'],
    ),
  ),
  redistribute: opt({
    type: 'array',
    description: 'Redistribute routes from other sources.',
    items: { type: 'string', description: 'source=<bgp|connected|kernel|static>[,route-map=<id>]' },
  }),
  route_filter: opt(
    typed(
      P.str('A prefix list that should be used for filtering routes that are to be installed into the kernel routing table', {
        format: 'pve-sdn-prefix-list-id',
      }),
      ['ospf', 'openfabric'],
    ),
  ),
} satisfies Props;

const NODE_PROPS = {
  allowed_ips: opt(
    typed(
      {
        type: 'array',
        description: 'A list of IPs that are routable via this node in the WireGuard fabric.',
        items: { type: 'string', format: 'FullRangeCIDR' },
      },
      ['wireguard'],
    ),
  ),
  endpoint: opt(typed(P.str('The endpoint used for connecting to this node.'), ['wireguard'])),
  interfaces: opt({
    type: 'array',
    description: 'Network interfaces of this node in the fabric.',
    items: { type: 'string', description: 'name=<iface>[,ip=<CIDRv4>][,ip6=<CIDRv6>][,...]' },
    'type-property': 'protocol',
    typetext: '<array>',
  } as PropSchema),
  ip: opt(P.str('IPv4 address for this node', { format: 'ipv4' })),
  ip6: opt(P.str('IPv6 address for this node', { format: 'ipv6' })),
  peers: opt(typed({ type: 'array', description: 'WireGuard peers of this node.', items: { type: 'string' } }, ['wireguard'])),
  public_key: opt(typed(P.str('The public key for the external node.'), ['wireguard'])),
  role: opt(typed(P.enum('The role of this node in the WireGuard fabric.', ['internal', 'external']), ['wireguard'])),
} satisfies Props;

function sdnVisible(ctx: RequestContext): boolean {
  return hasAnyPriv(ctx.who, '/sdn', ['SDN.Audit', 'SDN.Allocate']);
}

function fabricRow(ctx: RequestContext, f: SdnFabric): Record<string, unknown> {
  return { id: f.id, protocol: f.protocol, ...f.props, digest: ctx.sim.state.sdn.digest() };
}

function nodeRow(ctx: RequestContext, n: SdnFabricNode): Record<string, unknown> {
  return { fabric_id: n.fabric_id, node_id: n.node_id, protocol: n.protocol, ...n.props, digest: ctx.sim.state.sdn.digest() };
}

function fabricOr500(ctx: RequestContext, id: string): SdnFabric {
  const f = ctx.sim.state.sdn.fabrics.get(id);
  if (!f) throw new PveError(500, `could not find fabric with id ${id}\n`);
  return f;
}

/** The given values of the declared names (a family's settable fields). */
function pick(params: WireParams, props: Props): Record<string, string | number | string[]> {
  const out: Record<string, string | number | string[]> = {};
  for (const k of Object.keys(props)) {
    const v = params[k];
    if (v !== undefined) out[k] = typeof v === 'object' ? v.map(String) : v;
  }
  return out;
}

/** An OpenFabric system id from an IPv4 address, as FRR shows neighbours: 10.99.99.2 -> 0100.9909.9002. */
function systemId(ip: string): string {
  const digits = ip
    .split('.')
    .map((o) => o.padStart(3, '0'))
    .join('');
  return `${digits.slice(0, 4)}.${digits.slice(4, 8)}.${digits.slice(8, 12)}`;
}

/** Node-side FRR state of a running fabric: empty right after apply, neighbours come up over time. */
function frrPhase(ctx: RequestContext<{ readonly node: string }>, fabric: string): { members: string[]; phase: number } {
  const run = ctx.sim.state.sdn.running.fabrics.get(fabric);
  if (!run) {
    if (ctx.sim.state.sdn.fabrics.has(fabric)) return { members: [], phase: 0 };
    throw new PveError(500, `could not find fabric with id ${fabric}\n`);
  }
  if (!run.nodes.includes(ctx.params.node)) return { members: [], phase: 0 };
  const step = Math.max(ctx.sim.taskDurationMs, 50);
  const age = Date.now() - run.appliedAt;
  return { members: run.nodes, phase: age < step ? 0 : age < 3 * step ? 1 : 2 };
}

function fabricNodeKey(fabric: string, node: string): string {
  return `${fabric}/${node}`;
}

export function sdnOperations(): Operation[] {
  return [
    op({
      method: 'PUT',
      path: '/cluster/sdn',
      name: 'reload',
      description: 'Apply sdn controller changes && reload.',
      parameters: {
        'lock-token': LOCK,
        'release-lock': opt(
          P.bool('When lock-token has been provided and configuration successfully committed, release the lock automatically afterwards', {
            default: 1,
          }),
        ),
      },
      returns: { type: 'string' },
      permissions: { check: ['perm', '/sdn', ['SDN.Allocate']] },
      protected: 1,
      handler: (ctx) => {
        const sdn = ctx.sim.state.sdn;
        return ctx.sim.tasks.start({
          node: ctx.sim.state.nodes[0].node,
          type: 'reloadnetworkall',
          id: '',
          who: ctx.who,
          effect: () => {
            const running = new Map<string, { nodes: string[]; appliedAt: number }>();
            for (const f of sdn.fabrics.values()) {
              const nodes = [...sdn.fabricNodes.values()].filter((n) => n.fabric_id === f.id).map((n) => n.node_id);
              const before = sdn.running.fabrics.get(f.id);
              running.set(f.id, { nodes, appliedAt: before && before.nodes.join() === nodes.join() ? before.appliedAt : Date.now() });
            }
            sdn.running.fabrics = running;
            sdn.dirty = false;
            return ctx.sim.state.nodes.map((n) => `${n.node}: reloading network config`);
          },
        });
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/sdn/zones',
      name: 'index',
      description: 'SDN zones index.',
      parameters: {
        ...VIEW,
        type: opt(P.enum('Only list SDN zones of specific type', ['evpn', 'faucet', 'qinq', 'simple', 'vlan', 'vxlan'])),
      },
      returns: returns.array({ zone: P.str('Name of the zone.'), type: P.str('Type of the zone.') }, 'zone'),
      permissions: {
        description: "Only list entries where you have 'SDN.Audit' or 'SDN.Allocate' permissions on '/sdn/zones/<zone>'",
        user: 'all',
      },
      handler: (ctx) => {
        if (!sdnVisible(ctx)) return [];
        return [...ctx.sim.state.sdn.zones.entries()]
          .filter(([, z]) => !ctx.params.type || z.type === ctx.params.type)
          .map(([zone, z]) => ({ zone, ...z }));
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/sdn/vnets',
      name: 'index',
      description: 'SDN vnets index.',
      parameters: VIEW,
      returns: returns.array({ vnet: P.str('Name of the VNet.'), zone: P.str('Name of the zone this VNet belongs to.') }, 'vnet'),
      permissions: {
        description: "Only list entries where you have 'SDN.Audit' or 'SDN.Allocate' permissions on '/sdn/zones/<zone>/<vnet>'",
        user: 'all',
      },
      handler: (ctx) => (sdnVisible(ctx) ? [...ctx.sim.state.sdn.vnets.entries()].map(([vnet, v]) => ({ vnet, type: 'vnet', ...v })) : []),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/sdn/zones',
      name: 'index',
      description: 'Get status for all zones.',
      parameters: { node: P.node() },
      returns: returns.array(
        { zone: P.str('The SDN zone object identifier.'), status: P.enum('Status of zone', ['available', 'pending', 'error']) },
        'zone',
      ),
      permissions: { description: "Only list entries where you have 'SDN.Audit'", user: 'all' },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) =>
        [...ctx.sim.state.sdn.zones.keys()]
          .filter((zone) => hasPriv(ctx.who, `/sdn/zones/${zone}`, 'SDN.Audit'))
          .map((zone) => ({ zone, status: 'available' })),
    }),
    op({
      method: 'GET',
      path: '/cluster/sdn/fabrics/fabric',
      name: 'index',
      description: 'SDN Fabrics Index',
      parameters: VIEW,
      returns: returns.array({ id: FABRIC_ID(), protocol: PROTOCOL }),
      permissions: {
        description: "Only list entries where you have 'SDN.Audit' or 'SDN.Allocate' permissions on '/sdn/fabrics/<fabric>'",
        user: 'all',
      },
      handler: (ctx) => (sdnVisible(ctx) ? [...ctx.sim.state.sdn.fabrics.values()].map((f) => fabricRow(ctx, f)) : []),
    }),
    op({
      method: 'POST',
      path: '/cluster/sdn/fabrics/fabric',
      name: 'add_fabric',
      description: 'Add a fabric',
      parameters: { id: FABRIC_ID(), protocol: PROTOCOL, ...FABRIC_PROPS, digest: DIGEST, 'lock-token': LOCK },
      returns: returns.null,
      permissions: { check: ['perm', '/sdn/fabrics', ['SDN.Allocate']] },
      protected: 1,
      handler: (ctx) => {
        const sdn = ctx.sim.state.sdn;
        const id: string = ctx.params.id;
        if (ctx.params.digest && ctx.params.digest !== sdn.digest())
          throw new PveError(500, 'detected modified configuration - file changed by other user? Try again.\n');
        if (sdn.fabrics.has(id)) throw new PveError(500, `fabric with id ${id} already exists\n`);
        if (ctx.params.protocol === 'openfabric' && !ctx.params.ip_prefix && !ctx.params.ip6_prefix) {
          throw new PveError(500, 'openfabric fabric needs an ip_prefix or ip6_prefix\n');
        }
        sdn.fabrics.set(id, { id, protocol: ctx.params.protocol, props: pick(ctx.params, FABRIC_PROPS) });
        // PVE answers the fabric writes with an empty string, not null (as recorded).
        return '';
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/sdn/fabrics/fabric/{id}',
      name: 'get_fabric',
      description: 'Update a fabric',
      parameters: { id: FABRIC_ID() },
      returns: returns.object({ id: FABRIC_ID(), protocol: PROTOCOL }),
      permissions: { check: ['perm', '/sdn/fabrics/{id}', ['SDN.Audit', 'SDN.Allocate'], 'any', 1] },
      handler: (ctx) => fabricRow(ctx, fabricOr500(ctx, ctx.params.id)),
    }),
    op({
      method: 'DELETE',
      path: '/cluster/sdn/fabrics/fabric/{id}',
      name: 'delete_fabric',
      description: 'Add a fabric',
      parameters: { id: FABRIC_ID() },
      returns: returns.null,
      permissions: { check: ['perm', '/sdn/fabrics/{id}', ['SDN.Allocate']] },
      protected: 1,
      handler: (ctx) => {
        const sdn = ctx.sim.state.sdn;
        fabricOr500(ctx, ctx.params.id);
        sdn.fabrics.delete(ctx.params.id);
        for (const [key, n] of sdn.fabricNodes) if (n.fabric_id === ctx.params.id) sdn.fabricNodes.delete(key);
        return '';
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/sdn/fabrics/node/{fabric_id}',
      name: 'list_nodes_fabric',
      description: 'SDN Fabrics Index',
      parameters: { fabric_id: FABRIC_ID(), ...VIEW },
      returns: returns.array({ fabric_id: FABRIC_ID(), node_id: NODE_ID, protocol: PROTOCOL }),
      permissions: {
        check: ['perm', '/sdn/fabrics/{fabric_id}', ['SDN.Audit']],
        description: "Only returns nodes where you have 'Sys.Audit' or 'Sys.Modify' permissions.",
      },
      handler: (ctx) => {
        fabricOr500(ctx, ctx.params.fabric_id);
        return [...ctx.sim.state.sdn.fabricNodes.values()]
          .filter((n) => n.fabric_id === ctx.params.fabric_id && hasAnyPriv(ctx.who, `/nodes/${n.node_id}`, ['Sys.Audit', 'Sys.Modify']))
          .map((n) => nodeRow(ctx, n));
      },
    }),
    op({
      method: 'POST',
      path: '/cluster/sdn/fabrics/node/{fabric_id}',
      name: 'add_node',
      description: 'Add a node',
      parameters: { fabric_id: FABRIC_ID(), node_id: NODE_ID, protocol: PROTOCOL, ...NODE_PROPS, digest: DIGEST, 'lock-token': LOCK },
      returns: returns.null,
      permissions: { check: ['and', ['perm', '/sdn/fabrics/{fabric_id}', ['SDN.Allocate']], ['perm', '/nodes/{node_id}', ['Sys.Modify']]] },
      protected: 1,
      handler: (ctx) => {
        const sdn = ctx.sim.state.sdn;
        const f = fabricOr500(ctx, ctx.params.fabric_id);
        if (f.protocol !== ctx.params.protocol)
          throw new PveError(500, `fabric ${f.id} uses protocol ${f.protocol}, not ${ctx.params.protocol}\n`);
        const key = fabricNodeKey(f.id, ctx.params.node_id);
        if (sdn.fabricNodes.has(key)) throw new PveError(500, `node ${ctx.params.node_id} already exists in fabric ${f.id}\n`);
        if (!ctx.sim.state.node(ctx.params.node_id)) throw new PveError(500, `node ${ctx.params.node_id} is not a cluster member\n`);
        const ip: string | undefined = ctx.params.ip;
        if (ip && typeof f.props.ip_prefix === 'string' && !inPrefix(ip, f.props.ip_prefix)) {
          throw new PveError(500, `node ip ${ip} is outside of the fabric prefix ${f.props.ip_prefix}\n`);
        }
        for (const other of sdn.fabricNodes.values()) {
          if (ip && other.fabric_id === f.id && other.props.ip === ip)
            throw new PveError(500, `ip ${ip} is already used by node ${other.node_id} in fabric ${f.id}\n`);
        }
        sdn.fabricNodes.set(key, {
          fabric_id: f.id,
          node_id: ctx.params.node_id,
          protocol: f.protocol,
          props: pick(ctx.params, NODE_PROPS),
        });
        return '';
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/sdn/fabrics/node/{fabric_id}/{node_id}',
      name: 'get_node',
      description: 'Get a node',
      parameters: { fabric_id: FABRIC_ID(), node_id: NODE_ID },
      returns: returns.object({ fabric_id: FABRIC_ID(), node_id: NODE_ID, protocol: PROTOCOL }),
      permissions: {
        check: [
          'and',
          ['perm', '/sdn/fabrics/{fabric_id}', ['SDN.Audit', 'SDN.Allocate'], 'any', 1],
          ['perm', '/nodes/{node_id}', ['Sys.Audit', 'Sys.Modify'], 'any', 1],
        ],
      },
      handler: (ctx) => {
        const n = ctx.sim.state.sdn.fabricNodes.get(fabricNodeKey(ctx.params.fabric_id, ctx.params.node_id));
        if (!n) throw new PveError(500, `could not find node ${ctx.params.node_id} in fabric ${ctx.params.fabric_id}\n`);
        return nodeRow(ctx, n);
      },
    }),
    op({
      method: 'DELETE',
      path: '/cluster/sdn/fabrics/node/{fabric_id}/{node_id}',
      name: 'delete_node',
      description: 'Delete a node',
      parameters: { fabric_id: FABRIC_ID(), node_id: NODE_ID },
      returns: returns.null,
      permissions: { check: ['and', ['perm', '/sdn/fabrics/{fabric_id}', ['SDN.Allocate']], ['perm', '/nodes/{node_id}', ['Sys.Modify']]] },
      protected: 1,
      handler: (ctx) => {
        if (!ctx.sim.state.sdn.fabricNodes.delete(fabricNodeKey(ctx.params.fabric_id, ctx.params.node_id))) {
          throw new PveError(500, `could not find node ${ctx.params.node_id} in fabric ${ctx.params.fabric_id}\n`);
        }
        return '';
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/sdn/fabrics/{fabric}/interfaces',
      name: 'interfaces',
      description: 'Get all interfaces for a fabric.',
      parameters: { node: P.node(), fabric: FABRIC_ID() },
      returns: returns.array({
        name: P.str('The name of the network interface.'),
        state: P.str('The current state of the interface.'),
        type: P.str('The type of this interface in the fabric (e.g. Point-to-Point, Broadcast, ..).'),
      }),
      permissions: { check: ['perm', '/sdn/fabrics/{fabric}', ['SDN.Audit']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const { phase } = frrPhase(ctx, ctx.params.fabric);
        if (phase < 2) return [];
        const n = ctx.sim.state.sdn.fabricNodes.get(fabricNodeKey(ctx.params.fabric, ctx.params.node));
        const ifaces = ((n?.props.interfaces as string[] | undefined) ?? []).map(
          (i) => /(?:^|,)name=([^,]+)/.exec(i)?.[1] ?? i.split(',')[0],
        );
        return ifaces.map((name) => ({ name, state: 'up', type: 'Broadcast' }));
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/sdn/fabrics/{fabric}/neighbors',
      name: 'neighbors',
      description: 'Get all neighbors for a fabric.',
      parameters: { node: P.node(), fabric: FABRIC_ID() },
      returns: returns.array({
        neighbor: P.str('The IP or hostname of the neighbor.'),
        status: P.str('The status of the neighbor, as returned by FRR.'),
        uptime: P.str('The uptime of this neighbor, as returned by FRR (e.g. 8h24m12s).'),
      }),
      permissions: { check: ['perm', '/sdn/fabrics/{fabric}', ['SDN.Audit']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const { members, phase } = frrPhase(ctx, ctx.params.fabric);
        if (phase === 0) return [];
        const sdn = ctx.sim.state.sdn;
        const run = sdn.running.fabrics.get(ctx.params.fabric)!;
        const secs = Math.floor((Date.now() - run.appliedAt) / 1000);
        return members
          .filter((m) => m !== ctx.params.node)
          .map((m) => {
            const ip = String(sdn.fabricNodes.get(fabricNodeKey(ctx.params.fabric, m))?.props.ip ?? '');
            const neighbor = ip ? systemId(ip) : m;
            return phase === 1
              ? { neighbor, status: 'Initializing', uptime: '-' }
              : { neighbor, status: 'Up', uptime: `${Math.floor(secs / 60)}m${secs % 60}s` };
          });
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/sdn/fabrics/{fabric}/routes',
      name: 'routes',
      description: 'Get all routes for a fabric.',
      parameters: { node: P.node(), fabric: FABRIC_ID() },
      returns: returns.array({
        route: P.str('The CIDR block for this routing table entry.'),
        via: {
          type: 'array',
          description: 'A list of nexthops for that route.',
          items: { type: 'string', description: 'The IP address of the nexthop.' },
        },
      }),
      permissions: { check: ['perm', '/sdn/fabrics/{fabric}', ['SDN.Audit']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const { members, phase } = frrPhase(ctx, ctx.params.fabric);
        if (phase < 2) return [];
        const sdn = ctx.sim.state.sdn;
        return members
          .filter((m) => m !== ctx.params.node)
          .map((m) => String(sdn.fabricNodes.get(fabricNodeKey(ctx.params.fabric, m))?.props.ip ?? ''))
          .filter(Boolean)
          .map((ip) => ({ route: `${ip}/32`, via: [ip] }));
      },
    }),
  ];
}

function inPrefix(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const toInt = (a: string) => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || !/^\d+\.\d+\.\d+\.\d+$/.test(net)) return true;
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(net) / size);
}

import { hasAnyPriv, requirePriv } from '../access.js';
import type { RequestContext } from '../context.js';
import { crudOperations, type Item } from '../crud.js';
import { PveError, paramError } from '../errors.js';
import { P, opt, type Props } from '../params.js';
import { op, returns, type Operation } from '../schema.js';
import { index } from './common.js';

/** SDN zones, VNets with subnets, controllers, IPAMs and DNS plugins: pending until `PUT /cluster/sdn`. */

const LOCK = { 'lock-token': opt(P.str('the token for unlocking the global SDN configuration')) } satisfies Props;
const VIEW = { pending: opt(P.bool('Display pending config.')), running: opt(P.bool('Display running config.')) } satisfies Props;
const ZONE_TYPES = ['evpn', 'faucet', 'qinq', 'simple', 'vlan', 'vxlan'];

const ZONE_FIELDS = {
  bridge: opt(P.str('The bridge for which VLANs should be managed.')),
  tag: opt(P.int('Service-VLAN Tag (outer VLAN)', { minimum: 0 })),
  mtu: opt(P.int('MTU of the zone, will be used for the created VNet bridges.')),
  nodes: opt(P.str('Nodes where this zone should be created.', { format: 'pve-node-list' })),
  ipam: opt(P.str('use a specific ipam')),
  dns: opt(P.str('dns api server')),
  dnszone: opt(P.str('dns domain zone  ex: mydomain.com', { format: 'dns-name' })),
  reversedns: opt(P.str('reverse dns api server')),
  dhcp: opt(P.enum('Type of the DHCP backend for this zone', ['dnsmasq'])),
  peers: opt(P.str('Comma-separated list of peers, that are part of the VXLAN zone. Usually the IPs of the nodes.', { format: 'ip-list' })),
  controller: opt(P.str('Controller for this zone.')),
  'vrf-vxlan': opt(P.int('VNI for the zone VRF.', { minimum: 1, maximum: 16777215 })),
  'vlan-protocol': opt(
    P.enum('Which VLAN protocol should be used for the creation of the QinQ zone', ['802.1q', '802.1ad'], { default: '802.1q' }),
  ),
} satisfies Props;

const VNET_FIELDS = {
  zone: P.str('Name of the zone this VNet belongs to.'),
  tag: opt(P.int('VLAN Tag (for VLAN or QinQ zones) or VXLAN VNI (for VXLAN or EVPN zones).', { minimum: 1, maximum: 16777215 })),
  alias: opt(P.str('Alias name of the VNet.', { maxLength: 256 })),
  vlanaware: opt(P.bool('Allow VLANs to pass through this vnet.')),
  'isolate-ports': opt(P.bool('If true, sets the isolated property for all interfaces on the bridge of this VNet.')),
} satisfies Props;

const SUBNET_FIELDS = {
  gateway: opt(P.str('Subnet Gateway: Will be assign on vnet for layer3 zones', { format: 'ip' })),
  snat: opt(P.bool('enable masquerade for this subnet if pve-firewall')),
  dnszoneprefix: opt(P.str("dns domain zone prefix  ex: 'adm' -> <hostname>.adm.mydomain.com", { format: 'dns-name' })),
  'dhcp-range': opt({
    type: 'array',
    description: 'A list of DHCP ranges for this subnet',
    items: { type: 'string', description: 'start-address=<ip>,end-address=<ip>' },
  }),
  'dhcp-dns-server': opt(P.str('IP address for the DNS server', { format: 'ip' })),
} satisfies Props;

function sdnView(ctx: RequestContext, path: string): boolean {
  return hasAnyPriv(ctx.who, path, ['SDN.Audit', 'SDN.Allocate']);
}

/** Marks the SDN configuration as changed (the GUI shows "pending" until it is applied). */
function touched(ctx: RequestContext): void {
  ctx.sim.state.sdn.dirty = true;
}

const CIDR4 = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/;

function zonesOps(): Operation[] {
  return crudOperations({
    base: '/cluster/sdn/zones',
    key: 'zone',
    keySchema: P.str('The SDN zone object identifier.', { format: 'pve-sdn-zone-id' }),
    fields: ZONE_FIELDS,
    createOnly: { type: P.enum('Plugin type.', ZONE_TYPES, { format: 'pve-configid' }), ...LOCK },
    updateOnly: LOCK,
    readParams: VIEW,
    deleteParams: LOCK,
    deleteKeys: true,
    digest: true,
    noun: 'sdn zone',
    names: { create: 'create', read: 'read', update: 'update', delete: 'delete' },
    perms: {
      create: { check: ['perm', '/sdn/zones', ['SDN.Allocate']] },
      read: { check: ['perm', '/sdn/zones/{zone}', ['SDN.Allocate']] },
      update: { check: ['perm', '/sdn/zones/{zone}', ['SDN.Allocate']] },
      delete: { check: ['perm', '/sdn/zones/{zone}', ['SDN.Allocate']] },
    },
    store: (ctx) => ctx.sim.state.sdn.zones as Map<string, Item>,
    hooks: {
      validate: (ctx, item, before, id) => {
        if (!/^[a-z][a-z0-9]{0,7}$/.test(id))
          throw paramError({ zone: 'invalid sdn zone ID (at most 8 lowercase letters and digits, starting with a letter)' });
        const t = String(item.type);
        if ((t === 'vlan' || t === 'qinq') && !item.bridge)
          throw paramError({ bridge: `property is missing and it is not optional (for ${t} zones)` });
        if (item.bridge !== undefined) {
          const known = [...ctx.sim.state.nodeFacts.values()].some((f) => f.network.current.has(String(item.bridge)));
          if (!known) throw paramError({ bridge: `bridge '${String(item.bridge)}' does not exist on any node` });
        }
        if (t === 'vxlan' && !item.peers) throw paramError({ peers: 'property is missing and it is not optional (for vxlan zones)' });
        if (t === 'evpn' && !item.controller)
          throw paramError({ controller: 'property is missing and it is not optional (for evpn zones)' });
        if (item.controller !== undefined && !ctx.sim.collections.get('/cluster/sdn/controllers').has(String(item.controller)))
          throw paramError({ controller: `controller '${String(item.controller)}' does not exist` });
        if (item.ipam !== undefined && !ctx.sim.collections.get('/cluster/sdn/ipams').has(String(item.ipam)))
          throw paramError({ ipam: `ipam '${String(item.ipam)}' does not exist` });
        void before;
        touched(ctx);
      },
      deleting: (ctx, _item, id) => {
        const user = [...ctx.sim.state.sdn.vnets].find(([, v]) => v.zone === id);
        if (user) throw new PveError(500, `Can't delete zone '${id}' - vnet '${user[0]}' is using it`);
        touched(ctx);
      },
    },
  });
}

function vnetOps(): Operation[] {
  const zoneOf = (ctx: RequestContext, vnet: string) => String(ctx.sim.state.sdn.vnets.get(vnet)?.zone ?? '');
  return [
    ...crudOperations({
      base: '/cluster/sdn/vnets',
      key: 'vnet',
      keySchema: P.str('The SDN vnet object identifier.', { format: 'pve-sdn-vnet-id' }),
      fields: VNET_FIELDS,
      createOnly: { type: opt(P.enum('Type', ['vnet'])), ...LOCK },
      updateOnly: LOCK,
      readParams: VIEW,
      deleteParams: LOCK,
      deleteKeys: true,
      digest: true,
      noun: 'sdn vnet',
      names: { create: 'create', read: 'read', update: 'update', delete: 'delete' },
      perms: {
        create: { check: ['perm', '/sdn/zones/{zone}', ['SDN.Allocate']] },
        read: { description: "Require 'SDN.Audit' or 'SDN.Allocate' permissions on '/sdn/zones/<zone>/<vnet>'", user: 'all' },
        update: { description: "Require 'SDN.Allocate' permission on '/sdn/zones/<zone>/<vnet>'", user: 'all' },
        delete: { description: "Require 'SDN.Allocate' permission on '/sdn/zones/<zone>/<vnet>'", user: 'all' },
      },
      store: (ctx) => ctx.sim.state.sdn.vnets as Map<string, Item>,
      hooks: {
        read: (ctx, item, id) => {
          if (!sdnView(ctx, `/sdn/zones/${zoneOf(ctx, id)}/${id}`))
            throw new PveError(403, `Permission check failed (/sdn/zones/${zoneOf(ctx, id)}/${id}, SDN.Audit|SDN.Allocate)`);
          return { vnet: id, type: 'vnet', ...item };
        },
        validate: (ctx, item, before, id) => {
          if (before) requirePriv(ctx.who, `/sdn/zones/${String(before.zone)}/${id}`, 'SDN.Allocate');
          if (!/^[a-z][a-z0-9]{1,7}$/.test(id))
            throw paramError({ vnet: 'invalid sdn vnet ID (2-8 lowercase letters and digits, starting with a letter)' });
          const zone = ctx.sim.state.sdn.zones.get(String(item.zone));
          if (!zone) throw paramError({ zone: `zone '${String(item.zone)}' does not exist` });
          if (['vlan', 'qinq', 'vxlan', 'evpn'].includes(String(zone.type)) && item.tag === undefined)
            throw paramError({ tag: `missing vlan tag` });
          if (zone.type === 'simple' && item.tag !== undefined) throw paramError({ tag: 'simple zones do not use tags' });
          if (zone.type === 'vlan' && Number(item.tag) > 4094) throw paramError({ tag: 'vlan tag must be 1 - 4094' });
          const clash = [...ctx.sim.state.sdn.vnets].find(
            ([other, v]) => other !== id && v.zone === item.zone && item.tag !== undefined && v.tag === item.tag,
          );
          if (clash) throw paramError({ tag: `tag ${String(item.tag)} already exists in vnet: ${clash[0]}` });
          touched(ctx);
        },
        deleting: (ctx, item, id) => {
          requirePriv(ctx.who, `/sdn/zones/${String(item.zone)}/${id}`, 'SDN.Allocate');
          if ([...ctx.sim.collections.get(`/cluster/sdn/vnets/${id}/subnets`).keys()].length)
            throw new PveError(500, `Can't delete vnet '${id}' - it still has subnets`);
          const user = [...ctx.sim.state.guests.values()].find((g) =>
            Object.entries(g.config).some(([k, v]) => /^net\d+$/.test(k) && String(v).includes(`bridge=${id}`)),
          );
          if (user) throw new PveError(500, `Can't delete vnet '${id}' - it is used by guest ${user.vmid}`);
          touched(ctx);
        },
      },
    }),
    ...relaxVnetOnUpdate(
      crudOperations({
        base: '/cluster/sdn/vnets/{vnet}/subnets',
        key: 'subnet',
        keySchema: P.str('The SDN subnet object identifier.', { format: 'pve-sdn-subnet-id' }),
        scope: { vnet: P.str('The SDN vnet object identifier.', { format: 'pve-sdn-vnet-id' }) },
        normalizeKey: (ctx, raw) => {
          const m = CIDR4.exec(raw);
          if (!m) return raw;
          return `${zoneOf(ctx, ctx.params.vnet)}-${m[1]}-${m[2]}`;
        },
        fields: SUBNET_FIELDS,
        createOnly: { type: P.enum('', ['subnet']), ...LOCK },
        updateOnly: LOCK,
        listParams: VIEW,
        readParams: VIEW,
        deleteParams: LOCK,
        deleteKeys: true,
        digest: true,
        noun: 'sdn subnet',
        names: { list: 'index', create: 'create', read: 'read', update: 'update', delete: 'delete' },
        perms: {
          list: { description: "Require 'SDN.Audit' or 'SDN.Allocate' permissions on '/sdn/zones/<zone>/<vnet>'", user: 'all' },
          create: { description: "Require 'SDN.Allocate' permission on '/sdn/zones/<zone>/<vnet>'", user: 'all' },
          read: { description: "Require 'SDN.Audit' or 'SDN.Allocate' permissions on '/sdn/zones/<zone>/<vnet>'", user: 'all' },
          update: { description: "Require 'SDN.Allocate' permission on '/sdn/zones/<zone>/<vnet>'", user: 'all' },
          delete: { description: "Require 'SDN.Allocate' permission on '/sdn/zones/<zone>/<vnet>'", user: 'all' },
        },
        hooks: {
          visible: (ctx) => sdnView(ctx, `/sdn/zones/${zoneOf(ctx, ctx.params.vnet)}/${ctx.params.vnet}`),
          validate: (ctx, item, before, id) => {
            const vnet: string = ctx.params.vnet;
            if (!ctx.sim.state.sdn.vnets.has(vnet)) throw new PveError(500, `vnet '${vnet}' does not exist`);
            requirePriv(ctx.who, `/sdn/zones/${zoneOf(ctx, vnet)}/${vnet}`, 'SDN.Allocate');
            const m = /^[a-z0-9]+-(\d{1,3}(?:\.\d{1,3}){3})-(\d{1,2})$/.exec(id);
            if (!m) throw paramError({ subnet: `invalid subnet '${id}' (expected a CIDR like 10.0.0.0/24)` });
            const [a, b, c, d] = m[1].split('.').map(Number);
            const mask = Number(m[2]);
            if ([a, b, c, d].some((x) => x > 255) || mask > 32) throw paramError({ subnet: `invalid subnet '${m[1]}/${m[2]}'` });
            const net = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
            const size = 2 ** (32 - mask);
            if (net % size !== 0) throw paramError({ subnet: `${m[1]}/${m[2]} is not a network address` });
            if (item.gateway !== undefined) {
              const g = String(item.gateway).split('.').map(Number);
              const gw = ((g[0] << 24) | (g[1] << 16) | (g[2] << 8) | g[3]) >>> 0;
              if (g.length !== 4 || gw < net || gw >= net + size)
                throw paramError({ gateway: `gateway ${String(item.gateway)} is not in subnet ${m[1]}/${m[2]}` });
            }
            if (!before) item.cidr = `${m[1]}/${m[2]}`;
            item.vnet = vnet;
            item.network = m[1];
            item.mask = mask;
            item.zone = zoneOf(ctx, vnet);
            touched(ctx);
          },
          deleting: (ctx) => {
            requirePriv(ctx.who, `/sdn/zones/${zoneOf(ctx, ctx.params.vnet)}/${ctx.params.vnet}`, 'SDN.Allocate');
            touched(ctx);
          },
          read: (ctx, item, id) => {
            if (!sdnView(ctx, `/sdn/zones/${zoneOf(ctx, ctx.params.vnet)}/${ctx.params.vnet}`))
              throw new PveError(
                403,
                `Permission check failed (/sdn/zones/${zoneOf(ctx, ctx.params.vnet)}/${ctx.params.vnet}, SDN.Audit|SDN.Allocate)`,
              );
            return { subnet: id, type: 'subnet', ...item };
          },
        },
      }),
    ),
  ];
}

/** PVE declares `vnet` optional on the subnet update although it is in the path. */
function relaxVnetOnUpdate(ops: Operation[]): Operation[] {
  for (const o of ops)
    if (o.method === 'PUT' && o.path.endsWith('/subnets/{subnet}')) o.parameters = { ...o.parameters, vnet: opt(o.parameters.vnet) };
  return ops;
}

function pluginOps(
  kind: 'controllers' | 'ipams' | 'dns',
  key: string,
  types: string[],
  fields: Props,
  required: Record<string, string[]>,
  readPerm: 'item' | 'list' = 'item',
): Operation[] {
  const noun = { controllers: 'sdn controller', ipams: 'sdn ipam', dns: 'sdn dns' }[kind];
  return crudOperations({
    base: `/cluster/sdn/${kind}`,
    key,
    keySchema: P.str(`The SDN ${key} object identifier.`, { format: `pve-sdn-${key}-id` }),
    fields,
    createOnly: { type: P.enum('Plugin type.', types, { format: 'pve-configid' }), ...LOCK },
    updateOnly: LOCK,
    readParams: kind === 'controllers' ? VIEW : {},
    listParams: { ...(kind === 'controllers' ? VIEW : {}), type: opt(P.enum(`Only list sdn ${kind} of specific type`, types)) },
    deleteParams: LOCK,
    deleteKeys: true,
    digest: true,
    noun,
    names: { list: 'index', create: 'create', read: 'read', update: 'update', delete: 'delete' },
    perms: {
      list: {
        description: `Only list entries where you have 'SDN.Audit' or 'SDN.Allocate' permissions on '/sdn/${kind}/<${key}>'`,
        user: 'all',
      },
      create: { check: ['perm', `/sdn/${kind}`, ['SDN.Allocate']] },
      read: { check: ['perm', readPerm === 'item' ? `/sdn/${kind}/{${key}}` : `/sdn/${kind}`, ['SDN.Allocate']] },
      update: { check: ['perm', `/sdn/${kind}`, ['SDN.Allocate']] },
      delete: { check: ['perm', `/sdn/${kind}`, ['SDN.Allocate']] },
    },
    hooks: {
      visible: (ctx, item, id) => sdnView(ctx, `/sdn/${kind}/${id}`) && (!ctx.params.type || item.type === ctx.params.type),
      validate: (ctx, item) => {
        for (const f of required[String(item.type)] ?? [])
          if (item[f] === undefined) throw paramError({ [f]: `property is missing and it is not optional (for ${String(item.type)})` });
        if (item.url !== undefined && !/^https?:\/\/[^\s]+$/.test(String(item.url))) throw paramError({ url: 'must be an http(s) URL' });
        touched(ctx);
      },
      deleting: (ctx, _item, id) => {
        const field = { controllers: 'controller', ipams: 'ipam', dns: 'dns' }[kind];
        const user = [...ctx.sim.state.sdn.zones].find(([, z]) => z[field] === id || (kind === 'dns' && z.reversedns === id));
        if (user) throw new PveError(500, `Can't delete ${noun} '${id}' - zone '${user[0]}' is using it`);
        if (kind === 'ipams' && id === 'pve') throw new PveError(500, "Can't delete the built-in 'pve' ipam");
        touched(ctx);
      },
      row: (_ctx, item) => Object.fromEntries(Object.entries(item).filter(([k]) => k !== 'token' && k !== 'key')),
    },
  });
}

export function sdnConfigOperations(): Operation[] {
  return [
    op({
      method: 'GET',
      path: '/cluster/sdn',
      name: 'index',
      description: 'Directory index.',
      returns: returns.array({ id: P.str('') }, 'id'),
      permissions: { check: ['perm', '/sdn', ['SDN.Audit']] },
      handler: () => index(['vnets', 'zones', 'controllers', 'ipams', 'dns', 'fabrics'], 'id'),
    }),
    ...zonesOps(),
    ...vnetOps(),
    ...pluginOps(
      'controllers',
      'controller',
      ['bgp', 'evpn', 'faucet', 'isis'],
      {
        asn: opt(P.int('autonomous system number', { minimum: 0, maximum: 4294967296 })),
        peers: opt(P.str('peers address list.', { format: 'ip-list' })),
        node: opt(P.node('The cluster node name.')),
        ebgp: opt(P.bool('Enable eBGP (remote-as external).')),
        loopback: opt(P.str('Source loopback interface.')),
        'isis-domain': opt(P.str('Name of the IS-IS domain.')),
        'isis-ifaces': opt(P.str('Comma-separated list of interfaces where IS-IS should be active.', { format: 'pve-iface-list' })),
        'isis-net': opt(P.str('Network Entity title for this node in the IS-IS network.', { format: 'pve-sdn-isis-net' })),
      },
      { evpn: ['asn', 'peers'], bgp: ['asn', 'node'], isis: ['isis-domain', 'isis-ifaces', 'isis-net', 'node'] },
    ),
    ...pluginOps(
      'ipams',
      'ipam',
      ['netbox', 'phpipam', 'pve'],
      {
        url: opt(P.str('')),
        token: opt(P.str('')),
        section: opt(P.int('')),
        fingerprint: opt(P.str('Certificate SHA 256 fingerprint.', { pattern: '([A-Fa-f0-9]{2}:){31}[A-Fa-f0-9]{2}' })),
      },
      { netbox: ['url', 'token'], phpipam: ['url', 'token', 'section'] },
    ),
    ...pluginOps(
      'dns',
      'dns',
      ['powerdns'],
      {
        url: P.str(''),
        key: P.str(''),
        ttl: opt(P.int('')),
        reversemaskv6: opt(P.int('')),
        fingerprint: opt(P.str('Certificate SHA 256 fingerprint.', { pattern: '([A-Fa-f0-9]{2}:){31}[A-Fa-f0-9]{2}' })),
      },
      {},
    ),
  ];
}

import { createHash } from 'node:crypto';
import { hasPriv } from '../access.js';
import type { RequestContext } from '../context.js';
import { PveError } from '../errors.js';
import { P, opt } from '../params.js';
import { op, type Operation } from '../schema.js';
import { PVE_VERSION, type NodeDef } from '../state.js';
import { guestResource, index, now } from './common.js';

function nodeUsage(ctx: RequestContext, n: NodeDef) {
  const guests = [...ctx.sim.state.guests.values()].filter((g) => g.node === n.node && g.power !== 'stopped');
  const mem = 3_221_225_472 + guests.length * 1_073_741_824;
  return {
    cpu: Number((0.02 + guests.length * 0.011).toFixed(6)),
    mem: Math.min(mem, n.maxmem - 1),
    disk: 9_663_676_416 + n.id * 104_857_600,
    uptime: now() - n.bootedAt,
  };
}

function fingerprint(node: string): string {
  return createHash('sha256').update(`simlab-${node}`).digest('hex').toUpperCase().match(/../g)!.join(':');
}

function nodeResource(ctx: RequestContext, n: NodeDef): Record<string, unknown> {
  const base = { id: `node/${n.node}`, type: 'node', node: n.node };
  if (ctx.sim.faults.offlineNodes.has(n.node))
    return { ...base, status: 'offline', level: '', maxcpu: n.maxcpu, maxmem: n.maxmem, maxdisk: n.maxdisk, 'cgroup-mode': 2 };
  return {
    ...base,
    status: 'online',
    level: '',
    'cgroup-mode': 2,
    hastate: 'online',
    maxcpu: n.maxcpu,
    maxmem: n.maxmem,
    maxdisk: n.maxdisk,
    ...nodeUsage(ctx, n),
  };
}

export function clusterOperations(): Operation[] {
  return [
    op({
      method: 'GET',
      path: '/version',
      name: 'version',
      description: 'API version details, including some parts of the global datacenter config.',
      returns: {
        type: 'object',
        properties: {
          release: P.str('The current Proxmox VE point release in `x.y` format.'),
          repoid: P.str('The short git revision from which this version was build.'),
          version: P.str('The full pve-manager package version of this node.'),
        },
      },
      permissions: { user: 'all' },
      handler: () => ({ ...PVE_VERSION }),
    }),
    op({
      method: 'GET',
      path: '/cluster/status',
      name: 'get_status',
      description: 'Get cluster status information.',
      returns: {
        type: 'array',
        items: {
          type: 'object',
          properties: { id: { type: 'string' }, name: { type: 'string' }, type: { type: 'string', enum: ['cluster', 'node'] } },
        },
      },
      permissions: { check: ['perm', '/', ['Sys.Audit']] },
      protected: 1,
      handler: (ctx) => {
        const state = ctx.sim.state;
        const online = state.nodes.filter((n) => !ctx.sim.faults.offlineNodes.has(n.node)).length;
        return [
          {
            type: 'cluster',
            id: 'cluster',
            name: state.clusterName,
            nodes: state.nodes.length,
            quorate: online * 2 > state.nodes.length ? 1 : 0,
            version: 3,
          },
          ...state.nodes.map((n) => ({
            type: 'node',
            id: `node/${n.node}`,
            name: n.node,
            nodeid: n.id,
            ip: n.ip,
            level: '',
            local: n.node === 'pve1' ? 1 : 0,
            online: ctx.sim.faults.offlineNodes.has(n.node) ? 0 : 1,
          })),
        ];
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/resources',
      name: 'resources',
      description: 'Resources index (cluster wide).',
      parameters: { type: opt(P.enum('Resource type.', ['vm', 'storage', 'node', 'sdn'])) },
      returns: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: P.str('Resource id.'),
            type: P.enum('Resource type.', ['node', 'storage', 'pool', 'qemu', 'lxc', 'openvz', 'sdn', 'network']),
          },
        },
      },
      permissions: { user: 'all' },
      handler: (ctx) => {
        const state = ctx.sim.state;
        const want: string | undefined = ctx.params.type;
        const offline = ctx.sim.faults.offlineNodes;
        const rows: unknown[] = [];
        if (!want || want === 'node')
          for (const n of state.nodes) if (hasPriv(ctx.who, `/nodes/${n.node}`, 'Sys.Audit')) rows.push(nodeResource(ctx, n));
        if (!want || want === 'vm') {
          for (const g of state.guests.values())
            if (hasPriv(ctx.who, `/vms/${g.vmid}`, 'VM.Audit')) rows.push(guestResource(state, g, offline.has(g.node)));
        }
        if (!want || want === 'storage') {
          for (const n of state.nodes) {
            for (const s of state.storages) {
              if (!hasPriv(ctx.who, `/storage/${s.storage}`, 'Datastore.Audit')) continue;
              const row: Record<string, unknown> = {
                id: `storage/${n.node}/${s.storage}`,
                type: 'storage',
                storage: s.storage,
                node: n.node,
                plugintype: s.type,
                content: s.content.join(','),
                shared: s.shared,
              };
              if (offline.has(n.node)) row.status = 'unknown';
              else Object.assign(row, { status: 'available', disk: state.usedBytes(s, n.node), maxdisk: s.total });
              rows.push(row);
            }
          }
        }
        if (!want || want === 'sdn') {
          for (const n of state.nodes) {
            rows.push({
              id: `network/${n.node}/zone/localnetwork`,
              type: 'network',
              'network-type': 'zone',
              network: 'localnetwork',
              node: n.node,
              status: offline.has(n.node) ? 'unknown' : 'ok',
            });
          }
        }
        if (!want) {
          for (const p of state.pools.values())
            if (hasPriv(ctx.who, `/pool/${p.poolid}`, 'Pool.Audit')) rows.push({ id: `pool/${p.poolid}`, type: 'pool', pool: p.poolid });
        }
        return rows;
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/nextid',
      name: 'nextid',
      description: 'Get next free VMID. Pass a VMID to assert that its free (at time of check).',
      parameters: { vmid: opt(P.vmid()) },
      returns: { type: 'integer', description: 'The next free VMID.' },
      permissions: { user: 'all' },
      handler: (ctx) => {
        const vmid: number | undefined = ctx.params.vmid;
        if (vmid !== undefined) {
          if (ctx.sim.state.guests.has(vmid))
            throw new PveError(400, 'Parameter verification failed.', { vmid: `VM ${vmid} already exists` });
          return String(vmid);
        }
        return String(ctx.sim.state.nextId());
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/log',
      name: 'log',
      description: 'Read cluster log',
      parameters: { max: opt(P.int('Maximum number of entries.', { minimum: 1 })) },
      returns: { type: 'array', items: { type: 'object', properties: {} } },
      permissions: { description: "The user needs 'Sys.Syslog' on '/' in order to get all logs.", user: 'all' },
      handler: (ctx) => {
        const max: number = ctx.params.max ?? 50;
        // Without Sys.Syslog on '/', PVE shows a user only their own entries.
        const all = hasPriv(ctx.who, '/', 'Sys.Syslog');
        return [...ctx.sim.state.clusterLog]
          .filter((e) => all || e.user === ctx.who.userid || e.user.startsWith(`${ctx.who.userid}!`))
          .sort((a, b) => b.time - a.time || b.uid - a.uid)
          .slice(0, max)
          .map((e) => ({ ...e, id: `${e.uid}:${e.time}:${e.node}` }));
      },
    }),
    op({
      method: 'GET',
      path: '/nodes',
      name: 'index',
      description: 'Cluster node index.',
      returns: {
        type: 'array',
        items: {
          type: 'object',
          properties: { node: { type: 'string', format: 'pve-node' }, status: { type: 'string', enum: ['unknown', 'online', 'offline'] } },
        },
        links: [{ rel: 'child', href: '{node}' }],
      },
      permissions: { user: 'all' },
      handler: (ctx) =>
        ctx.sim.state.nodes.map((n) => {
          const r = nodeResource(ctx, n);
          delete r.hastate;
          delete r['cgroup-mode'];
          if (r.status === 'online') r.ssl_fingerprint = fingerprint(n.node);
          return r;
        }),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}',
      name: 'index',
      description: 'Node index.',
      parameters: { node: P.node() },
      returns: { type: 'array', items: { type: 'object', properties: {} }, links: [{ rel: 'child', href: '{name}' }] },
      permissions: { user: 'all' },
      handler: (ctx) => {
        if (!ctx.sim.state.node(ctx.params.node))
          throw new PveError(
            500,
            `hostname lookup '${ctx.params.node}' failed - failed to get address info for: ${ctx.params.node}: Name or service not known`,
          );
        return index(
          [
            'apt',
            'capabilities',
            'ceph',
            'certificates',
            'config',
            'disks',
            'dns',
            'firewall',
            'hosts',
            'lxc',
            'network',
            'qemu',
            'report',
            'rrd',
            'rrddata',
            'scan',
            'sdn',
            'services',
            'spiceshell',
            'status',
            'storage',
            'subscription',
            'syslog',
            'tasks',
            'termproxy',
            'time',
            'version',
            'vncshell',
            'vzdump',
            'wakeonlan',
          ],
          'name',
        );
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/status',
      name: 'status',
      description: 'Read node status',
      parameters: { node: P.node() },
      returns: {
        type: 'object',
        additionalProperties: 1,
        properties: {
          uptime: { type: 'integer', description: 'Node uptime in seconds.' },
          cpu: { type: 'number', description: 'The current cpu usage.' },
          // As PVE 9 documents them: sizes said "in bytes" in the description, with no renderer hint.
          memory: {
            type: 'object',
            properties: Object.fromEntries(
              ['available', 'free', 'total', 'used'].map((k) => [k, { type: 'integer', description: `The ${k} memory in bytes.` }]),
            ),
          },
          rootfs: {
            type: 'object',
            properties: Object.fromEntries(
              ['avail', 'free', 'total', 'used'].map((k) => [
                k,
                { type: 'integer', description: `The ${k} bytes of the root filesystem.` },
              ]),
            ),
          },
        },
      } as Record<string, unknown>,
      permissions: { check: ['perm', '/nodes/{node}', ['Sys.Audit']] },
      proxyto: 'node',
      handler: (ctx) => {
        const n = ctx.sim.state.node(ctx.params.node)!;
        const u = nodeUsage(ctx, n);
        return {
          uptime: u.uptime,
          idle: 0,
          cpu: u.cpu,
          wait: 0.0012,
          loadavg: ['0.42', '0.37', '0.31'],
          cpuinfo: {
            model: 'AMD EPYC 7313P 16-Core Processor',
            cores: 16,
            cpus: n.maxcpu,
            sockets: 1,
            mhz: '2999.998',
            hvm: '1',
            user_hz: 100,
            flags: 'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov svm',
          },
          memory: { total: n.maxmem, used: u.mem, free: n.maxmem - u.mem, available: n.maxmem - u.mem },
          swap: { total: 8589930496, used: 0, free: 8589930496 },
          rootfs: { total: n.maxdisk, used: u.disk, free: n.maxdisk - u.disk, avail: n.maxdisk - u.disk - 5_368_709_120 },
          ksm: { shared: 0 },
          kversion: 'Linux 6.14.8-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 (2025-07-22T10:04Z)',
          'current-kernel': {
            sysname: 'Linux',
            release: '6.14.8-2-pve',
            version: '#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 (2025-07-22T10:04Z)',
            machine: 'x86_64',
          },
          'boot-info': { mode: 'efi', secureboot: 0 },
          pveversion: `pve-manager/${PVE_VERSION.version}/${PVE_VERSION.repoid}`,
        };
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/version',
      name: 'version',
      description: 'API version details',
      parameters: { node: P.node() },
      returns: {
        type: 'object',
        properties: {
          release: P.str('The current installed Proxmox VE Release'),
          repoid: P.str('The short git commit hash ID from which this version was build'),
          version: P.str('The current installed pve-manager package version'),
        },
      },
      permissions: { user: 'all' },
      proxyto: 'node',
      handler: () => ({ ...PVE_VERSION }),
    }),
  ];
}

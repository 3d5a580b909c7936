import { crudOperations } from '../crud.js';
import { PveError, paramError } from '../errors.js';
import { P, opt, type Props } from '../params.js';
import { op, returns, type Operation } from '../schema.js';
import { index, now } from './common.js';

const AUDIT = { check: ['perm', '/', ['Sys.Audit']] };
const MODIFY = { check: ['perm', '/', ['Sys.Modify']] };

const FIELDS = {
  server: P.str('server dns name or IP address', { format: 'address' }),
  port: P.int('server network port', { minimum: 1, maximum: 65536 }),
  disable: opt(P.bool('Flag to disable the plugin.')),
  mtu: opt(P.int('MTU for metrics transmission over UDP', { minimum: 512, maximum: 65536, default: 1500 })),
  timeout: opt(P.int('graphite TCP socket timeout (default=1)', { minimum: 0, default: 1 })),
  path: opt(P.str('root graphite path (ex: proxmox.mycluster.mykey)', { format: 'graphite-path' })),
  proto: opt(P.enum('Protocol to send graphite data. TCP or UDP (default)', ['udp', 'tcp'])),
  influxdbproto: opt(P.enum('', ['udp', 'http', 'https'], { default: 'udp' })),
  bucket: opt(P.str('The InfluxDB bucket/db. Only necessary when using the http v2 api.')),
  organization: opt(
    P.str('The InfluxDB organization. Only necessary when using the http v2 api. Has no meaning when using v2 compatibility api.'),
  ),
  token: opt(
    P.str(
      "The InfluxDB access token. Only necessary when using the http v2 api. If the v2 compatibility api is used, use 'user:password' instead.",
    ),
  ),
  'verify-certificate': opt(P.bool('Set to 0 to disable certificate verification for https endpoints.', { default: 1 })),
  'max-body-size': opt(P.int('InfluxDB max-body-size in bytes. Requests are batched up to this size.', { minimum: 1, default: 25000000 })),
} satisfies Props;

export function metricsOperations(): Operation[] {
  return [
    op({
      method: 'GET',
      path: '/cluster/metrics',
      name: 'index',
      description: 'Metrics index.',
      returns: returns.array({}),
      permissions: { user: 'all' },
      handler: () => index(['server', 'export']),
    }),
    ...crudOperations({
      base: '/cluster/metrics/server',
      key: 'id',
      keySchema: P.str('The ID of the entry.', { format: 'pve-configid' }),
      fields: FIELDS,
      updateFields: FIELDS,
      createOnly: { type: P.enum('Plugin type.', ['graphite', 'influxdb', 'opentelemetry'], { format: 'pve-configid' }) },
      createAt: 'item',
      deleteKeys: true,
      digest: true,
      noun: 'metric server',
      names: { list: 'server_index', create: 'create', read: 'read', update: 'update', delete: 'delete' },
      perms: { list: AUDIT, create: MODIFY, read: AUDIT, update: MODIFY, delete: MODIFY },
      hooks: {
        validate: (_ctx, item) => {
          if (item.type !== 'graphite' && (item.path !== undefined || item.proto !== undefined))
            throw paramError({ path: `'path' and 'proto' only apply to graphite servers` });
          if (
            item.type !== 'influxdb' &&
            (item.bucket !== undefined || item.organization !== undefined || item.influxdbproto !== undefined)
          )
            throw paramError({ bucket: `'bucket', 'organization' and 'influxdbproto' only apply to InfluxDB servers` });
        },
        row: (_ctx, item) => ({ type: item.type, server: item.server, port: item.port, disable: item.disable ?? 0 }),
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/metrics/export',
      name: 'export',
      description: 'Retrieve metrics of the cluster.',
      parameters: {
        history: opt(
          P.bool('Also return historic values. Returns full available metric history unless `start-time` is also set', { default: 0 }),
        ),
        'local-only': opt(P.bool('Only return metrics for the current node instead of the whole cluster', { default: 0 })),
        'start-time': opt(P.int('Only include metrics with a timestamp > start-time.', { default: 0 })),
      },
      returns: { type: 'object', properties: { data: { type: 'array', items: { type: 'object' } } } },
      permissions: AUDIT,
      handler: (ctx) => {
        const state = ctx.sim.state;
        const t = now();
        if ((ctx.params['start-time'] ?? 0) > t) throw new PveError(400, "'start-time' lies in the future");
        const data: unknown[] = [];
        const nodes = ctx.params['local-only'] ? state.nodes.slice(0, 1) : state.nodes;
        for (const n of nodes) {
          data.push({ id: `node/${n.node}`, metric: 'cpu_current', timestamp: t, type: 'gauge', value: 0.04 + n.id / 100 });
          data.push({ id: `node/${n.node}`, metric: 'mem_total', timestamp: t, type: 'gauge', value: n.maxmem });
          for (const g of state.guests.values()) {
            if (g.node !== n.node) continue;
            data.push({
              id: `${g.type}/${g.vmid}`,
              metric: 'cpu_current',
              timestamp: t,
              type: 'gauge',
              value: g.power === 'stopped' ? 0 : (g.vmid % 13) / 100,
            });
          }
        }
        return { data };
      },
    }),
  ];
}

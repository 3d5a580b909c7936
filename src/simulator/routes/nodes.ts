import { createHash, createHmac, randomBytes } from 'node:crypto';
import { requirePriv } from '../access.js';
import type { RequestContext } from '../context.js';
import { PveError, paramError } from '../errors.js';
import { P, opt, type PropSchema, type Props, scalarsOf, type WireParams } from '../params.js';
import { op, returns, taskOp, type Operation } from '../schema.js';
import { now } from './common.js';

const CONFIG_KEYS = [
  'acme',
  'acmedomain0',
  'acmedomain1',
  'acmedomain2',
  'acmedomain3',
  'acmedomain4',
  'acmedomain5',
  'ballooning-target',
  'description',
  'location',
  'startall-onboot-delay',
  'wakeonlan',
];

const ACME = {
  type: 'string',
  description: 'Node specific ACME settings.',
  format: {
    account: { type: 'string', format: 'pve-configid', optional: 1, default: 'default', description: 'ACME account config file name.' },
    domains: {
      type: 'string',
      format: 'pve-acme-domain-list',
      optional: 1,
      description: "List of domains for this node's ACME certificate",
    },
  },
  typetext: '[account=<name>] [,domains=<domain[;domain;...]>]',
} satisfies PropSchema;
const ACME_DOMAIN = {
  type: 'string',
  description: 'ACME domain and validation plugin',
  format: {
    domain: { type: 'string', format: 'pve-acme-domain', default_key: 1, description: "domain for this node's ACME certificate" },
    alias: { type: 'string', format: 'pve-acme-alias', optional: 1, description: 'Alias for the Domain to verify ACME Challenge over DNS' },
    plugin: { type: 'string', format: 'pve-configid', optional: 1, default: 'standalone', description: 'The ACME plugin ID' },
  },
  typetext: '[domain=]<domain> [,alias=<domain>] [,plugin=<name of the plugin configuration>]',
} satisfies PropSchema;

const SET_PARAMS = {
  node: P.node(),
  acme: opt(ACME),
  'acmedomain[n]': opt(ACME_DOMAIN),
  'ballooning-target': opt(
    P.int('RAM usage target for ballooning (in percent of total memory)', { minimum: 0, maximum: 100, default: 80 }),
  ),
  delete: opt(P.str('A list of settings you want to delete.', { format: 'pve-configid-list' })),
  description: opt(
    P.str(
      'Description for the Node. Shown in the web-interface node notes panel. This is saved as comment inside the configuration file.',
      { maxLength: 65536 },
    ),
  ),
  digest: opt(
    P.str(
      'Prevent changes if current configuration file has different SHA1 digest. This can be used to prevent concurrent modifications.',
      { maxLength: 40 },
    ),
  ),
  location: opt({
    type: 'string',
    description: 'The location of the node. Overrides the default from the datacenter config.',
    format: {
      latitude: { type: 'number', minimum: -90, maximum: 90, description: 'The latitude of the nodes location in degrees.' },
      longitude: { type: 'number', minimum: -180, maximum: 180, description: 'The longitude of the nodes location in degrees.' },
      name: { type: 'string', maxLength: 128, optional: 1, description: 'The name of the location.' },
    },
    typetext: 'latitude=<number> ,longitude=<number> [,name=<name>]',
  }),
  'startall-onboot-delay': opt(
    P.int('Initial delay in seconds, before starting all the Virtual Guests with on-boot enabled.', {
      minimum: 0,
      maximum: 300,
      default: 0,
    }),
  ),
  wakeonlan: opt({
    type: 'string',
    description: 'Node specific wake on LAN settings.',
    format: {
      mac: { type: 'string', format: 'mac-addr', default_key: 1, description: 'MAC address for wake on LAN' },
      'bind-interface': {
        type: 'string',
        format: 'pve-iface',
        optional: 1,
        description: 'Bind to this interface when sending wake on LAN packet',
      },
      'broadcast-address': {
        type: 'string',
        format: 'ipv4',
        optional: 1,
        default: '255.255.255.255',
        description: 'IPv4 broadcast address to use when sending wake on LAN packet',
      },
    },
    typetext: '[mac=]<MAC address> [,bind-interface=<bind interface>] [,broadcast-address=<IPv4 broadcast address>]',
  }),
} satisfies Props;

function nodeConfig(ctx: RequestContext<{ readonly node: string }>): Record<string, string | number> {
  const cfg = ctx.sim.state.nodeConfigs.get(ctx.params.node);
  if (!cfg) throw new PveError(500, `no such node '${ctx.params.node}'`);
  return cfg;
}

function configDigest(cfg: Record<string, string | number>): string {
  const text =
    `#${cfg.description ?? ''}\n` +
    Object.keys(cfg)
      .filter((k) => k !== 'description')
      .sort()
      .map((k) => `${k}: ${cfg[k]}`)
      .join('\n');
  return createHash('sha1').update(text).digest('hex');
}

const ISO_EXT = /\.(iso|img)$/i;
const VZTMPL_EXT = /\.tar\.(gz|xz|zst|bz2)$|\.tgz$/i;
const IMPORT_EXT = /\.(ova|ovf|qcow2|raw|vmdk)$/i;

export function nodeOperations(): Operation[] {
  return [
    op({
      method: 'GET',
      path: '/nodes/{node}/config',
      name: 'get_config',
      description: 'Get node configuration options.',
      parameters: {
        node: P.node(),
        property: opt(P.enum('Return only a specific property from the node configuration.', CONFIG_KEYS, { default: 'all' })),
      },
      returns: returns.object({
        acme: opt(ACME),
        'acmedomain[n]': opt(ACME_DOMAIN),
        digest: opt(
          P.str(
            'Prevent changes if current configuration file has different SHA1 digest. This can be used to prevent concurrent modifications.',
            { maxLength: 40 },
          ),
        ),
      }),
      permissions: { check: ['perm', '/', ['Sys.Audit']] },
      proxyto: 'node',
      handler: (ctx) => {
        const cfg = nodeConfig(ctx);
        // A node that never had its config written answers an empty object (as recorded).
        if (!Object.keys(cfg).length) return {};
        const out: Record<string, unknown> = { description: '', ...cfg, digest: configDigest(cfg) };
        const prop: string | undefined = ctx.params.property;
        if (prop && prop !== 'all') return out[prop] === undefined ? {} : { [prop]: out[prop] };
        return out;
      },
    }),
    op({
      method: 'PUT',
      path: '/nodes/{node}/config',
      name: 'set_options',
      description: 'Set node configuration options.',
      parameters: SET_PARAMS,
      returns: returns.null,
      permissions: { check: ['perm', '/', ['Sys.Modify']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const cfg = nodeConfig(ctx);
        if (ctx.params.digest && Object.keys(cfg).length && ctx.params.digest !== configDigest(cfg)) {
          throw new PveError(500, 'detected modified configuration - file changed by other user? Try again.');
        }
        const errors: Record<string, string> = {};
        for (const k of Object.keys(ctx.params)) {
          if (/^acmedomain\d+$/.test(k) && !CONFIG_KEYS.includes(k))
            errors[k] = 'property is not defined in schema and the schema does not allow additional properties';
        }
        const toDelete = String(ctx.params.delete ?? '')
          .split(/[,;\s]+/)
          .filter(Boolean);
        for (const k of toDelete) {
          if (!CONFIG_KEYS.includes(k)) errors.delete = `invalid format - invalid configuration ID '${k}'\n`;
          else if ((ctx.params as WireParams)[k] !== undefined) errors[k] = `cannot delete '${k}' - option is also set`;
        }
        if (Object.keys(errors).length) throw paramError(errors);
        for (const k of toDelete) delete cfg[k];
        Object.assign(cfg, scalarsOf(ctx.params, CONFIG_KEYS));
        return null;
      },
    }),
    op({
      method: 'POST',
      path: '/nodes/{node}/qemu/{vmid}/vncproxy',
      name: 'vncproxy',
      description: 'Creates a TCP VNC proxy connections.',
      parameters: {
        node: P.node(),
        vmid: P.vmid(),
        'generate-password': opt(P.bool('Deprecated, do not use. Password is generated when required.', { default: 0 })),
        websocket: opt(
          P.bool('Prepare for websocket upgrade (only required when using serial terminal, otherwise upgrade is always possible).'),
        ),
      },
      returns: {
        type: 'object',
        additionalProperties: 0,
        properties: {
          cert: { type: 'string' },
          password: opt(
            P.str("Password used for authentication within the VNC protocol. Consists of printable ASCII characters ('!' .. '~')."),
          ),
          port: { type: 'integer' },
          ticket: { type: 'string' },
          upid: { type: 'string' },
          user: { type: 'string' },
        },
      },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Console']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const g = ctx.sim.state.guestOn(ctx.params.node, 'qemu', ctx.params.vmid);
        if (g.power === 'stopped') throw new PveError(500, `VM ${g.vmid} not running`);
        const user = ctx.who.tokenid ? `${ctx.who.userid}!${ctx.who.tokenid}` : ctx.who.userid;
        const port = 5900 + (ctx.sim.tasks.tasks.filter((t) => t.type === 'vncproxy' && t.status === 'running').length % 100);
        const upid = ctx.sim.tasks.start({
          node: g.node,
          type: 'vncproxy',
          id: String(g.vmid),
          who: ctx.who,
          durationMs: Math.max(ctx.sim.taskDurationMs, 10_000),
          log: [`connection timed out`],
        });
        const stamp = now().toString(16).toUpperCase();
        const plain = `PVEVNC:${stamp}::${user}:/vms/${g.vmid}`;
        const sig = createHmac('sha256', randomBytes(16)).update(plain).digest('base64').replace(/=+$/, '');
        return {
          user,
          cert: ctx.sim.certPem,
          ticket: `PVEVNC:${stamp}::${sig}`,
          port: String(port),
          upid,
          password: randomBytes(6)
            .toString('base64')
            .replace(/[^!-~]/g, 'x'),
        };
      },
    }),
    taskOp({
      method: 'POST',
      path: '/nodes/{node}/storage/{storage}/upload',
      name: 'upload',
      description: 'Upload templates, ISO images, OVAs and VM images.',
      parameters: {
        node: P.node(),
        storage: P.storage(),
        content: P.enum('Content type.', ['iso', 'vztmpl', 'import'], { format: 'pve-storage-content' }),
        filename: P.str('The name of the file to create. Caution: This will be normalized!', { maxLength: 255 }),
        checksum: opt(P.str('The expected checksum of the file.', { requires: 'checksum-algorithm' })),
        'checksum-algorithm': opt(
          P.enum('The algorithm to calculate the checksum of the file.', ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'], {
            requires: 'checksum',
          }),
        ),
        tmpfilename: opt(
          P.str(
            'The source file name. This parameter is usually set by the REST handler. You can only overwrite it when connecting to the trusted port on localhost.',
            { pattern: '/var/tmp/pveupload-[0-9a-f]+' },
          ),
        ),
      },
      permissions: { check: ['perm', '/storage/{storage}', ['Datastore.AllocateTemplate']] },
      handler: (ctx) => {
        const state = ctx.sim.state;
        const s = state.storage(ctx.params.storage);
        if (!s) throw new PveError(500, `storage '${ctx.params.storage}' does not exist`);
        const content: 'iso' | 'vztmpl' | 'import' = ctx.params.content;
        if (!s.content.includes(content as never) && !(content === 'import' && s.type === 'dir')) {
          throw new PveError(500, `storage '${s.storage}' does not support '${content}' content`);
        }
        if (ctx.params.tmpfilename) throw new PveError(500, 'tmpfilename is only allowed when connecting to the trusted port on localhost');
        const upload = ctx.upload;
        if (!upload) throw new PveError(400, 'upload failed: no file in the request (use multipart/form-data)');
        const filename = String(ctx.params.filename).replace(/[^-a-zA-Z0-9_.]/g, '_');
        const extOk = content === 'iso' ? ISO_EXT : content === 'vztmpl' ? VZTMPL_EXT : IMPORT_EXT;
        if (!extOk.test(filename)) throw new PveError(500, `wrong file extension\n`);
        requirePriv(ctx.who, `/storage/${s.storage}`, 'Datastore.AllocateTemplate');
        const dir = content === 'iso' ? 'iso' : content === 'vztmpl' ? 'vztmpl' : 'import';
        const volid = `${s.storage}:${dir}/${filename}`;
        const node: string = ctx.params.node;
        const data = upload.data;
        const algo: string | undefined = ctx.params['checksum-algorithm'];
        const expected: string | undefined = ctx.params.checksum;
        return ctx.sim.tasks.start({
          node,
          type: 'imgcopy',
          id: '',
          who: ctx.who,
          log: [`starting file import from: /var/tmp/pveupload-${createHash('md5').update(filename).digest('hex')}`],
          effect: () => {
            const lines: string[] = [];
            if (algo && expected) {
              const got = createHash(algo).update(data).digest('hex');
              lines.push(`calculating checksum...`);
              if (got.toLowerCase() !== expected.toLowerCase()) throw new Error(`checksum mismatch: got '${got}' != expect '${expected}'`);
              lines.push(`checksum verified`);
            }
            const list = state.volumesOn(s, node);
            const existing = list.findIndex((v) => v.volid === volid);
            if (existing >= 0) list.splice(existing, 1);
            const format =
              content === 'iso'
                ? 'iso'
                : content === 'vztmpl'
                  ? filename.match(/\.tar\.(\w+)$/)?.[1] === 'zst'
                    ? 'tzst'
                    : 'tgz'
                  : filename.split('.').pop()!;
            list.push({ volid, content, format, size: data.length, ctime: now() });
            lines.push(
              `target node: ${node}`,
              `target file: ${s.extra.path ?? '/var/lib/vz'}/template/${content === 'iso' ? 'iso' : 'cache'}/${filename}`,
              `file size is: ${data.length}`,
              'finished file import successfully',
            );
            return lines;
          },
        });
      },
    }),
  ];
}

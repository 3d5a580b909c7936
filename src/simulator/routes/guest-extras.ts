import { createHash, createHmac, randomBytes } from 'node:crypto';
import { authId } from '../access.js';
import type { RequestContext } from '../context.js';
import { PveError, paramError } from '../errors.js';
import { type MayHave, P, opt, type ParamsOf, type Props } from '../params.js';
import { pendingRows, withPending } from '../pending.js';
import { op, returns, taskOp, type Operation } from '../schema.js';
import { isDiskKey, parsePropertyString, parseSize, type Guest, type GuestType } from '../state.js';
import { assertUnlocked, guestSizes, liveStats, now } from './common.js';
import { rrdSeries } from './node-system.js';

const VMID_PATH = { node: P.node(), vmid: P.vmid() } satisfies Props;
type GuestPath = ParamsOf<typeof VMID_PATH>;
const AUDIT = { check: ['perm', '/vms/{vmid}', ['VM.Audit']] };
const CONSOLE = { check: ['perm', '/vms/{vmid}', ['VM.Console']] };
const DISK = { check: ['perm', '/vms/{vmid}', ['VM.Config.Disk']] };

function guestOf(ctx: RequestContext<GuestPath>, type: GuestType): Guest {
  return ctx.sim.state.guestOn(ctx.params.node, type, ctx.params.vmid);
}

const CLOUDINIT_KEYS = /^(ciuser|cipassword|sshkeys|ipconfig\d+|nameserver|searchdomain|citype|cicustom|ciupgrade)$/;

/** The cloud-init user/network/meta documents PVE generates from the config. */
function cloudinitDump(g: Guest, kind: 'user' | 'network' | 'meta'): string {
  const c = withPending(g);
  const name = String(c.name ?? `vm${g.vmid}`);
  if (kind === 'meta')
    return `instance-id: ${createHash('sha1')
      .update(JSON.stringify(Object.entries(c).filter(([k]) => CLOUDINIT_KEYS.test(k))))
      .digest('hex')}\n`;
  if (kind === 'user') {
    const lines = [
      '#cloud-config',
      `hostname: ${name}`,
      'manage_etc_hosts: true',
      'fqdn: ' + name + (c.searchdomain ? `.${String(c.searchdomain)}` : ''),
    ];
    if (c.ciuser) lines.push(`user: ${String(c.ciuser)}`);
    if (c.cipassword)
      lines.push(
        `password: ${String(c.cipassword).startsWith('$') ? String(c.cipassword) : '$5$' + createHash('sha256').update(String(c.cipassword)).digest('base64').slice(0, 43)}`,
      );
    if (c.sshkeys)
      lines.push(
        'ssh_authorized_keys:',
        ...decodeURIComponent(String(c.sshkeys))
          .split('\n')
          .filter(Boolean)
          .map((k) => `  - ${k}`),
      );
    lines.push('chpasswd:', '  expire: False', 'users:', '  - default', `package_upgrade: ${c.ciupgrade === 0 ? 'false' : 'true'}`);
    return lines.join('\n') + '\n';
  }
  const lines = ['version: 1', 'config:'];
  for (const key of Object.keys(c)
    .filter((k) => /^net\d+$/.test(k))
    .sort()) {
    const n = key.slice(3);
    const mac = /([0-9A-F]{2}(:[0-9A-F]{2}){5})/i.exec(String(c[key]))?.[1]?.toLowerCase() ?? '';
    const ip = parsePropertyString(String(c[`ipconfig${n}`] ?? 'ip=dhcp'));
    lines.push('    - type: physical', `      name: eth${n}`, `      mac_address: '${mac}'`, '      subnets:');
    if (!ip.ip || ip.ip === 'dhcp') lines.push('      - type: dhcp4');
    else lines.push('      - type: static', `        address: '${ip.ip}'`, ...(ip.gw ? [`        gateway: '${ip.gw}'`] : []));
    if (ip.ip6)
      lines.push(
        ip.ip6 === 'dhcp' || ip.ip6 === 'auto'
          ? `      - type: ${ip.ip6 === 'auto' ? 'ipv6_slaac' : 'dhcp6'}`
          : `      - type: static6\n        address: '${ip.ip6}'`,
      );
  }
  if (c.nameserver || c.searchdomain) {
    lines.push(
      '    - type: nameserver',
      '      address:',
      ...String(c.nameserver ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((a) => `      - '${a}'`),
      '      search:',
      ...String(c.searchdomain ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((s) => `      - '${s}'`),
    );
  }
  return lines.join('\n') + '\n';
}

/** A console ticket answer (vncproxy/termproxy): a short-lived worker, a port, a ticket for the path. */
function consoleTicket(ctx: RequestContext, g: Guest, type: string, withPassword: boolean): Record<string, unknown> {
  const user = authId(ctx.who);
  const running = ctx.sim.tasks.tasks.filter(
    (t) => (t.type === 'vncproxy' || t.type === 'vncshell' || t.type === 'termproxy') && t.status === 'running',
  ).length;
  const upid = ctx.sim.tasks.start({
    node: g.node,
    type,
    id: String(g.vmid),
    who: ctx.who,
    durationMs: Math.max(ctx.sim.taskDurationMs, 10_000),
    log: ['connection timed out'],
  });
  const stamp = now().toString(16).toUpperCase();
  const sig = createHmac('sha256', randomBytes(16)).update(`PVEVNC:${stamp}::${user}:/vms/${g.vmid}`).digest('base64').replace(/=+$/, '');
  const out: Record<string, unknown> = { user, ticket: `PVEVNC:${stamp}::${sig}`, port: String(5900 + (running % 100)), upid };
  if (withPassword) {
    out.cert = ctx.sim.certPem;
    out.password = randomBytes(6)
      .toString('base64')
      .replace(/[^!-~]/g, 'x');
  }
  return out;
}

function requireRunning(g: Guest): void {
  if (g.power === 'stopped') throw new PveError(500, g.type === 'qemu' ? `VM ${g.vmid} not running` : `CT ${g.vmid} not running`);
}

/** Whether a guest's volumes support a feature (snapshot/clone/copy), from their storage types. */
function feature(
  ctx: RequestContext<{ readonly snapname?: string; readonly feature: string }>,
  g: Guest,
): { hasFeature: 0 | 1; nodes: string[] } {
  const state = ctx.sim.state;
  const cfg = ctx.params.snapname ? g.snapshots.find((s) => s.name === ctx.params.snapname)?.config : g.config;
  if (!cfg) throw new PveError(500, `snapshot '${ctx.params.snapname}' does not exist`);
  let ok = true;
  for (const [k, v] of Object.entries(cfg)) {
    if (!isDiskKey(g.type, k) || String(v).includes('media=cdrom') || String(v).startsWith('none')) continue;
    const vol = parsePropertyString(String(v), g.type === 'qemu' ? 'file' : 'volume');
    const storage = state.storage(String(vol.file ?? vol.volume).split(':')[0]);
    if (!storage) continue;
    if (ctx.params.feature === 'snapshot' && !['lvmthin', 'zfspool'].includes(storage.type) && !String(vol.file ?? '').endsWith('.qcow2'))
      ok = false;
    if (ctx.params.feature === 'clone' && !g.config.template && !['lvmthin', 'zfspool'].includes(storage.type)) ok = false;
  }
  const nodes = state.nodes
    .map((n) => n.node)
    .filter((n) => n === g.node || state.storages.some((s) => s.shared && s.content.includes(g.type === 'qemu' ? 'images' : 'rootdir')));
  return { hasFeature: ok ? 1 : 0, nodes };
}

/** What a disk move reads; `skiplock` and `target-vmid` only where the guest type declares them. */
type MoveParams = MayHave<{
  readonly digest?: string;
  readonly 'target-vmid'?: number;
  readonly storage?: string;
  readonly format?: string;
  readonly delete?: 0 | 1;
  readonly skiplock?: 0 | 1;
}>;

function moveVolume(ctx: RequestContext<MoveParams>, g: Guest, key: string): string {
  const state = ctx.sim.state;
  assertUnlocked(ctx, g);
  const raw = g.config[key];
  if (raw === undefined) throw new PveError(500, `disk '${key}' does not exist`);
  if (String(raw).includes('media=cdrom')) throw new PveError(500, `you can't move a cdrom`);
  if (
    ctx.params.digest &&
    ctx.params.digest !==
      createHash('sha1')
        .update(
          Object.keys(g.config)
            .sort()
            .map((k) => `${k}: ${g.config[k]}`)
            .join('\n'),
        )
        .digest('hex')
  ) {
    throw new PveError(500, 'detected modified configuration - file changed by other user? Try again.');
  }
  if (ctx.params['target-vmid'] !== undefined) throw new PveError(500, 'reassigning a disk to another guest is not simulated');
  const target = state.storage(ctx.params.storage ?? '');
  if (!ctx.params.storage) throw paramError({ storage: 'property is missing and it is not optional' });
  if (!target) throw new PveError(500, `storage '${ctx.params.storage}' does not exist`);
  if (!target.content.includes(g.type === 'qemu' ? 'images' : 'rootdir'))
    throw new PveError(500, `storage '${target.storage}' does not support ${g.type === 'qemu' ? 'vm images' : 'container directories'}`);
  const defaultKey = g.type === 'qemu' ? 'file' : 'volume';
  const spec = parsePropertyString(String(raw), defaultKey);
  const oldVolid = spec[defaultKey];
  if (oldVolid.startsWith(`${target.storage}:`)) throw new PveError(500, `you can't move to the same storage with same format`);
  if (g.type === 'lxc' && g.power !== 'stopped') throw new PveError(500, 'cannot move volumes of a running container');
  const size = parseSize(spec.size ?? '0');
  const base = g.type === 'qemu' ? 'vm' : 'subvol';
  const used = new Set(state.volumesOn(target, g.node).map((v) => v.volid));
  let n = 0;
  while (used.has(`${target.storage}:${base}-${g.vmid}-disk-${n}`)) n++;
  const volid = `${target.storage}:${base}-${g.vmid}-disk-${n}`;
  g.config.lock = 'disk';
  return ctx.sim.tasks.start({
    node: g.node,
    type: g.type === 'qemu' ? 'qmmove' : 'move_volume',
    id: String(g.vmid),
    who: ctx.who,
    log: [
      `create full clone of drive ${key} (${oldVolid})`,
      `transferred ${(size / 1024 ** 3).toFixed(1)} GiB of ${(size / 1024 ** 3).toFixed(1)} GiB (100.00%)`,
    ],
    onFail: () => {
      delete g.config.lock;
    },
    effect: () => {
      delete g.config.lock;
      state.addVolume(g.node, {
        volid,
        content: g.type === 'qemu' ? 'images' : 'rootdir',
        format: ctx.params.format ?? 'raw',
        size,
        ctime: now(),
        vmid: g.vmid,
      });
      g.config[key] = String(raw).replace(oldVolid, volid);
      if (ctx.params.delete) state.removeVolumes(g.node, (v) => v.volid === oldVolid);
      else {
        let u = 0;
        while (g.config[`unused${u}`] !== undefined) u++;
        g.config[`unused${u}`] = oldVolid;
      }
    },
  });
}

export function guestExtraOperations(type: GuestType): Operation[] {
  const vm = `/nodes/{node}/${type}/{vmid}`;
  const label = type === 'qemu' ? 'VM' : 'CT';
  const ops: Operation[] = [
    op({
      method: 'GET',
      path: `${vm}/pending`,
      name: 'vm_pending',
      description: `Get the ${type === 'qemu' ? 'virtual machine' : 'container'} configuration with both current and pending values.`,
      parameters: VMID_PATH,
      returns: returns.array({
        key: P.str('Configuration option name.'),
        value: opt(P.str('Current value.')),
        pending: opt(P.str('Pending value.')),
        delete: opt(P.int('Indicates a pending delete request if present and not 0.', { minimum: 0, maximum: 2 })),
      }),
      permissions: AUDIT,
      proxyto: 'node',
      handler: (ctx) => pendingRows(guestOf(ctx, type)),
    }),
    op({
      method: 'GET',
      path: `${vm}/rrddata`,
      name: 'rrddata',
      description: `Read ${type === 'qemu' ? 'VM' : 'container'} RRD statistics`,
      parameters: {
        ...VMID_PATH,
        timeframe: P.enum('Specify the time frame you are interested in.', ['hour', 'day', 'week', 'month', 'year']),
        cf: opt(P.enum('The RRD consolidation function', ['AVERAGE', 'MAX'])),
      },
      returns: returns.array({}),
      permissions: AUDIT,
      protected: 1,
      handler: (ctx) => {
        const g = guestOf(ctx, type);
        const { maxmem, maxdisk, cpus } = guestSizes(g);
        const up = g.power !== 'stopped';
        const stats = liveStats(g);
        return rrdSeries(ctx.params.timeframe, g.vmid, (t, w) => {
          const on = up && t >= g.startedAt;
          return {
            cpu: on ? Number((stats.cpu * (0.5 + w)).toFixed(5)) : 0,
            maxcpu: cpus,
            mem: on ? Math.floor(maxmem * (0.25 + w * 0.3)) : 0,
            maxmem,
            disk: type === 'lxc' && on ? Math.floor(maxdisk * 0.3) : 0,
            maxdisk,
            netin: on ? Math.floor(2000 + w * 90000) : 0,
            netout: on ? Math.floor(1000 + w * 40000) : 0,
            diskread: on ? Math.floor(w * 500000) : 0,
            diskwrite: on ? Math.floor(w * 800000) : 0,
          };
        });
      },
    }),
    op({
      method: 'GET',
      path: `${vm}/rrd`,
      name: 'rrd',
      description: `Read ${type === 'qemu' ? 'VM' : 'container'} RRD statistics (returns PNG)`,
      parameters: {
        ...VMID_PATH,
        ds: P.str('The list of datasources you want to display.', { format: 'pve-configid-list' }),
        timeframe: P.enum('Specify the time frame you are interested in.', ['hour', 'day', 'week', 'month', 'year']),
        cf: opt(P.enum('The RRD consolidation function', ['AVERAGE', 'MAX'])),
      },
      returns: { type: 'object', properties: { filename: P.str('') } },
      permissions: AUDIT,
      protected: 1,
      handler: (ctx) => {
        guestOf(ctx, type);
        return { filename: `/var/tmp/pve-rrd-${ctx.params.vmid}-${ctx.params.timeframe}.png` };
      },
    }),
    op({
      method: 'GET',
      path: `${vm}/feature`,
      name: 'vm_feature',
      description: `Check if feature for virtual machine is available.`,
      parameters: {
        ...VMID_PATH,
        feature: P.enum('Feature to check.', ['snapshot', 'clone', 'copy']),
        snapname: opt(P.str('The name of the snapshot.', { format: 'pve-configid', maxLength: 40 })),
      },
      returns: { type: 'object', properties: { hasFeature: P.bool(''), nodes: { type: 'array', items: { type: 'string' } } } },
      permissions: AUDIT,
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => feature(ctx, guestOf(ctx, type)),
    }),
    op({
      method: 'GET',
      path: `${vm}/snapshot/{snapname}/config`,
      name: 'get_snapshot_config',
      description: 'Get snapshot configuration',
      parameters: { ...VMID_PATH, snapname: P.str('The name of the snapshot.', { format: 'pve-configid', maxLength: 40 }) },
      returns: { type: 'object' },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Snapshot', 'VM.Snapshot.Rollback', 'VM.Audit'], 'any', 1] },
      proxyto: 'node',
      handler: (ctx) => {
        const s = guestOf(ctx, type).snapshots.find((x) => x.name === ctx.params.snapname);
        if (!s) throw new PveError(500, `snapshot '${ctx.params.snapname}' does not exist`);
        return {
          ...s.config,
          snaptime: s.snaptime,
          description: s.description,
          ...(s.parent ? { parent: s.parent } : {}),
          ...(s.vmstate ? { vmstate: 1 } : {}),
        };
      },
    }),
    op({
      method: 'PUT',
      path: `${vm}/snapshot/{snapname}/config`,
      name: 'update_snapshot_config',
      description: 'Update snapshot metadata.',
      parameters: {
        ...VMID_PATH,
        snapname: P.str('The name of the snapshot.', { format: 'pve-configid', maxLength: 40 }),
        description: opt(P.str('A textual description or comment.')),
      },
      returns: returns.null,
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Snapshot']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const s = guestOf(ctx, type).snapshots.find((x) => x.name === ctx.params.snapname);
        if (!s) throw new PveError(500, `snapshot '${ctx.params.snapname}' does not exist`);
        if (ctx.params.description !== undefined) s.description = ctx.params.description;
        return null;
      },
    }),
    op({
      method: 'POST',
      path: `${vm}/termproxy`,
      name: 'termproxy',
      description: `Creates a TCP proxy connections.`,
      parameters:
        type === 'qemu'
          ? {
              ...VMID_PATH,
              serial: opt(P.enum('opens a serial terminal (defaults to display)', ['serial0', 'serial1', 'serial2', 'serial3'])),
            }
          : VMID_PATH,
      returns: { type: 'object', properties: { port: P.int(''), ticket: P.str(''), upid: P.str(''), user: P.str('') } },
      permissions: CONSOLE,
      protected: 1,
      handler: (ctx) => {
        const g = guestOf(ctx, type);
        requireRunning(g);
        if (type === 'qemu' && ctx.params.serial && g.config[ctx.params.serial] === undefined)
          throw new PveError(500, `serial interface '${ctx.params.serial}' is not configured`);
        return consoleTicket(ctx, g, 'termproxy', false);
      },
    }),
    op({
      method: 'POST',
      path: `${vm}/spiceproxy`,
      name: 'spiceproxy',
      description: 'Returns a SPICE configuration to connect to the VM.',
      parameters: {
        ...VMID_PATH,
        proxy: opt(
          P.str(
            "SPICE proxy server. This can be used by the client to specify the proxy server. All nodes in a cluster runs 'spiceproxy', so it is up to the client to choose one. By default, we return the node where the VM is currently running. As reasonable setting is to use same node you use to connect to the API (This is window.location.hostname for the JS GUI).",
            { format: 'address' },
          ),
        ),
      },
      returns: { type: 'object', additionalProperties: 1, properties: {} },
      permissions: CONSOLE,
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const g = guestOf(ctx, type);
        requireRunning(g);
        if (type === 'qemu' && !String(g.config.vga ?? '').startsWith('qxl'))
          throw new PveError(500, 'VM does not have a SPICE display (vga: qxl)');
        const host = ctx.params.proxy ?? ctx.sim.state.node(g.node)!.ip;
        return {
          type: 'spice',
          host: `pvespiceproxy:${now().toString(16)}:${g.vmid}:${g.node}::${randomBytes(8).toString('hex')}`,
          proxy: `http://${host}:3128`,
          'tls-port': 61000,
          password: randomBytes(8).toString('hex'),
          'host-subject': `OU=PVE Cluster Node,O=Proxmox Virtual Environment,CN=${g.node}.simlab.example`,
          ca: ctx.sim.certPem,
          'delete-this-file': 1,
          'release-cursor': 'Ctrl+Alt+R',
          'toggle-fullscreen': 'Shift+F11',
          'secure-attention': 'Ctrl+Alt+Ins',
          title: `${label} ${g.vmid}`,
        };
      },
    }),
  ];
  if (type === 'lxc') {
    ops.push(
      op({
        method: 'POST',
        path: `${vm}/vncproxy`,
        name: 'vncproxy',
        description: 'Creates a TCP VNC proxy connections.',
        parameters: {
          ...VMID_PATH,
          websocket: opt(P.bool('use websocket instead of standard VNC.')),
          width: opt(P.int('sets the width of the console in pixels.', { minimum: 16, maximum: 4096 })),
          height: opt(P.int('sets the height of the console in pixels.', { minimum: 16, maximum: 2160 })),
        },
        returns: { type: 'object', properties: { cert: P.str(''), port: P.int(''), ticket: P.str(''), upid: P.str(''), user: P.str('') } },
        permissions: CONSOLE,
        protected: 1,
        handler: (ctx) => {
          const g = guestOf(ctx, 'lxc');
          requireRunning(g);
          return consoleTicket(ctx, g, 'vncproxy', true);
        },
      }),
      op({
        method: 'GET',
        path: `${vm}/interfaces`,
        name: 'ip',
        description: 'Get IP addresses of the specified container interface.',
        parameters: VMID_PATH,
        returns: returns.array({ name: P.str('The name of the interface'), 'hardware-address': P.str('The MAC address of the interface') }),
        permissions: AUDIT,
        protected: 1,
        proxyto: 'node',
        handler: (ctx) => {
          const g = guestOf(ctx, 'lxc');
          requireRunning(g);
          const rows: unknown[] = [
            {
              name: 'lo',
              'hardware-address': '00:00:00:00:00:00',
              inet: '127.0.0.1/8',
              inet6: '::1/128',
              'ip-addresses': [{ 'ip-address': '127.0.0.1', 'ip-address-type': 'inet', prefix: 8 }],
            },
          ];
          for (const key of Object.keys(g.config)
            .filter((k) => /^net\d+$/.test(k))
            .sort()) {
            const net = parsePropertyString(String(g.config[key]));
            const ip = net.ip && net.ip !== 'dhcp' ? net.ip : `10.10.${key.slice(3)}.${g.vmid % 250}/24`;
            rows.push({
              name: net.name ?? `eth${key.slice(3)}`,
              'hardware-address': String(net.hwaddr ?? '').toLowerCase(),
              inet: ip,
              'ip-addresses': [{ 'ip-address': ip.split('/')[0], 'ip-address-type': 'inet', prefix: Number(ip.split('/')[1] ?? 24) }],
            });
          }
          return rows;
        },
      }),
      taskOp({
        method: 'POST',
        path: `${vm}/move_volume`,
        name: 'move_volume',
        description: 'Move a rootfs-/mp-volume to a different storage or to a different container.',
        parameters: {
          ...VMID_PATH,
          volume: P.str('Volume which will be moved.', {
            enum: ['rootfs', ...Array.from({ length: 10 }, (_, i) => `mp${i}`), ...Array.from({ length: 10 }, (_, i) => `unused${i}`)],
          }),
          storage: opt(P.storage('Target Storage.')),
          delete: opt(
            P.bool('Delete the original volume after successful copy. By default the original is kept as an unused volume entry.', {
              default: 0,
            }),
          ),
          digest: opt(
            P.str(
              'Prevent changes if current configuration file has different SHA1 \" .\n\t\t    \"digest. This can be used to prevent concurrent modifications.',
              { maxLength: 40 },
            ),
          ),
          bwlimit: opt(P.num('Override I/O bandwidth limit (in KiB/s).', { minimum: 0 })),
          'target-vmid': opt(P.vmid()),
        },
        returns: { type: 'string' },
        permissions: DISK,
        handler: (ctx) => moveVolume(ctx, guestOf(ctx, 'lxc'), ctx.params.volume),
      }),
    );
    return ops;
  }
  ops.push(
    op({
      method: 'GET',
      path: `${vm}/cloudinit`,
      name: 'cloudinit_pending',
      description: 'Get the cloudinit configuration with both current and pending values.',
      parameters: VMID_PATH,
      returns: returns.array({
        key: P.str('Configuration option name.'),
        value: opt(P.str('Value as it was used to generate the current cloudinit image.')),
        pending: opt(P.str('The new pending value.')),
        delete: opt(P.int('Indicates a pending delete request if present and not 0.', { minimum: 0, maximum: 2 })),
      }),
      permissions: AUDIT,
      proxyto: 'node',
      handler: (ctx) => {
        const g = guestOf(ctx, 'qemu');
        const now = withPending(g);
        const applied = g.cloudinitApplied ?? {};
        const keys = new Set([...Object.keys(now), ...Object.keys(applied)].filter((k) => CLOUDINIT_KEYS.test(k) || /^net\d+$/.test(k)));
        return [...keys].sort().map((key) => {
          const row: Record<string, unknown> = { key };
          if (applied[key] !== undefined) row.value = applied[key];
          if (now[key] === undefined && applied[key] !== undefined) row.delete = 1;
          else if (String(now[key]) !== String(applied[key])) row.pending = now[key];
          return row;
        });
      },
    }),
    op({
      method: 'PUT',
      path: `${vm}/cloudinit`,
      name: 'cloudinit_update',
      description: 'Regenerate and change cloudinit config drive.',
      parameters: VMID_PATH,
      returns: returns.null,
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Config.Cloudinit']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const g = guestOf(ctx, 'qemu');
        assertUnlocked(ctx, g);
        const drive = Object.entries(g.config).find(([k, v]) => isDiskKey('qemu', k) && String(v).includes('cloudinit'));
        if (!drive) throw new PveError(500, 'no cloudinit drive found');
        const c = withPending(g);
        g.cloudinitApplied = Object.fromEntries(Object.entries(c).filter(([k]) => CLOUDINIT_KEYS.test(k) || /^net\d+$/.test(k)));
        return null;
      },
    }),
    op({
      method: 'GET',
      path: `${vm}/cloudinit/dump`,
      name: 'cloudinit_generated_config_dump',
      description: 'Get automatically generated cloudinit config.',
      parameters: { ...VMID_PATH, type: P.enum('Config type.', ['user', 'network', 'meta']) },
      returns: { type: 'string' },
      permissions: AUDIT,
      proxyto: 'node',
      handler: (ctx) => cloudinitDump(guestOf(ctx, 'qemu'), ctx.params.type),
    }),
    taskOp({
      method: 'POST',
      path: `${vm}/move_disk`,
      name: 'move_vm_disk',
      description: 'Move volume to different storage or to a different VM.',
      parameters: {
        ...VMID_PATH,
        disk: P.str('The disk you want to move.', {
          enum: [
            'ide0',
            'ide1',
            'ide2',
            'ide3',
            ...Array.from({ length: 31 }, (_, i) => `scsi${i}`),
            ...Array.from({ length: 16 }, (_, i) => `virtio${i}`),
            ...Array.from({ length: 6 }, (_, i) => `sata${i}`),
            'efidisk0',
            'tpmstate0',
            ...Array.from({ length: 10 }, (_, i) => `unused${i}`),
          ],
        }),
        storage: opt(P.storage('Target storage.')),
        format: opt(P.enum('Target Format.', ['raw', 'qcow2', 'vmdk'])),
        delete: opt(
          P.bool('Delete the original disk after successful copy. By default the original disk is kept as unused disk.', { default: 0 }),
        ),
        digest: opt(
          P.str(
            'Prevent changes if current configuration file has different SHA1" . " digest. This can be used to prevent concurrent modifications.',
            { maxLength: 40 },
          ),
        ),
        bwlimit: opt(P.int('Override I/O bandwidth limit (in KiB/s).', { minimum: 0 })),
        'target-vmid': opt(P.vmid()),
      },
      returns: { type: 'string' },
      permissions: DISK,
      handler: (ctx) => moveVolume(ctx, guestOf(ctx, 'qemu'), ctx.params.disk),
    }),
    op({
      method: 'PUT',
      path: `${vm}/unlink`,
      name: 'unlink',
      description: 'Unlink/delete disk images.',
      parameters: {
        ...VMID_PATH,
        idlist: P.str('A list of disk IDs you want to delete.', { format: 'pve-configid-list' }),
        force: opt(
          P.bool(
            "Force physical removal. Without this, we simple remove the disk from the config file and create an additional configuration entry called 'unused[n]', which contains the volume ID. Unlink of unused[n] always cause physical removal.",
          ),
        ),
      },
      returns: returns.null,
      permissions: DISK,
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const g = guestOf(ctx, 'qemu');
        assertUnlocked(ctx, g);
        const ids = String(ctx.params.idlist)
          .split(/[,;\s]+/)
          .filter(Boolean);
        for (const id of ids)
          if (g.config[id] === undefined || !(isDiskKey('qemu', id) || /^unused\d+$/.test(id)))
            throw paramError({ idlist: `'${id}' is not a disk of VM ${g.vmid}` });
        for (const id of ids) {
          const value = String(g.config[id]);
          const volid = value.split(',')[0].replace(/^file=/, '');
          delete g.config[id];
          if (/^unused\d+$/.test(id) || ctx.params.force) ctx.sim.state.removeVolumes(g.node, (v) => v.volid === volid);
          else if (!value.includes('media=cdrom') && volid.includes(':')) {
            let u = 0;
            while (g.config[`unused${u}`] !== undefined) u++;
            g.config[`unused${u}`] = volid;
          }
        }
        return null;
      },
    }),
    op({
      method: 'PUT',
      path: `${vm}/sendkey`,
      name: 'vm_sendkey',
      description: 'Send key event to virtual machine.',
      parameters: {
        ...VMID_PATH,
        key: P.str('The key (qemu monitor encoding).'),
        skiplock: opt(P.bool('Ignore locks - only root is allowed to use this option.')),
      },
      returns: returns.null,
      permissions: CONSOLE,
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const g = guestOf(ctx, 'qemu');
        requireRunning(g);
        if (!/^([a-z0-9_]+|f\d{1,2})(-([a-z0-9_]+|f\d{1,2}))*$/.test(ctx.params.key))
          throw paramError({ key: `invalid key '${ctx.params.key}' (examples: ctrl-alt-delete, ret, f2)` });
        if (ctx.params.key === 'ctrl-alt-delete' && g.os === 'linux') g.startedAt = now();
        return null;
      },
    }),
    op({
      method: 'POST',
      path: `${vm}/monitor`,
      name: 'monitor',
      description: 'Execute QEMU monitor commands.',
      parameters: { ...VMID_PATH, command: P.str('The monitor command.') },
      returns: { type: 'string' },
      permissions: {
        check: ['perm', '/vms/{vmid}', ['Sys.Audit', 'Sys.Modify'], 'any', 1],
        description: "Sys.Modify is required for (sub)commands which are not read-only ('info *' and 'help')",
      },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const g = guestOf(ctx, 'qemu');
        requireRunning(g);
        const cmd = String(ctx.params.command).trim();
        if (!/^(info|help)\b/.test(cmd) && !ctx.who.privsAt(`/vms/${g.vmid}`).has('Sys.Modify'))
          throw new PveError(403, `Permission check failed (/vms/${g.vmid}, Sys.Modify)`);
        if (cmd === 'info status') return `VM status: ${g.power === 'paused' ? 'paused' : 'running'}\n`;
        if (cmd === 'info version') return '10.0.2pve4\n';
        if (cmd === 'info cpus')
          return (
            Array.from(
              { length: Number(g.config.cores ?? 1) },
              (_, i) => `${i === 0 ? '*' : ' '}CPU #${i}: thread_id=${4000 + g.vmid * 10 + i}`,
            ).join('\n') + '\n'
          );
        if (cmd === 'info balloon') return `balloon: actual=${parsePropertyString(String(g.config.memory ?? '2048'), 'current').current}\n`;
        if (cmd === 'help')
          return 'info [subcommand] -- show various information about the system state\nquit|q  -- quit the emulator\nsystem_reset  -- reset the system\n';
        return `unknown command: '${cmd.split(/\s+/)[0]}'\n`;
      },
    }),
  );
  return ops;
}

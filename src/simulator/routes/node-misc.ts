import { createHmac, randomBytes } from 'node:crypto';
import { authId, hasPriv } from '../access.js';
import type { RequestContext } from '../context.js';
import { PveError, paramError } from '../errors.js';
import { P, opt, type ParamsOf, type Props } from '../params.js';
import { op, returns, taskOp, type Operation } from '../schema.js';
import type { Guest } from '../state.js';
import { index, now } from './common.js';
import { factsOf } from './node-system.js';

const NODE = { node: P.node() };
const STORAGE_ALLOCATE = { check: ['perm', '/storage', ['Datastore.Allocate']] };
const SERVER = P.str('The server address (name or IP).', { format: 'pve-storage-server' });

const PCI_DEVICES = [
  {
    id: '0000:00:02.0',
    class: '0x030000',
    vendor: '0x8086',
    device: '0x4680',
    vendor_name: 'Intel Corporation',
    device_name: 'AlderLake-S GT1',
    iommugroup: 0,
    mdev: 1,
  },
  {
    id: '0000:00:14.0',
    class: '0x0c0330',
    vendor: '0x8086',
    device: '0x7ae0',
    vendor_name: 'Intel Corporation',
    device_name: 'Alder Lake-S PCH USB 3.2 Gen 2x2 XHCI Controller',
    iommugroup: 5,
  },
  {
    id: '0000:00:17.0',
    class: '0x010601',
    vendor: '0x8086',
    device: '0x7ae2',
    vendor_name: 'Intel Corporation',
    device_name: 'Alder Lake-S PCH SATA Controller [AHCI Mode]',
    iommugroup: 6,
  },
  {
    id: '0000:01:00.0',
    class: '0x030000',
    vendor: '0x10de',
    device: '0x2204',
    vendor_name: 'NVIDIA Corporation',
    device_name: 'GA102 [GeForce RTX 3090]',
    iommugroup: 12,
  },
  {
    id: '0000:01:00.1',
    class: '0x040300',
    vendor: '0x10de',
    device: '0x1aef',
    vendor_name: 'NVIDIA Corporation',
    device_name: 'GA102 High Definition Audio Controller',
    iommugroup: 12,
  },
  {
    id: '0000:02:00.0',
    class: '0x010802',
    vendor: '0x144d',
    device: '0xa80c',
    vendor_name: 'Samsung Electronics Co Ltd',
    device_name: 'NVMe SSD Controller S4LV008[Pascal]',
    iommugroup: 13,
  },
  {
    id: '0000:03:00.0',
    class: '0x020000',
    vendor: '0x8086',
    device: '0x125c',
    vendor_name: 'Intel Corporation',
    device_name: 'Ethernet Controller I226-V',
    iommugroup: 14,
  },
];
const USB_DEVICES = [
  {
    busnum: 1,
    devnum: 2,
    port: 3,
    level: 1,
    class: 0,
    vendid: '1050',
    prodid: '0407',
    manufacturer: 'Yubico',
    product: 'YubiKey OTP+FIDO+CCID',
    speed: '12',
    usbpath: '1-3',
  },
  {
    busnum: 1,
    devnum: 3,
    port: 5,
    level: 1,
    class: 0,
    vendid: '0781',
    prodid: '5583',
    manufacturer: 'SanDisk',
    product: 'Ultra Fit',
    serial: '4C530001230712110561',
    speed: '5000',
    usbpath: '1-5',
  },
  {
    busnum: 2,
    devnum: 2,
    port: 1,
    level: 1,
    class: 9,
    vendid: '05e3',
    prodid: '0626',
    manufacturer: 'GenesysLogic',
    product: 'USB3.1 Hub',
    speed: '5000',
    usbpath: '2-1',
  },
];

function shellTicket(
  ctx: RequestContext<{ readonly node: string; readonly cmd?: string }>,
  type: string,
  withPassword: boolean,
): Record<string, unknown> {
  if (ctx.params.cmd === 'upgrade' && authId(ctx.who) !== 'root@pam') throw new PveError(403, 'Permission check failed (user != root@pam)');
  const upid = ctx.sim.tasks.start({
    node: ctx.params.node,
    type,
    id: '',
    who: ctx.who,
    durationMs: Math.max(ctx.sim.taskDurationMs, 10_000),
    log: ['connection timed out'],
  });
  const stamp = now().toString(16).toUpperCase();
  const sig = createHmac('sha256', randomBytes(16))
    .update(`PVEVNC:${stamp}::${authId(ctx.who)}:/nodes/${ctx.params.node}`)
    .digest('base64')
    .replace(/=+$/, '');
  const out: Record<string, unknown> = {
    user: authId(ctx.who),
    ticket: `PVEVNC:${stamp}::${sig}`,
    port: String(5900 + (now() % 100)),
    upid,
  };
  if (withPassword) out.cert = ctx.sim.certPem;
  return out;
}

/** startall/stopall/suspendall/migrateall: one worker that acts on each guest the asker may act on. */
function bulk(
  ctx: RequestContext<{ readonly node: string; readonly vms?: string }>,
  type: string,
  pick: (g: Guest) => boolean,
  act: (g: Guest) => void,
  log: (g: Guest) => string,
): string {
  const wanted = String(ctx.params.vms ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean)
    .map(Number);
  const guests = [...ctx.sim.state.guests.values()]
    .filter((g) => g.node === ctx.params.node && (!wanted.length || wanted.includes(g.vmid)) && !g.config.template)
    .filter(
      (g) =>
        hasPriv(ctx.who, `/vms/${g.vmid}`, 'VM.PowerMgmt') || (type === 'migrateall' && hasPriv(ctx.who, `/vms/${g.vmid}`, 'VM.Migrate')),
    )
    .filter(pick)
    .sort((a, b) => a.vmid - b.vmid);
  return ctx.sim.tasks.start({
    node: ctx.params.node,
    type,
    id: '',
    who: ctx.who,
    log: guests.length ? [] : ['nothing to do'],
    effect: () => {
      const lines: string[] = [];
      for (const g of guests) {
        if (g.config.lock) {
          lines.push(`${g.type === 'qemu' ? 'VM' : 'CT'} ${g.vmid} is locked (${String(g.config.lock)}), skipping`);
          continue;
        }
        act(g);
        lines.push(log(g));
      }
      return lines;
    },
  });
}

export function nodeMiscOperations(): Operation[] {
  const bulkVms = opt(P.str('Only consider guests from this comma separated list of VMIDs.', { format: 'pve-vmid-list' }));
  const maxWorkers = opt(
    P.int("Defines the maximum number of tasks running concurrently. If not set, uses'max_workers' from datacenter.cfg.", { minimum: 1 }),
  );
  const scanOp = <const Ps extends Props>(
    path: string,
    name: string,
    params: Ps,
    rows: (ctx: RequestContext<ParamsOf<typeof NODE & Ps>>) => unknown[],
  ) =>
    op({
      method: 'GET',
      path: `/nodes/{node}/scan/${path}`,
      name,
      description: `Scan remote ${path.toUpperCase()} server.`,
      parameters: { ...NODE, ...params },
      returns: returns.array({}),
      permissions: STORAGE_ALLOCATE,
      protected: 1,
      proxyto: 'node',
      handler: rows,
    });
  const unreachable = (server: string) => {
    if (/\.invalid$|^203\.0\.113\./.test(server))
      throw new PveError(500, `rpc mount export: RPC: Unable to receive; errno = No route to host`);
  };
  return [
    op({
      method: 'GET',
      path: '/nodes/{node}/hardware',
      name: 'index',
      description: 'Index of hardware types',
      parameters: NODE,
      returns: returns.array({ type: P.str('') }),
      permissions: { user: 'all' },
      handler: () => index(['pci', 'usb'], 'type'),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/hardware/pci',
      name: 'pci_scan',
      description: 'List local PCI devices.',
      parameters: {
        ...NODE,
        'pci-class-blacklist': opt(
          P.str(
            'A list of blacklisted PCI classes, which will not be returned. Following are filtered by default: Memory Controller (05), Bridge (06) and Processor (0b).',
            { format: 'string-list', default: '05;06;0b' },
          ),
        ),
        verbose: opt(
          P.bool('If disabled, does only print the PCI IDs. Otherwise, additional information like vendor and device will be returned.', {
            default: 1,
          }),
        ),
      },
      returns: returns.array({ id: P.str('The PCI ID.') }),
      permissions: { check: ['perm', '/', ['Sys.Audit', 'Sys.Modify'], 'any', 1] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const black = String(ctx.params['pci-class-blacklist'] ?? '05;06;0b')
          .split(/[;,\s]+/)
          .filter(Boolean);
        return PCI_DEVICES.filter((d) => !black.some((b) => d.class.slice(2).startsWith(b))).map((d) =>
          ctx.params.verbose === 0
            ? { id: d.id, class: d.class, vendor: d.vendor, device: d.device, iommugroup: d.iommugroup }
            : { ...d, subsystem_vendor: d.vendor, subsystem_device: '0x0000' },
        );
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/hardware/pci/{pci-id-or-mapping}',
      name: 'pci_index',
      description: 'Index of available pci methods',
      parameters: {
        ...NODE,
        'pci-id-or-mapping': P.str('The PCI ID or mapping to list the mdev types for.', {
          pattern: '(?:(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}(?:\\.[0-9a-fA-F])?)|[a-zA-Z][a-zA-Z0-9_-]+',
        }),
      },
      returns: returns.array({ method: P.str('') }),
      permissions: { user: 'all' },
      handler: () => [{ method: 'mdev' }],
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/hardware/pci/{pci-id-or-mapping}/mdev',
      name: 'mdevscan',
      description: 'List mediated device types for given PCI device.',
      parameters: {
        ...NODE,
        'pci-id-or-mapping': P.str('The PCI ID or mapping to list the mdev types for.', {
          pattern: '(?:(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}(?:\\.[0-9a-fA-F])?)|[a-zA-Z][a-zA-Z0-9_-]+',
        }),
      },
      returns: returns.array({
        type: P.str('The name of the mdev type.'),
        available: P.int('The number of still available instances of this type.'),
        description: P.str('Additional description of the type.'),
      }),
      permissions: { check: ['perm', '/', ['Sys.Audit', 'Sys.Modify'], 'any', 1] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        let id: string = ctx.params['pci-id-or-mapping'];
        if (!/^[0-9a-f]{4}:|^[0-9a-f]{2}:/i.test(id)) {
          const mapping = ctx.sim.collections.get('/cluster/mapping/pci').get(id);
          if (!mapping) throw new PveError(500, `mapping '${id}' not found`);
          const entry = ((mapping.map as string[]) ?? [])
            .map((m) => Object.fromEntries(m.split(',').map((kv) => kv.split('='))))
            .find((m) => m.node === ctx.params.node);
          if (!entry) throw new PveError(500, `mapping '${id}' has no entry for node '${ctx.params.node}'`);
          id = entry.path;
        }
        const dev = PCI_DEVICES.find(
          (d) => d.id === (id.length === 7 ? `0000:${id}` : id) || d.id === `${id}.0` || d.id === `0000:${id}.0`,
        );
        if (!dev) throw new PveError(500, `PCI device '${id}' not found`);
        if (!dev.mdev) return [];
        return [
          {
            type: 'i915-GVTg_V5_4',
            available: 2,
            description: 'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4',
          },
          {
            type: 'i915-GVTg_V5_8',
            available: 4,
            description: 'low_gm_size: 64MB\nhigh_gm_size: 384MB\nfence: 4\nresolution: 1024x768\nweight: 2',
          },
        ];
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/hardware/usb',
      name: 'usbscan',
      description: 'List local USB devices.',
      parameters: NODE,
      returns: returns.array({ vendid: P.str(''), prodid: P.str('') }),
      permissions: { check: ['perm', '/', ['Sys.Modify']] },
      protected: 1,
      proxyto: 'node',
      handler: () => USB_DEVICES.map((d) => ({ ...d })),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/scan',
      name: 'index',
      description: 'Index of available scan methods',
      parameters: NODE,
      returns: returns.array({ method: P.str('') }),
      permissions: { user: 'all' },
      handler: () => index(['cifs', 'iscsi', 'lvm', 'lvmthin', 'nfs', 'pbs', 'zfs'], 'method'),
    }),
    scanOp('nfs', 'nfsscan', { server: SERVER }, (ctx) => {
      unreachable(ctx.params.server);
      return [
        { path: '/export/pve-backup', options: '192.0.2.0/24' },
        { path: '/export/iso', options: '*' },
        { path: '/export/vmstore', options: '192.0.2.0/24' },
      ];
    }),
    scanOp(
      'cifs',
      'cifsscan',
      {
        server: SERVER,
        username: opt(P.str('User name.')),
        password: opt(P.str('User password.')),
        domain: opt(P.str('SMB domain (Workgroup).')),
      },
      (ctx) => {
        unreachable(ctx.params.server);
        if (!ctx.params.username) throw new PveError(500, 'NT_STATUS_ACCESS_DENIED');
        return [
          { share: 'backup', description: 'Backup share' },
          { share: 'iso', description: 'ISO images' },
        ];
      },
    ),
    scanOp(
      'pbs',
      'pbsscan',
      {
        server: SERVER,
        username: P.str('User-name or API token-ID.'),
        password: P.str('User password or API token secret.'),
        fingerprint: opt(P.str('Certificate SHA 256 fingerprint.', { pattern: '([A-Fa-f0-9]{2}:){31}[A-Fa-f0-9]{2}' })),
        port: opt(P.int('Optional port.', { minimum: 1, maximum: 65535, default: 8007 })),
      },
      (ctx) => {
        unreachable(ctx.params.server);
        if (!ctx.params.fingerprint)
          throw new PveError(500, 'error fetching datastores - fingerprint not verified, please specify a fingerprint');
        return [{ store: 'store1', comment: 'primary datastore' }, { store: 'offsite' }];
      },
    ),
    scanOp(
      'iscsi',
      'iscsiscan',
      { portal: P.str('The iSCSI portal (IP or DNS name with optional port).', { format: 'pve-storage-portal-dns' }) },
      (ctx) => {
        unreachable(String(ctx.params.portal).split(':')[0]);
        return [{ target: 'iqn.2005-10.org.freenas.ctl:pve', portal: `${String(ctx.params.portal).split(':')[0]}:3260` }];
      },
    ),
    scanOp('lvm', 'lvmscan', {}, (ctx) => [...factsOf(ctx).volumeGroups.keys()].map((vg) => ({ vg }))),
    scanOp(
      'lvmthin',
      'lvmthinscan',
      { vg: P.str('', { maxLength: 100, pattern: '[a-zA-Z0-9\\.\\+\\_][a-zA-Z0-9\\.\\+\\_\\-]+' }) },
      (ctx) => {
        const vg = factsOf(ctx).volumeGroups.get(ctx.params.vg);
        if (!vg) throw new PveError(500, `no such volume group '${ctx.params.vg}'`);
        return [...vg.thinpools.keys()].map((lv) => ({ lv }));
      },
    ),
    scanOp('zfs', 'zfsscan', {}, (ctx) => [...factsOf(ctx).zfsPools.keys()].map((pool) => ({ pool }))),
    op({
      method: 'GET',
      path: '/nodes/{node}/capabilities',
      name: 'index',
      description: 'Node capabilities index.',
      parameters: NODE,
      returns: returns.array({}),
      permissions: { user: 'all' },
      proxyto: 'node',
      handler: () => index(['qemu'], 'name'),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/capabilities/qemu',
      name: 'qemu_caps_index',
      description: 'QEMU capabilities index.',
      parameters: NODE,
      returns: returns.array({}),
      permissions: { user: 'all' },
      proxyto: 'node',
      handler: () => index(['cpu', 'cpu-flags', 'machines', 'migration'], 'name'),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/capabilities/qemu/cpu',
      name: 'index',
      description: 'List all custom and default CPU models.',
      parameters: { ...NODE, arch: opt(P.enum('CPU architecture', ['x86_64', 'aarch64'])) },
      returns: returns.array(
        {
          name: P.str('Name of the CPU model.'),
          vendor: P.str('CPU vendor visible to the guest.'),
          custom: P.bool('True if this is a custom CPU model.'),
        },
        'name',
      ),
      permissions: { description: 'Only returns custom models when the current user has Sys.Audit on /nodes.', user: 'all' },
      handler: (ctx) => {
        const builtin = [
          'x86-64-v2',
          'x86-64-v2-AES',
          'x86-64-v3',
          'x86-64-v4',
          'host',
          'kvm64',
          'qemu64',
          'max',
          'Haswell',
          'Broadwell',
          'Skylake-Server',
          'Cascadelake-Server',
          'Icelake-Server',
          'SapphireRapids',
          'EPYC',
          'EPYC-Rome',
          'EPYC-Milan',
          'EPYC-Genoa',
        ].map((name) => ({
          name,
          vendor: name.startsWith('EPYC') ? 'AuthenticAMD' : name.includes('-') || /64|host|max/.test(name) ? 'default' : 'GenuineIntel',
          custom: 0,
        }));
        const custom = hasPriv(ctx.who, '/nodes', 'Sys.Audit')
          ? [...ctx.sim.collections.get('/cluster/qemu/custom-cpu-models').keys()].map((n) => ({
              name: `custom-${n}`,
              vendor: 'default',
              custom: 1,
            }))
          : [];
        return ctx.params.arch === 'aarch64'
          ? [
              { name: 'cortex-a57', vendor: 'ARM', custom: 0 },
              { name: 'max', vendor: 'default', custom: 0 },
            ]
          : [...builtin, ...custom];
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/capabilities/qemu/cpu-flags',
      name: 'index',
      description: 'List of available VM-specific CPU flags.',
      parameters: {
        ...NODE,
        accel: opt(P.enum('Virtualization type', ['kvm', 'tcg'], { default: 'kvm' })),
        arch: opt(P.enum('CPU architecture', ['x86_64', 'aarch64'], { default: 'x86_64' })),
      },
      returns: returns.array({ name: P.str('Name of the CPU flag.') }),
      permissions: { user: 'all' },
      handler: () =>
        [
          'aes',
          'md-clear',
          'pcid',
          'spec-ctrl',
          'ssbd',
          'ibpb',
          'virt-ssbd',
          'amd-ssbd',
          'pdpe1gb',
          'hv-tlbflush',
          'hv-evmcs',
          'avx512f',
        ].map((name) => ({ name, description: `CPU flag ${name}` })),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/capabilities/qemu/machines',
      name: 'types',
      description: 'Get available QEMU/KVM machine types.',
      parameters: { ...NODE, arch: opt(P.enum('CPU architecture', ['x86_64', 'aarch64'])) },
      returns: returns.array({
        id: P.str('Full name of machine type and version.'),
        type: P.enum('The machine type.', ['q35', 'i440fx', 'virt']),
        version: P.str('The machine version.'),
      }),
      permissions: { user: 'all' },
      proxyto: 'node',
      handler: (ctx) =>
        ctx.params.arch === 'aarch64'
          ? ['10.0', '9.2'].map((v) => ({ id: `virt-${v}`, type: 'virt', version: v }))
          : ['10.0', '9.2', '9.0', '8.1'].flatMap((v) => [
              { id: `pc-q35-${v}`, type: 'q35', version: v },
              { id: `pc-i440fx-${v}`, type: 'i440fx', version: v },
            ]),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/capabilities/qemu/migration',
      name: 'capabilities',
      description: "Get node-specific QEMU migration capabilities of the node. Requires the 'Sys.Audit' permission on '/nodes/<node>'.",
      parameters: NODE,
      returns: {
        type: 'object',
        properties: {
          'has-dbus-vmstate': P.bool('Whether the host supports live-migrating additional VM state via the dbus-vmstate helper.'),
        },
      },
      permissions: { check: ['perm', '/nodes/{node}', ['Sys.Audit']] },
      proxyto: 'node',
      handler: () => ({ 'has-dbus-vmstate': 1 }),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/vzdump/defaults',
      name: 'defaults',
      description: 'Get the currently configured vzdump defaults.',
      parameters: { ...NODE, storage: opt(P.storage('The storage identifier.')) },
      returns: { type: 'object' },
      permissions: { description: 'Sys.Audit for the node, or Datastore.Audit on the storage if given.', user: 'all' },
      proxyto: 'node',
      handler: (ctx) => {
        if (ctx.params.storage) {
          const s = ctx.sim.state.storage(ctx.params.storage);
          if (!s) throw new PveError(500, `storage '${ctx.params.storage}' does not exist`);
          if (!hasPriv(ctx.who, `/storage/${s.storage}`, 'Datastore.Audit'))
            throw new PveError(403, `Permission check failed (/storage/${s.storage}, Datastore.Audit)`);
          return {
            storage: s.storage,
            mode: 'snapshot',
            compress: 'zstd',
            ...(s.extra['prune-backups'] ? { 'prune-backups': s.extra['prune-backups'] } : {}),
          };
        }
        if (!hasPriv(ctx.who, `/nodes/${ctx.params.node}`, 'Sys.Audit'))
          throw new PveError(403, `Permission check failed (/nodes/${ctx.params.node}, Sys.Audit)`);
        return { mode: 'snapshot', compress: 'zstd', ionice: 7, lockwait: 180, stopwait: 10, 'notification-mode': 'auto' };
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/vzdump/extractconfig',
      name: 'extractconfig',
      description: 'Extract configuration from vzdump backup archive.',
      parameters: { ...NODE, volume: P.str('Volume identifier') },
      returns: { type: 'string' },
      permissions: {
        description:
          "The user needs 'VM.Backup' permissions on the backed up guest ID, and 'Datastore.AllocateSpace' on the backup storage.",
        user: 'all',
      },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const volid: string = ctx.params.volume;
        const s = ctx.sim.state.storage(volid.split(':')[0]);
        const vol = s ? ctx.sim.state.volumesOn(s, ctx.params.node).find((v) => v.volid === volid) : undefined;
        if (!s || !vol || vol.content !== 'backup') throw new PveError(500, `volume '${volid}' does not exist or is not a backup`);
        if (
          !hasPriv(ctx.who, `/storage/${s.storage}`, 'Datastore.AllocateSpace') ||
          (vol.vmid !== undefined && !hasPriv(ctx.who, `/vms/${vol.vmid}`, 'VM.Backup'))
        ) {
          throw new PveError(403, `Permission check failed (/vms/${vol.vmid}, VM.Backup)`);
        }
        const g = vol.vmid !== undefined ? ctx.sim.state.guests.get(vol.vmid) : undefined;
        const cfg = g ? g.config : { name: `vm${vol.vmid}` };
        return (
          Object.entries(cfg)
            .map(([k, v]) => `${k}: ${v}`)
            .join('\n') + '\n'
        );
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/aplinfo',
      name: 'aplinfo',
      description: 'Get list of appliances.',
      parameters: NODE,
      returns: returns.array({}),
      permissions: { user: 'all' },
      proxyto: 'node',
      handler: () =>
        [
          ['system', 'debian-12-standard_12.7-1_amd64.tar.zst', 'debian-12-standard', '12.7-1', 'Debian 12 Bookworm (standard)'],
          ['system', 'debian-13-standard_13.1-2_amd64.tar.zst', 'debian-13-standard', '13.1-2', 'Debian 13 Trixie (standard)'],
          ['system', 'ubuntu-24.04-standard_24.04-2_amd64.tar.zst', 'ubuntu-24.04-standard', '24.04-2', 'Ubuntu 24.04 Noble (standard)'],
          ['system', 'alpine-3.22-default_20250617_amd64.tar.xz', 'alpine-3.22-default', '20250617', 'Alpine Linux 3.22 (default)'],
          ['turnkeylinux', 'debian-12-turnkey-nextcloud_18.1-1_amd64.tar.gz', 'turnkey-nextcloud', '18.1-1', 'TurnKey Nextcloud'],
        ].map(([section, template, pkg, version, headline]) => ({
          section,
          template,
          package: pkg,
          version,
          headline,
          os: template.split('-')[0],
          type: 'lxc',
          source: `http://download.proxmox.com/images/system/${template}`,
          location: `system/${template}`,
          infopage: 'https://pve.proxmox.com/wiki/Linux_Container',
          description: headline,
          maintainer: 'Proxmox Support Team <support@proxmox.com>',
          architecture: 'amd64',
        })),
    }),
    taskOp({
      method: 'POST',
      path: '/nodes/{node}/aplinfo',
      name: 'apl_download',
      description: 'Download appliance templates.',
      parameters: {
        ...NODE,
        storage: P.storage('The storage where the template will be stored'),
        template: P.str('The template which will downloaded', { maxLength: 255 }),
      },
      returns: { type: 'string' },
      permissions: { check: ['perm', '/storage/{storage}', ['Datastore.AllocateTemplate']] },
      handler: (ctx) => {
        const s = ctx.sim.state.storage(ctx.params.storage);
        if (!s) throw new PveError(500, `storage '${ctx.params.storage}' does not exist`);
        if (!s.content.includes('vztmpl')) throw new PveError(500, `storage '${s.storage}' does not support templates`);
        if (!/^[a-z0-9][a-z0-9._-]*\.tar\.(zst|xz|gz)$/.test(ctx.params.template))
          throw new PveError(400, `no such template '${ctx.params.template}'`);
        const volid = `${s.storage}:vztmpl/${ctx.params.template}`;
        return ctx.sim.tasks.start({
          node: ctx.params.node,
          type: 'download',
          id: ctx.params.template,
          who: ctx.who,
          log: [`downloading http://download.proxmox.com/images/system/${ctx.params.template} to ${volid}`],
          effect: () => {
            if (!ctx.sim.state.volumesOn(s, ctx.params.node).some((v) => v.volid === volid))
              ctx.sim.state.addVolume(ctx.params.node, { volid, content: 'vztmpl', format: 'tzst', size: 130_000_000, ctime: now() });
            return ['download of template finished'];
          },
        });
      },
    }),
    taskOp({
      method: 'POST',
      path: '/nodes/{node}/startall',
      name: 'startall',
      description: 'Start all VMs and containers located on this node (by default only those with onboot=1).',
      parameters: {
        ...NODE,
        force: opt(P.bool("Issue start command even if virtual guest have 'onboot' not set or set to off.")),
        vms: bulkVms,
        'max-workers': maxWorkers,
      },
      returns: { type: 'string' },
      permissions: {
        description: "The 'VM.PowerMgmt' permission is required on '/' or on '/vms/<ID>' for each ID passed via the 'vms' parameter.",
        user: 'all',
      },
      handler: (ctx) =>
        bulk(
          ctx,
          'startall',
          (g) => g.power === 'stopped' && (Boolean(ctx.params.force) || Boolean(ctx.params.vms) || g.config.onboot === 1),
          (g) => {
            g.power = 'running';
            g.startedAt = now();
          },
          (g) => `Starting ${g.type === 'qemu' ? 'VM' : 'CT'} ${g.vmid}`,
        ),
    }),
    taskOp({
      method: 'POST',
      path: '/nodes/{node}/stopall',
      name: 'stopall',
      description: 'Stop all VMs and Containers.',
      parameters: {
        ...NODE,
        vms: bulkVms,
        'force-stop': opt(P.bool('Force a hard-stop after the timeout.', { default: 1 })),
        timeout: opt(
          P.int(
            'Timeout for each guest shutdown task. Depending on `force-stop`, the shutdown gets then simply aborted or a hard-stop is forced.',
            { minimum: 0, maximum: 7200, default: 180 },
          ),
        ),
        'max-workers': maxWorkers,
      },
      returns: { type: 'string' },
      permissions: {
        description: "The 'VM.PowerMgmt' permission is required on '/' or on '/vms/<ID>' for each ID passed via the 'vms' parameter.",
        user: 'all',
      },
      handler: (ctx) =>
        bulk(
          ctx,
          'stopall',
          (g) => g.power !== 'stopped',
          (g) => {
            g.power = 'stopped';
            g.procs.clear();
          },
          (g) => `Stopping ${g.type === 'qemu' ? 'VM' : 'CT'} ${g.vmid}`,
        ),
    }),
    taskOp({
      method: 'POST',
      path: '/nodes/{node}/suspendall',
      name: 'suspendall',
      description: 'Suspend all VMs.',
      parameters: { ...NODE, vms: bulkVms, 'max-workers': maxWorkers },
      returns: { type: 'string' },
      permissions: {
        description:
          "The 'VM.PowerMgmt' permission is required on '/' or on '/vms/<ID>' for each ID passed via the 'vms' parameter. Additionally, you need 'VM.Config.Disk' on the '/vms/{vmid}' path and 'Datastore.AllocateSpace' for the configured state-storage(s)",
        user: 'all',
      },
      handler: (ctx) =>
        bulk(
          ctx,
          'suspendall',
          (g) => g.type === 'qemu' && g.power === 'running',
          (g) => {
            g.power = 'stopped';
            g.config.lock = 'suspended';
          },
          (g) => `Suspending VM ${g.vmid} to disk`,
        ),
    }),
    taskOp({
      method: 'POST',
      path: '/nodes/{node}/migrateall',
      name: 'migrateall',
      description: 'Migrate all VMs and Containers.',
      parameters: {
        ...NODE,
        target: P.node('Target node.'),
        vms: bulkVms,
        'with-local-disks': opt(P.bool('Enable live storage migration for local disk')),
        'max-workers': maxWorkers,
        maxworkers: opt(
          P.int("Maximal number of parallel migration job. If not set, uses'max_workers' from datacenter.cfg. One of both must be set!", {
            minimum: 1,
          }),
        ),
      },
      returns: { type: 'string' },
      permissions: {
        description: "The 'VM.Migrate' permission is required on '/' or on '/vms/<ID>' for each ID passed via the 'vms' parameter.",
        user: 'all',
      },
      handler: (ctx) => {
        if (ctx.params.target === ctx.params.node) throw paramError({ target: 'target is local node.' });
        if (!ctx.sim.state.node(ctx.params.target)) throw paramError({ target: `no such node '${ctx.params.target}'` });
        return bulk(
          ctx,
          'migrateall',
          () => true,
          (g) => ctx.sim.state.moveGuest(g, ctx.params.target),
          (g) => `${g.type === 'qemu' ? 'VM' : 'CT'} ${g.vmid} migrated to ${ctx.params.target}`,
        );
      },
    }),
    op({
      method: 'POST',
      path: '/nodes/{node}/status',
      name: 'node_cmd',
      description: 'Reboot or shutdown a node.',
      parameters: { ...NODE, command: P.enum('Specify the command.', ['reboot', 'shutdown']) },
      returns: returns.null,
      permissions: { check: ['perm', '/nodes/{node}', ['Sys.PowerMgmt']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const n = ctx.sim.state.node(ctx.params.node)!;
        factsOf(ctx).events.push({
          time: now(),
          tag: 'systemd-logind[998]',
          msg: `The system will ${ctx.params.command === 'reboot' ? 'reboot' : 'power off'} now!`,
        });
        if (ctx.params.command === 'reboot') n.bootedAt = now();
        else ctx.sim.faults.offlineNodes.add(n.node);
        return null;
      },
    }),
    op({
      method: 'POST',
      path: '/nodes/{node}/wakeonlan',
      name: 'wakeonlan',
      description: "Try to wake a node via 'wake on LAN' network packet.",
      parameters: NODE,
      returns: { type: 'string', description: 'MAC address used to assemble the WoL magic packet.' },
      permissions: { check: ['perm', '/nodes/{node}', ['Sys.PowerMgmt']] },
      protected: 1,
      handler: (ctx) => {
        const cfg = ctx.sim.state.nodeConfigs.get(ctx.params.node) ?? {};
        const mac = String(cfg.wakeonlan ?? '')
          .split(',')[0]
          .replace(/^mac=/, '');
        if (!mac) throw new PveError(500, `No wake on LAN MAC address defined for '${ctx.params.node}'!`);
        ctx.sim.faults.offlineNodes.delete(ctx.params.node);
        return mac;
      },
    }),
    op({
      method: 'POST',
      path: '/nodes/{node}/termproxy',
      name: 'termproxy',
      description: 'Creates a VNC Shell proxy.',
      parameters: {
        ...NODE,
        cmd: opt(
          P.enum("Run specific command or default to login (requires 'root@pam')", ['ceph_install', 'login', 'upgrade'], {
            default: 'login',
          }),
        ),
        'cmd-opts': opt(P.str('Add parameters to a command. Encoded as null terminated strings.', { default: '' })),
      },
      returns: { type: 'object', properties: { port: P.int(''), ticket: P.str(''), upid: P.str(''), user: P.str('') } },
      permissions: { check: ['perm', '/nodes/{node}', ['Sys.Console']], description: "Restricted to users on realm 'pam'" },
      protected: 1,
      handler: (ctx) => shellTicket(ctx, 'vncshell', false),
    }),
    op({
      method: 'POST',
      path: '/nodes/{node}/vncshell',
      name: 'vncshell',
      description: 'Creates a VNC Shell proxy.',
      parameters: {
        ...NODE,
        cmd: opt(
          P.enum("Run specific command or default to login (requires 'root@pam')", ['ceph_install', 'login', 'upgrade'], {
            default: 'login',
          }),
        ),
        'cmd-opts': opt(P.str('Add parameters to a command. Encoded as null terminated strings.', { default: '' })),
        websocket: opt(P.bool('use websocket instead of standard vnc.')),
        width: opt(P.int('sets the width of the console in pixels.', { minimum: 16, maximum: 4096 })),
        height: opt(P.int('sets the height of the console in pixels.', { minimum: 16, maximum: 2160 })),
      },
      returns: { type: 'object', properties: { cert: P.str(''), port: P.int(''), ticket: P.str(''), upid: P.str(''), user: P.str('') } },
      permissions: { check: ['perm', '/nodes/{node}', ['Sys.Console']], description: "Restricted to users on realm 'pam'" },
      protected: 1,
      handler: (ctx) => shellTicket(ctx, 'vncshell', true),
    }),
  ];
}

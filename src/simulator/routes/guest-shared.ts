import type { RequestContext } from '../context.js';
import { PveError } from '../errors.js';
import { type MayHave, opt, P, type ParamsOf, type Props, type WireParams } from '../params.js';
import { applyPending } from '../pending.js';
import {
  configDigest,
  type ConfigValue,
  formatSize,
  type Guest,
  type GuestType,
  isDiskKey,
  parsePropertyString,
  parseSize,
  type Snapshot,
} from '../state.js';
import { apiStatus, assertUnlocked, guestAgentEnabled, guestSizes, liveStats, now } from './common.js';

/** What every guest route file shares: config declarations, checks and helpers for QEMU VMs and containers. */

export const LOCKS = ['backup', 'clone', 'create', 'migrate', 'rollback', 'snapshot', 'snapshot-delete', 'suspending', 'suspended'];
export const LXC_LOCKS = [
  'backup',
  'create',
  'destroyed',
  'disk',
  'fstrim',
  'migrate',
  'mounted',
  'rollback',
  'snapshot',
  'snapshot-delete',
];
export const DISK_SLOTS = [
  ...[0, 1, 2, 3].map((i) => `ide${i}`),
  ...Array.from({ length: 31 }, (_, i) => `scsi${i}`),
  ...Array.from({ length: 16 }, (_, i) => `virtio${i}`),
  ...Array.from({ length: 6 }, (_, i) => `sata${i}`),
  'efidisk0',
  'tpmstate0',
];

export const diskText =
  '[file=]<volume> [,backup=<1|0>] [,cache=<enum>] [,discard=<ignore|on>] [,format=<enum>] [,iothread=<1|0>] [,media=<cdrom|disk>] [,size=<DiskSize>] [,ssd=<1|0>]';

/** The config keys both create and update accept for VMs, with PVE's types. */
export const QEMU_CONFIG = {
  acpi: opt(P.bool('Enable/disable ACPI.', { default: 1 })),
  agent: opt(
    P.str('Enable/disable communication with the QEMU Guest Agent and its properties.', {
      format: {
        enabled: {
          type: 'boolean',
          default_key: 1,
          description: 'Enable/disable communication with a QEMU Guest Agent (QGA) running in the VM.',
        },
        'freeze-fs': { type: 'boolean', optional: 1, description: 'Freeze/thaw guest filesystems on backup for consistency.' },
        fstrim_cloned_disks: { type: 'boolean', optional: 1, description: 'Run fstrim after moving a disk or migrating the VM.' },
        type: { type: 'string', enum: ['virtio', 'isa'], optional: 1, description: 'Select the agent type' },
      },
      typetext: '[enabled=]<1|0> [,freeze-fs=<1|0>] [,fstrim_cloned_disks=<1|0>] [,type=<virtio|isa>]',
    }),
  ),
  balloon: opt(P.int('Amount of target RAM for the VM in MiB. Using zero disables the ballon driver.', { minimum: 0 })),
  bios: opt(P.enum('Select BIOS implementation.', ['seabios', 'ovmf'], { default: 'seabios' })),
  boot: opt(
    P.str("Specify guest boot order. Use the 'order=' sub-property as usage with no key or 'legacy=' is deprecated.", {
      format: 'pve-qm-boot',
      typetext: '[[legacy=]<[acdn]{1,4}>] [,order=<device[;device...]>]',
    }),
  ),
  cores: opt(P.int('The number of cores per socket.', { minimum: 1, default: 1 })),
  cpu: opt(
    P.str('Emulated CPU type.', {
      format: 'pve-vm-cpu-conf',
      typetext: '[[cputype=]<string>] [,flags=<+FLAG[;-FLAG...]>] [,hidden=<1|0>]',
    }),
  ),
  cpulimit: opt(P.num('Limit of CPU usage.', { minimum: 0, maximum: 128, default: 0 })),
  cpuunits: opt(P.int('CPU weight for a VM.', { minimum: 1, maximum: 262144 })),
  description: opt(P.str("Description for the VM. Shown in the web-interface VM's summary.", { maxLength: 8192 })),
  efidisk0: opt(
    P.str('Configure a disk for storing EFI vars.', {
      typetext: '[file=]<volume> [,efitype=<2m|4m>] [,format=<enum>] [,pre-enrolled-keys=<1|0>] [,size=<DiskSize>]',
    }),
  ),
  hotplug: opt(
    P.str(
      "Selectively enable hotplug features. This is a comma separated list of hotplug features: 'network', 'disk', 'cpu', 'memory', 'usb' and 'cloudinit'.",
      { format: 'pve-hotplug-features', default: 'network,disk,usb' },
    ),
  ),
  'ide[n]': opt(P.str('Use volume as IDE hard disk or CD-ROM (n is 0 to 3).', { typetext: diskText })),
  'ipconfig[n]': opt(
    P.str('cloud-init: Specify IP addresses and gateways for the corresponding interface.', {
      format: 'pve-qm-ipconfig',
      typetext: '[gw=<GatewayIPv4>] [,gw6=<GatewayIPv6>] [,ip=<IPv4Format/CIDR>] [,ip6=<IPv6Format/CIDR>]',
    }),
  ),
  ciuser: opt(P.str("cloud-init: User name to change ssh keys and password for instead of the image's configured default user.")),
  cipassword: opt(P.str('cloud-init: Password to assign the user.')),
  kvm: opt(P.bool('Enable/disable KVM hardware virtualization.', { default: 1 })),
  lock: opt(P.enum('Lock/unlock the VM.', LOCKS)),
  machine: opt(
    P.str('Specify the QEMU machine.', {
      typetext: '[[type=]<machine type>] [,enable-s3=<1|0>] [,enable-s4=<1|0>] [,viommu=<intel|virtio>]',
    }),
  ),
  memory: opt(
    P.str('Memory properties.', {
      typetext: '[current=]<integer>',
      format: { current: { type: 'integer', default_key: 1, minimum: 16, description: 'Current amount of online RAM for the VM in MiB.' } },
    }),
  ),
  name: opt(P.str('Set a name for the VM. Only used on the configuration web interface.', { format: 'dns-name' })),
  nameserver: opt(P.str('cloud-init: Sets DNS server IP address for a container.', { format: 'address-list' })),
  'net[n]': opt(
    P.str('Specify network devices.', {
      typetext:
        '[model=]<enum> [,bridge=<bridge>] [,firewall=<1|0>] [,link_down=<1|0>] [,macaddr=<XX:XX:XX:XX:XX:XX>] [,mtu=<integer>] [,queues=<integer>] [,rate=<number>] [,tag=<integer>] [,trunks=<vlanid[;vlanid...]>] [,<model>=<macaddr>]',
    }),
  ),
  numa: opt(P.bool('Enable/disable NUMA.', { default: 0 })),
  onboot: opt(P.bool('Specifies whether a VM will be started during system bootup.', { default: 0 })),
  ostype: opt(
    P.enum(
      'Specify guest operating system.',
      ['other', 'wxp', 'w2k', 'w2k3', 'w2k8', 'wvista', 'win7', 'win8', 'win10', 'win11', 'l24', 'l26', 'solaris'],
      { default: 'other' },
    ),
  ),
  protection: opt(
    P.bool('Sets the protection flag of the VM. This will disable the remove VM and remove disk operations.', { default: 0 }),
  ),
  'sata[n]': opt(P.str('Use volume as SATA hard disk or CD-ROM (n is 0 to 5).', { typetext: diskText })),
  'scsi[n]': opt(P.str('Use volume as SCSI hard disk or CD-ROM (n is 0 to 30).', { typetext: diskText })),
  scsihw: opt(
    P.enum('SCSI controller model', ['lsi', 'lsi53c810', 'virtio-scsi-pci', 'virtio-scsi-single', 'megasas', 'pvscsi'], { default: 'lsi' }),
  ),
  searchdomain: opt(P.str('cloud-init: Sets DNS search domains for a container.')),
  smbios1: opt(
    P.str('Specify SMBIOS type 1 fields.', { maxLength: 512, typetext: '[base64=<1|0>] [,family=<Base64 encoded string>] [,uuid=<UUID>]' }),
  ),
  sockets: opt(P.int('The number of CPU sockets.', { minimum: 1, default: 1 })),
  sshkeys: opt(P.str('cloud-init: Setup public SSH keys (one key per line, OpenSSH format).')),
  startup: opt(
    P.str('Startup and shutdown behavior. Order is a non-negative number defining the general startup order.', {
      typetext: '[[order=]\\d+] [,up=\\d+] [,down=\\d+] ',
    }),
  ),
  tablet: opt(P.bool('Enable/disable the USB tablet device.', { default: 1 })),
  tags: opt(P.str('Tags of the VM. This is only meta information.', { format: 'pve-tag-list' })),
  template: opt(P.bool('Enable/disable Template.', { default: 0 })),
  tpmstate0: opt(
    P.str('Configure a Disk for storing TPM state.', { typetext: '[file=]<volume> [,size=<DiskSize>] [,version=<v1.2|v2.0>]' }),
  ),
  'unused[n]': opt(
    P.str('Reference to unused volumes. This is used internally, and should not be modified manually.', {
      format: 'pve-volume-id',
      typetext: '[file=]<volume>',
    }),
  ),
  vga: opt(P.str('Configure the VGA hardware.', { typetext: '[[type=]<enum>] [,clipboard=<vnc>] [,memory=<integer>]' })),
  'virtio[n]': opt(P.str('Use volume as VIRTIO hard disk (n is 0 to 15).', { typetext: diskText })),
  vmgenid: opt(
    P.str("Set VM Generation ID. Use '1' to autogenerate on create or update, pass '0' to disable explicitly.", {
      default: '1 (autogenerated)',
    }),
  ),
} satisfies Props;

export const LXC_CONFIG = {
  arch: opt(P.enum('OS architecture type.', ['amd64', 'i386', 'arm64', 'armhf', 'riscv32', 'riscv64'], { default: 'amd64' })),
  cores: opt(
    P.int('The number of cores assigned to the container. A container can use all available cores by default.', {
      minimum: 1,
      maximum: 8192,
    }),
  ),
  cpulimit: opt(P.num('Limit of CPU usage.', { minimum: 0, maximum: 8192, default: 0 })),
  cpuunits: opt(P.int('CPU weight for a container.', { minimum: 0, maximum: 500000, default: 'cgroup v1: 1024, cgroup v2: 100' })),
  description: opt(P.str("Description for the Container. Shown in the web-interface CT's summary.", { maxLength: 8192 })),
  features: opt(
    P.str('Allow containers access to advanced features.', {
      typetext: '[force_rw_sys=<1|0>] [,fuse=<1|0>] [,keyctl=<1|0>] [,mknod=<1|0>] [,mount=<fstype;fstype;...>] [,nesting=<1|0>]',
    }),
  ),
  hostname: opt(P.str('Set a host name for the container.', { format: 'dns-name', maxLength: 255 })),
  lock: opt(P.enum('Lock/unlock the container.', LXC_LOCKS)),
  memory: opt(P.int('Amount of RAM for the container in MB.', { minimum: 16, default: 512 })),
  'mp[n]': opt(
    P.str('Use volume as container mount point. Use the special syntax STORAGE_ID:SIZE_IN_GiB to allocate a new volume.', {
      typetext:
        '[volume=]<volume> ,mp=<Path> [,acl=<1|0>] [,backup=<1|0>] [,quota=<1|0>] [,replicate=<1|0>] [,ro=<1|0>] [,shared=<1|0>] [,size=<DiskSize>]',
    }),
  ),
  nameserver: opt(
    P.str(
      'Sets DNS server IP address for a container. Create will automatically use the setting from the host if you neither set searchdomain nor nameserver.',
      { format: 'lxc-ip-with-ll-iface-list' },
    ),
  ),
  'net[n]': opt(
    P.str('Specifies network interfaces for the container.', {
      typetext:
        'name=<string> [,bridge=<bridge>] [,firewall=<1|0>] [,gw=<GatewayIPv4>] [,hwaddr=<XX:XX:XX:XX:XX:XX>] [,ip=<(IPv4/CIDR|dhcp|manual)>] [,mtu=<integer>] [,rate=<mbps>] [,tag=<integer>] [,type=<veth>]',
    }),
  ),
  onboot: opt(P.bool('Specifies whether a container will be started during system bootup.', { default: 0 })),
  ostype: opt(
    P.enum('OS type. This is used to setup configuration inside the container.', [
      'debian',
      'devuan',
      'ubuntu',
      'centos',
      'fedora',
      'opensuse',
      'archlinux',
      'alpine',
      'gentoo',
      'nixos',
      'unmanaged',
    ]),
  ),
  protection: opt(
    P.bool("Sets the protection flag of the container. This will prevent the CT or CT's disk remove/update operation.", { default: 0 }),
  ),
  rootfs: opt(
    P.str('Use volume as container root.', {
      typetext:
        '[volume=]<volume> [,acl=<1|0>] [,mountoptions=<opt[;opt...]>] [,quota=<1|0>] [,replicate=<1|0>] [,ro=<1|0>] [,shared=<1|0>] [,size=<DiskSize>]',
    }),
  ),
  searchdomain: opt(
    P.str(
      'Sets DNS search domains for a container. Create will automatically use the setting from the host if you neither set searchdomain nor nameserver.',
      { format: 'dns-name-list' },
    ),
  ),
  startup: opt(P.str('Startup and shutdown behavior.', { typetext: '[[order=]\\d+] [,up=\\d+] [,down=\\d+] ' })),
  swap: opt(P.int('Amount of SWAP for the container in MB.', { minimum: 0, default: 512 })),
  tags: opt(P.str('Tags of the Container. This is only meta information.', { format: 'pve-tag-list' })),
  template: opt(P.bool('Enable/disable Template.', { default: 0 })),
  unprivileged: opt(
    P.bool(
      'Makes the container run as unprivileged user. For creation, the default is 1. For restore, the default is the value from the backup.',
      { default: 0 },
    ),
  ),
  'unused[n]': opt(
    P.str('Reference to unused volumes. This is used internally, and should not be modified manually.', { typetext: '[volume=]<volume>' }),
  ),
} satisfies Props;

export const VMID_PATH = { node: P.node(), vmid: P.vmid() } satisfies Props;
export const SKIPLOCK = { skiplock: opt(P.bool('Ignore locks - only root is allowed to use this option.')) } satisfies Props;
export const DIGEST = {
  digest: opt(
    P.str(
      'Prevent changes if current configuration file has different SHA1 digest. This can be used to prevent concurrent modifications.',
      { maxLength: 40 },
    ),
  ),
} satisfies Props;

/** Which privilege a changed config key needs (PVE's check_vm_modify_config_perm). */
export function configPriv(type: GuestType, key: string, value: unknown): string {
  if (/^(memory|balloon|shares|swap)$/.test(key)) return 'VM.Config.Memory';
  if (/^(cores|sockets|cpu|cpulimit|cpuunits|vcpus|numa|affinity)$/.test(key)) return 'VM.Config.CPU';
  if (/^net\d+$/.test(key)) return 'VM.Config.Network';
  if (/^(ipconfig\d+|ciuser|cipassword|sshkeys|nameserver|searchdomain|cicustom|citype)$/.test(key))
    return type === 'qemu' ? 'VM.Config.Cloudinit' : 'VM.Config.Network';
  if (isDiskKey(type, key) || /^unused\d+$/.test(key)) {
    return String(value ?? '').includes('media=cdrom') ? 'VM.Config.CDROM' : 'VM.Config.Disk';
  }
  if (/^(bios|machine|scsihw|vga|serial\d+|usb\d+|hostpci\d+|arch|features)$/.test(key)) return 'VM.Config.HWType';
  return 'VM.Config.Options';
}

export interface Kind {
  type: GuestType;
  prefix: 'qm' | 'vz';
  label: 'VM' | 'CT';
  config: Props;
}

export const KINDS: Record<GuestType, Kind> = {
  qemu: { type: 'qemu', prefix: 'qm', label: 'VM', config: QEMU_CONFIG },
  lxc: { type: 'lxc', prefix: 'vz', label: 'CT', config: LXC_CONFIG },
};

export function taskType(kind: Kind, action: string): string {
  return `${kind.prefix}${action}`;
}

/** Stores wire values the way PVE's config parser types them (integers and booleans as numbers). */
export function typedValue(props: Props, key: string, value: unknown): ConfigValue {
  return typeof value === 'number' ? value : String(value);
}

/** Turns `STORAGE:SIZE` disk specs into allocated volumes, as PVE does on create and update. */
export function allocateDisks(ctx: RequestContext, g: Guest, updates: Record<string, ConfigValue>): void {
  const state = ctx.sim.state;
  for (const [key, value] of Object.entries(updates)) {
    if (!isDiskKey(g.type, key)) continue;
    const text = String(value);
    if (text.includes('media=cdrom') || text.startsWith('none')) continue;
    const defaultKey = g.type === 'qemu' ? 'file' : 'volume';
    const spec = parsePropertyString(text, defaultKey);
    const m = /^([^:]+):(\d+(?:\.\d+)?)$/.exec(spec[defaultKey] ?? '');
    if (!m) continue;
    const storage = state.storage(m[1]);
    if (!storage) throw new PveError(500, `storage '${m[1]}' does not exist`);
    if (!storage.content.includes(g.type === 'qemu' ? 'images' : 'rootdir')) {
      throw new PveError(500, `storage '${m[1]}' does not support ${g.type === 'qemu' ? 'vm images' : 'container directories'}`);
    }
    const used = new Set(state.volumesOn(storage, g.node).map((v) => v.volid));
    let n = 0;
    const base = g.type === 'qemu' ? 'vm' : 'subvol';
    while (used.has(`${m[1]}:${base}-${g.vmid}-disk-${n}`)) n++;
    const volid = `${m[1]}:${base}-${g.vmid}-disk-${n}`;
    const size = parseSize(m[2]);
    state.addVolume(g.node, { volid, content: g.type === 'qemu' ? 'images' : 'rootdir', format: 'raw', size, ctime: now(), vmid: g.vmid });
    const rest = text
      .split(',')
      .slice(1)
      .filter((p) => !p.startsWith('size='));
    updates[key] = [volid, ...rest, `size=${formatSize(size)}`].join(',');
  }
}

export function applyConfig(ctx: RequestContext, kind: Kind, g: Guest, updates: Record<string, ConfigValue>, del: string[]): void {
  allocateDisks(ctx, g, updates);
  for (const key of del) {
    const old = g.config[key];
    if (old === undefined) continue;
    delete g.config[key];
    if (isDiskKey(g.type, key) && !String(old).includes('media=cdrom')) {
      // A removed disk is kept as unusedN, like PVE does.
      const vol = parsePropertyString(String(old), g.type === 'qemu' ? 'file' : 'volume');
      let n = 0;
      while (g.config[`unused${n}`] !== undefined) n++;
      const volid = vol.file ?? vol.volume;
      if (volid && volid.includes(':')) g.config[`unused${n}`] = volid;
    }
    if (/^unused\d+$/.test(key)) ctx.sim.state.removeVolumes(g.node, (v) => v.volid === String(old));
  }
  Object.assign(g.config, updates);
}

export function splitConfigParams(ctx: RequestContext<WireParams>, kind: Kind): { updates: Record<string, ConfigValue>; del: string[] } {
  const control = new Set([
    'node',
    'vmid',
    'digest',
    'delete',
    'revert',
    'skiplock',
    'force',
    'background_delay',
    'storage',
    'pool',
    'start',
    'unique',
    'ostemplate',
    'password',
    'ssh-public-keys',
    'ha-managed',
  ]);
  const updates: Record<string, ConfigValue> = {};
  for (const [k, v] of Object.entries(ctx.params)) if (!control.has(k)) updates[k] = typedValue(kind.config, k, v);
  const del = String(ctx.params.delete ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);
  for (const k of del) {
    if (k in updates) throw new PveError(400, 'Parameter verification failed.', { delete: `unable to delete '${k}' - option is also set` });
  }
  return { updates, del };
}

/** The path parameters of every guest operation. */
export type GuestPath = ParamsOf<typeof VMID_PATH>;

export function getGuest(ctx: RequestContext<GuestPath>, kind: Kind): Guest {
  return ctx.sim.state.guestOn(ctx.params.node, kind.type, ctx.params.vmid);
}

/** The guest in the path, refused while it is locked (see assertUnlocked). */
export function unlockedGuest(ctx: RequestContext<MayHave<GuestPath & { readonly skiplock?: 0 | 1 }>>, kind: Kind): Guest {
  const g = getGuest(ctx, kind);
  assertUnlocked(ctx, g);
  return g;
}

/** Refuses a change made against an older config: the `digest` parameter, when given, must match. */
export function assertDigest(ctx: RequestContext<{ readonly digest?: string }>, g: Guest): void {
  if (ctx.params.digest && ctx.params.digest !== configDigest(g.config)) {
    throw new PveError(500, 'detected modified configuration - file changed by other user? Try again.');
  }
}

/** The guest's snapshot of that name, or PVE's error when there is none. */
export function snapshotOf(g: Guest, name: string): Snapshot {
  const snap = g.snapshots.find((s) => s.name === name);
  if (!snap) throw new PveError(500, `snapshot '${name}' does not exist`);
  return snap;
}

export function notRunning(kind: Kind, g: Guest): PveError {
  return new PveError(500, kind.type === 'qemu' ? `VM ${g.vmid} not running` : `CT ${g.vmid} not running`);
}

export function startTask(
  ctx: RequestContext,
  kind: Kind,
  g: Guest,
  action: string,
  effect?: () => void | string[],
  extra: { log?: string[]; onFail?: () => void } = {},
): string {
  return ctx.sim.tasks.start({
    node: g.node,
    type: taskType(kind, action),
    id: String(g.vmid),
    who: ctx.who,
    effect,
    ...extra,
  });
}

/** The `ha` field of status/current: whether HA manages the guest, and its requested state. */
export function haInfo(ctx: RequestContext, g: Guest): Record<string, unknown> {
  const res = ctx.sim.state.ha.resources.get(`${g.type === 'qemu' ? 'vm' : 'ct'}:${g.vmid}`);
  return res ? { managed: 1, state: res.state } : { managed: 0 };
}

/** The HA state a power action requests for an HA-managed guest. */
export function haRequest(action: string): 'started' | 'stopped' | undefined {
  if (action === 'start') return 'started';
  if (action === 'stop' || action === 'shutdown') return 'stopped';
  return undefined;
}

export function setRunning(g: Guest, power: Guest['power']): void {
  if (power !== 'stopped' && g.power === 'stopped') g.startedAt = now();
  g.power = power;
  if (power === 'stopped') {
    g.procs.clear();
    applyPending(g);
  }
}

export function snapshotList(g: Guest): Array<Record<string, unknown>> {
  const list: Array<Record<string, unknown>> = g.snapshots.map((s) => {
    const row: Record<string, unknown> = { name: s.name, description: s.description, snaptime: s.snaptime };
    if (g.type === 'qemu') row.vmstate = s.vmstate ?? 0;
    if (s.parent) row.parent = s.parent;
    return row;
  });
  const current: Record<string, unknown> = {
    name: 'current',
    description: 'You are here!',
    digest: configDigest(g.config),
    running: g.power === 'stopped' ? 0 : 1,
  };
  if (g.parent) current.parent = g.parent;
  list.push(current);
  return list;
}

export function statusCurrent(ctx: RequestContext, kind: Kind, g: Guest): Record<string, unknown> {
  const { maxdisk, maxmem, cpus } = guestSizes(g);
  const s = liveStats(g);
  const out: Record<string, unknown> = {
    vmid: g.vmid,
    name: ctx.sim.state.guestName(g),
    status: apiStatus(g),
    cpus,
    maxmem,
    maxdisk,
    ...s,
    ha: haInfo(ctx, g),
  };
  if (kind.type === 'qemu') {
    out.qmpstatus = g.power === 'paused' ? 'paused' : apiStatus(g);
    out.memhost = s.mem;
    if (g.power !== 'stopped') {
      out.pid = 10000 + g.vmid;
      out['running-machine'] = 'pc-i440fx-10.0+pve0';
      out['running-qemu'] = '10.0.2';
    }
    if (guestAgentEnabled(g)) out.agent = 1;
    out.serial = 0;
  } else {
    out.type = 'lxc';
    out.maxswap = Number(g.config.swap ?? 512) * 1024 * 1024;
    out.swap = 0;
    if (g.power !== 'stopped') out.pid = 20000 + g.vmid;
  }
  if (g.config.lock) out.lock = g.config.lock;
  if (g.config.tags) out.tags = g.config.tags;
  if (g.config.template) out.template = 1;
  return out;
}

export function listRow(ctx: RequestContext, kind: Kind, g: Guest): Record<string, unknown> {
  const full = statusCurrent(ctx, kind, g);
  delete full.ha;
  delete full.agent;
  delete full['running-machine'];
  delete full['running-qemu'];
  delete full.serial;
  if (kind.type === 'qemu') delete full.qmpstatus;
  return full;
}

export function cryptoUuid(): string {
  return globalThis.crypto.randomUUID();
}

/** The name of a snapshot, as path and body parameter. */
export const snapName = P.str('The name of the snapshot.', { format: 'pve-configid', maxLength: 40 });

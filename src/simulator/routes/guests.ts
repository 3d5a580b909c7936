import { hasPriv, requirePriv } from '../access.js';
import type { RequestContext } from '../context.js';
import { PveError } from '../errors.js';
import { P, opt, type Props } from '../params.js';
import { op, returns, taskOp, type Operation } from '../schema.js';
import {
  configDigest,
  formatSize,
  isDiskKey,
  parsePropertyString,
  parseSize,
  type ConfigValue,
  type Guest,
  type GuestType,
  type Snapshot,
} from '../state.js';
import { apiStatus, assertNotTemplate, assertUnlocked, guestAgentEnabled, guestSizes, guestVolumes, index, liveStats, now } from './common.js';

const LOCKS = ['backup', 'clone', 'create', 'migrate', 'rollback', 'snapshot', 'snapshot-delete', 'suspending', 'suspended'];
const LXC_LOCKS = ['backup', 'create', 'destroyed', 'disk', 'fstrim', 'migrate', 'mounted', 'rollback', 'snapshot', 'snapshot-delete'];
const DISK_SLOTS = [
  ...[0, 1, 2, 3].map((i) => `ide${i}`),
  ...Array.from({ length: 31 }, (_, i) => `scsi${i}`),
  ...Array.from({ length: 16 }, (_, i) => `virtio${i}`),
  ...Array.from({ length: 6 }, (_, i) => `sata${i}`),
  'efidisk0',
  'tpmstate0',
];

const diskText = '[file=]<volume> [,backup=<1|0>] [,cache=<enum>] [,discard=<ignore|on>] [,format=<enum>] [,iothread=<1|0>] [,media=<cdrom|disk>] [,size=<DiskSize>] [,ssd=<1|0>]';

/** The config keys both create and update accept for VMs, with PVE's types. */
const QEMU_CONFIG: Props = {
  acpi: opt(P.bool('Enable/disable ACPI.', { default: 1 })),
  agent: opt(P.str('Enable/disable communication with the QEMU Guest Agent and its properties.', { format: { enabled: { type: 'boolean', default_key: 1, description: 'Enable/disable communication with a QEMU Guest Agent (QGA) running in the VM.' }, 'freeze-fs': { type: 'boolean', optional: 1, description: 'Freeze/thaw guest filesystems on backup for consistency.' }, fstrim_cloned_disks: { type: 'boolean', optional: 1, description: 'Run fstrim after moving a disk or migrating the VM.' }, type: { type: 'string', enum: ['virtio', 'isa'], optional: 1, description: 'Select the agent type' } }, typetext: '[enabled=]<1|0> [,freeze-fs=<1|0>] [,fstrim_cloned_disks=<1|0>] [,type=<virtio|isa>]' })),
  balloon: opt(P.int('Amount of target RAM for the VM in MiB. Using zero disables the ballon driver.', { minimum: 0 })),
  bios: opt(P.enum('Select BIOS implementation.', ['seabios', 'ovmf'], { default: 'seabios' })),
  boot: opt(P.str("Specify guest boot order. Use the 'order=' sub-property as usage with no key or 'legacy=' is deprecated.", { format: 'pve-qm-boot', typetext: '[[legacy=]<[acdn]{1,4}>] [,order=<device[;device...]>]' })),
  cores: opt(P.int('The number of cores per socket.', { minimum: 1, default: 1 })),
  cpu: opt(P.str('Emulated CPU type.', { format: 'pve-vm-cpu-conf', typetext: '[[cputype=]<string>] [,flags=<+FLAG[;-FLAG...]>] [,hidden=<1|0>]' })),
  cpulimit: opt(P.num('Limit of CPU usage.', { minimum: 0, maximum: 128, default: 0 })),
  cpuunits: opt(P.int('CPU weight for a VM.', { minimum: 1, maximum: 262144 })),
  description: opt(P.str('Description for the VM. Shown in the web-interface VM\'s summary.', { maxLength: 8192 })),
  efidisk0: opt(P.str('Configure a disk for storing EFI vars.', { typetext: '[file=]<volume> [,efitype=<2m|4m>] [,format=<enum>] [,pre-enrolled-keys=<1|0>] [,size=<DiskSize>]' })),
  hotplug: opt(P.str("Selectively enable hotplug features. This is a comma separated list of hotplug features: 'network', 'disk', 'cpu', 'memory', 'usb' and 'cloudinit'.", { format: 'pve-hotplug-features', default: 'network,disk,usb' })),
  'ide[n]': opt(P.str('Use volume as IDE hard disk or CD-ROM (n is 0 to 3).', { typetext: diskText })),
  'ipconfig[n]': opt(P.str('cloud-init: Specify IP addresses and gateways for the corresponding interface.', { format: 'pve-qm-ipconfig', typetext: '[gw=<GatewayIPv4>] [,gw6=<GatewayIPv6>] [,ip=<IPv4Format/CIDR>] [,ip6=<IPv6Format/CIDR>]' })),
  ciuser: opt(P.str('cloud-init: User name to change ssh keys and password for instead of the image\'s configured default user.')),
  cipassword: opt(P.str('cloud-init: Password to assign the user.')),
  kvm: opt(P.bool('Enable/disable KVM hardware virtualization.', { default: 1 })),
  lock: opt(P.enum('Lock/unlock the VM.', LOCKS)),
  machine: opt(P.str('Specify the QEMU machine.', { typetext: '[[type=]<machine type>] [,enable-s3=<1|0>] [,enable-s4=<1|0>] [,viommu=<intel|virtio>]' })),
  memory: opt(P.str('Memory properties.', { typetext: '[current=]<integer>', format: { current: { type: 'integer', default_key: 1, minimum: 16, description: 'Current amount of online RAM for the VM in MiB.' } } })),
  name: opt(P.str('Set a name for the VM. Only used on the configuration web interface.', { format: 'dns-name' })),
  nameserver: opt(P.str('cloud-init: Sets DNS server IP address for a container.', { format: 'address-list' })),
  'net[n]': opt(P.str('Specify network devices.', { typetext: '[model=]<enum> [,bridge=<bridge>] [,firewall=<1|0>] [,link_down=<1|0>] [,macaddr=<XX:XX:XX:XX:XX:XX>] [,mtu=<integer>] [,queues=<integer>] [,rate=<number>] [,tag=<integer>] [,trunks=<vlanid[;vlanid...]>] [,<model>=<macaddr>]' })),
  numa: opt(P.bool('Enable/disable NUMA.', { default: 0 })),
  onboot: opt(P.bool('Specifies whether a VM will be started during system bootup.', { default: 0 })),
  ostype: opt(P.enum('Specify guest operating system.', ['other', 'wxp', 'w2k', 'w2k3', 'w2k8', 'wvista', 'win7', 'win8', 'win10', 'win11', 'l24', 'l26', 'solaris'], { default: 'other' })),
  protection: opt(P.bool("Sets the protection flag of the VM. This will disable the remove VM and remove disk operations.", { default: 0 })),
  'sata[n]': opt(P.str('Use volume as SATA hard disk or CD-ROM (n is 0 to 5).', { typetext: diskText })),
  'scsi[n]': opt(P.str('Use volume as SCSI hard disk or CD-ROM (n is 0 to 30).', { typetext: diskText })),
  scsihw: opt(P.enum('SCSI controller model', ['lsi', 'lsi53c810', 'virtio-scsi-pci', 'virtio-scsi-single', 'megasas', 'pvscsi'], { default: 'lsi' })),
  searchdomain: opt(P.str('cloud-init: Sets DNS search domains for a container.')),
  smbios1: opt(P.str('Specify SMBIOS type 1 fields.', { maxLength: 512, typetext: '[base64=<1|0>] [,family=<Base64 encoded string>] [,uuid=<UUID>]' })),
  sockets: opt(P.int('The number of CPU sockets.', { minimum: 1, default: 1 })),
  sshkeys: opt(P.str('cloud-init: Setup public SSH keys (one key per line, OpenSSH format).')),
  startup: opt(P.str("Startup and shutdown behavior. Order is a non-negative number defining the general startup order.", { typetext: '[[order=]\\d+] [,up=\\d+] [,down=\\d+] ' })),
  tablet: opt(P.bool('Enable/disable the USB tablet device.', { default: 1 })),
  tags: opt(P.str('Tags of the VM. This is only meta information.', { format: 'pve-tag-list' })),
  template: opt(P.bool('Enable/disable Template.', { default: 0 })),
  tpmstate0: opt(P.str('Configure a Disk for storing TPM state.', { typetext: '[file=]<volume> [,size=<DiskSize>] [,version=<v1.2|v2.0>]' })),
  'unused[n]': opt(P.str('Reference to unused volumes. This is used internally, and should not be modified manually.', { format: 'pve-volume-id', typetext: '[file=]<volume>' })),
  vga: opt(P.str('Configure the VGA hardware.', { typetext: '[[type=]<enum>] [,clipboard=<vnc>] [,memory=<integer>]' })),
  'virtio[n]': opt(P.str('Use volume as VIRTIO hard disk (n is 0 to 15).', { typetext: diskText })),
  vmgenid: opt(P.str('Set VM Generation ID. Use \'1\' to autogenerate on create or update, pass \'0\' to disable explicitly.', { default: '1 (autogenerated)' })),
};

const LXC_CONFIG: Props = {
  arch: opt(P.enum('OS architecture type.', ['amd64', 'i386', 'arm64', 'armhf', 'riscv32', 'riscv64'], { default: 'amd64' })),
  cores: opt(P.int('The number of cores assigned to the container. A container can use all available cores by default.', { minimum: 1, maximum: 8192 })),
  cpulimit: opt(P.num('Limit of CPU usage.', { minimum: 0, maximum: 8192, default: 0 })),
  cpuunits: opt(P.int('CPU weight for a container.', { minimum: 0, maximum: 500000, default: 'cgroup v1: 1024, cgroup v2: 100' })),
  description: opt(P.str('Description for the Container. Shown in the web-interface CT\'s summary.', { maxLength: 8192 })),
  features: opt(P.str('Allow containers access to advanced features.', { typetext: '[force_rw_sys=<1|0>] [,fuse=<1|0>] [,keyctl=<1|0>] [,mknod=<1|0>] [,mount=<fstype;fstype;...>] [,nesting=<1|0>]' })),
  hostname: opt(P.str('Set a host name for the container.', { format: 'dns-name', maxLength: 255 })),
  lock: opt(P.enum('Lock/unlock the container.', LXC_LOCKS)),
  memory: opt(P.int('Amount of RAM for the container in MB.', { minimum: 16, default: 512 })),
  'mp[n]': opt(P.str('Use volume as container mount point. Use the special syntax STORAGE_ID:SIZE_IN_GiB to allocate a new volume.', { typetext: '[volume=]<volume> ,mp=<Path> [,acl=<1|0>] [,backup=<1|0>] [,quota=<1|0>] [,replicate=<1|0>] [,ro=<1|0>] [,shared=<1|0>] [,size=<DiskSize>]' })),
  nameserver: opt(P.str("Sets DNS server IP address for a container. Create will automatically use the setting from the host if you neither set searchdomain nor nameserver.", { format: 'lxc-ip-with-ll-iface-list' })),
  'net[n]': opt(P.str('Specifies network interfaces for the container.', { typetext: 'name=<string> [,bridge=<bridge>] [,firewall=<1|0>] [,gw=<GatewayIPv4>] [,hwaddr=<XX:XX:XX:XX:XX:XX>] [,ip=<(IPv4/CIDR|dhcp|manual)>] [,mtu=<integer>] [,rate=<mbps>] [,tag=<integer>] [,type=<veth>]' })),
  onboot: opt(P.bool('Specifies whether a container will be started during system bootup.', { default: 0 })),
  ostype: opt(P.enum('OS type. This is used to setup configuration inside the container.', ['debian', 'devuan', 'ubuntu', 'centos', 'fedora', 'opensuse', 'archlinux', 'alpine', 'gentoo', 'nixos', 'unmanaged'])),
  protection: opt(P.bool("Sets the protection flag of the container. This will prevent the CT or CT's disk remove/update operation.", { default: 0 })),
  rootfs: opt(P.str('Use volume as container root.', { typetext: '[volume=]<volume> [,acl=<1|0>] [,mountoptions=<opt[;opt...]>] [,quota=<1|0>] [,replicate=<1|0>] [,ro=<1|0>] [,shared=<1|0>] [,size=<DiskSize>]' })),
  searchdomain: opt(P.str("Sets DNS search domains for a container. Create will automatically use the setting from the host if you neither set searchdomain nor nameserver.", { format: 'dns-name-list' })),
  startup: opt(P.str("Startup and shutdown behavior.", { typetext: '[[order=]\\d+] [,up=\\d+] [,down=\\d+] ' })),
  swap: opt(P.int('Amount of SWAP for the container in MB.', { minimum: 0, default: 512 })),
  tags: opt(P.str('Tags of the Container. This is only meta information.', { format: 'pve-tag-list' })),
  template: opt(P.bool('Enable/disable Template.', { default: 0 })),
  unprivileged: opt(P.bool('Makes the container run as unprivileged user. For creation, the default is 1. For restore, the default is the value from the backup.', { default: 0 })),
  'unused[n]': opt(P.str('Reference to unused volumes. This is used internally, and should not be modified manually.', { typetext: '[volume=]<volume>' })),
};

const VMID_PATH: Props = { node: P.node(), vmid: P.vmid() };
const SKIPLOCK: Props = { skiplock: opt(P.bool('Ignore locks - only root is allowed to use this option.')) };
const DIGEST: Props = {
  digest: opt(P.str('Prevent changes if current configuration file has different SHA1 digest. This can be used to prevent concurrent modifications.', { maxLength: 40 })),
};

/** Which privilege a changed config key needs (PVE's check_vm_modify_config_perm). */
function configPriv(type: GuestType, key: string, value: unknown): string {
  if (/^(memory|balloon|shares|swap)$/.test(key)) return 'VM.Config.Memory';
  if (/^(cores|sockets|cpu|cpulimit|cpuunits|vcpus|numa|affinity)$/.test(key)) return 'VM.Config.CPU';
  if (/^net\d+$/.test(key)) return 'VM.Config.Network';
  if (/^(ipconfig\d+|ciuser|cipassword|sshkeys|nameserver|searchdomain|cicustom|citype)$/.test(key)) return type === 'qemu' ? 'VM.Config.Cloudinit' : 'VM.Config.Network';
  if (isDiskKey(type, key) || /^unused\d+$/.test(key)) {
    return String(value ?? '').includes('media=cdrom') ? 'VM.Config.CDROM' : 'VM.Config.Disk';
  }
  if (/^(bios|machine|scsihw|vga|serial\d+|usb\d+|hostpci\d+|arch|features)$/.test(key)) return 'VM.Config.HWType';
  return 'VM.Config.Options';
}

interface Kind {
  type: GuestType;
  prefix: 'qm' | 'vz';
  label: 'VM' | 'CT';
  config: Props;
}

const KINDS: Record<GuestType, Kind> = {
  qemu: { type: 'qemu', prefix: 'qm', label: 'VM', config: QEMU_CONFIG },
  lxc: { type: 'lxc', prefix: 'vz', label: 'CT', config: LXC_CONFIG },
};

function taskType(kind: Kind, action: string): string {
  return `${kind.prefix}${action}`;
}

/** Stores wire values the way PVE's config parser types them (integers and booleans as numbers). */
function typedValue(props: Props, key: string, value: unknown): ConfigValue {
  return typeof value === 'number' ? value : String(value);
}

/** Turns `STORAGE:SIZE` disk specs into allocated volumes, as PVE does on create and update. */
function allocateDisks(ctx: RequestContext, g: Guest, updates: Record<string, ConfigValue>): void {
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
    const rest = text.split(',').slice(1).filter((p) => !p.startsWith('size='));
    updates[key] = [volid, ...rest, `size=${formatSize(size)}`].join(',');
  }
}

function applyConfig(ctx: RequestContext, kind: Kind, g: Guest, updates: Record<string, ConfigValue>, del: string[]): void {
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

function splitConfigParams(ctx: RequestContext, kind: Kind): { updates: Record<string, ConfigValue>; del: string[] } {
  const control = new Set(['node', 'vmid', 'digest', 'delete', 'revert', 'skiplock', 'force', 'background_delay', 'storage', 'pool', 'start', 'unique', 'ostemplate', 'password', 'ssh-public-keys', 'ha-managed']);
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

function getGuest(ctx: RequestContext, kind: Kind): Guest {
  return ctx.sim.state.guestOn(ctx.params.node, kind.type, ctx.params.vmid);
}

/** The guest in the path, refused while it is locked (see assertUnlocked). */
function unlockedGuest(ctx: RequestContext, kind: Kind): Guest {
  const g = getGuest(ctx, kind);
  assertUnlocked(ctx, g);
  return g;
}

/** Refuses a change made against an older config: the `digest` parameter, when given, must match. */
function assertDigest(ctx: RequestContext, g: Guest): void {
  if (ctx.params.digest && ctx.params.digest !== configDigest(g.config)) {
    throw new PveError(500, 'detected modified configuration - file changed by other user? Try again.');
  }
}

/** The guest's snapshot of that name, or PVE's error when there is none. */
function snapshotOf(g: Guest, name: string): Snapshot {
  const snap = g.snapshots.find((s) => s.name === name);
  if (!snap) throw new PveError(500, `snapshot '${name}' does not exist`);
  return snap;
}

function notRunning(kind: Kind, g: Guest): PveError {
  return new PveError(500, kind.type === 'qemu' ? `VM ${g.vmid} not running` : `CT ${g.vmid} not running`);
}

function startTask(ctx: RequestContext, kind: Kind, g: Guest, action: string, effect?: () => void | string[], extra: { log?: string[]; onFail?: () => void } = {}): string {
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
function haInfo(ctx: RequestContext, g: Guest): Record<string, unknown> {
  const res = ctx.sim.state.ha.resources.get(`${g.type === 'qemu' ? 'vm' : 'ct'}:${g.vmid}`);
  return res ? { managed: 1, state: res.state } : { managed: 0 };
}

/** The HA state a power action requests for an HA-managed guest. */
function haRequest(action: string): 'started' | 'stopped' | undefined {
  if (action === 'start') return 'started';
  if (action === 'stop' || action === 'shutdown') return 'stopped';
  return undefined;
}

function setRunning(g: Guest, power: Guest['power']): void {
  if (power !== 'stopped' && g.power === 'stopped') g.startedAt = now();
  g.power = power;
  if (power === 'stopped') g.procs.clear();
}

function snapshotList(g: Guest): Array<Record<string, unknown>> {
  const list: Array<Record<string, unknown>> = g.snapshots.map((s) => {
    const row: Record<string, unknown> = { name: s.name, description: s.description, snaptime: s.snaptime };
    if (g.type === 'qemu') row.vmstate = s.vmstate ?? 0;
    if (s.parent) row.parent = s.parent;
    return row;
  });
  const current: Record<string, unknown> = { name: 'current', description: 'You are here!', digest: configDigest(g.config), running: g.power === 'stopped' ? 0 : 1 };
  if (g.parent) current.parent = g.parent;
  list.push(current);
  return list;
}

function statusCurrent(ctx: RequestContext, kind: Kind, g: Guest): Record<string, unknown> {
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

function listRow(ctx: RequestContext, kind: Kind, g: Guest): Record<string, unknown> {
  const full = statusCurrent(ctx, kind, g);
  delete full.ha;
  delete full.agent;
  delete full['running-machine'];
  delete full['running-qemu'];
  delete full.serial;
  if (kind.type === 'qemu') delete full.qmpstatus;
  return full;
}

export function guestOperations(type: GuestType): Operation[] {
  const kind = KINDS[type];
  const base = `/nodes/{node}/${type}`;
  const vm = `${base}/{vmid}`;
  const label = kind.label;
  const lower = type === 'qemu' ? 'VM' : 'container';
  const ops: Operation[] = [];
  const power = (action: string, description: string, params: Props, run: (ctx: RequestContext, g: Guest) => string) =>
    ops.push(
      taskOp({
        method: 'POST',
        path: `${vm}/status/${action}`,
        name: `vm_${action}`,
        description,
        parameters: { ...VMID_PATH, ...params },
        returns: { type: 'string' },
        permissions: { check: ['perm', '/vms/{vmid}', ['VM.PowerMgmt']] },
        handler: (ctx) => {
          const g = getGuest(ctx, kind);
          const hastate = haRequest(action);
          const ha = ctx.sim.state.ha;
          const sid = `${type === 'qemu' ? 'vm' : 'ct'}:${g.vmid}`;
          const res = ha.resources.get(sid);
          // PVE hands power requests for HA-managed guests to the HA stack (tasks hastart/hastop).
          if (hastate && res && res.state !== 'ignored' && !(ha.armed !== 'armed' && ha.resourceMode === 'ignore')) {
            return ctx.sim.tasks.start({
              node: g.node,
              type: hastate === 'started' ? 'hastart' : 'hastop',
              id: String(g.vmid),
              who: ctx.who,
              log: [`Requesting HA ${hastate === 'started' ? 'start' : 'stop'} for ${type === 'qemu' ? 'VM' : 'CT'} ${g.vmid}`],
              effect: () => {
                res.state = hastate;
                ha.syncGuests();
              },
            });
          }
          return run(ctx, g);
        },
      }),
    );

  ops.push(
    op({
      method: 'GET',
      path: base,
      name: 'vmlist',
      description: `${type === 'qemu' ? 'Virtual machine' : 'LXC container'} index (per node).`,
      parameters: type === 'qemu' ? { full: opt(P.bool('Determine the full status of active VMs.')), node: P.node() } : { node: P.node() },
      returns: returns.array({ vmid: P.vmid(), status: P.enum('QEMU process status.', ['stopped', 'running']) }, 'vmid'),
      permissions: { description: `Only list ${type === 'qemu' ? 'VMs' : 'CTs'} where you have VM.Audit permissions on /vms/<vmid>.`, user: 'all' },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        return [...ctx.sim.state.guests.values()]
          .filter((g) => g.node === ctx.params.node && g.type === type && hasPriv(ctx.who, `/vms/${g.vmid}`, 'VM.Audit')).map((g) => listRow(ctx, kind, g));
      },
    }),
  );

  const createParams: Props = {
    ...kind.config,
    node: P.node(),
    vmid: P.vmid(`The (unique) ID of the ${lower}.`),
    pool: opt(P.str('Add the VM to the specified pool.', { format: 'pve-poolid' })),
    start: opt(P.bool(`Start ${lower} after it was created successfully.`, { default: 0 })),
    storage: opt(P.storage('Default storage.')),
    unique: opt(P.bool('Assign a unique random ethernet address.', { requires: 'archive' })),
  };
  delete createParams.unique;
  if (type === 'lxc') {
    createParams.ostemplate = P.str('The OS template or backup file.', { maxLength: 255 });
    createParams.password = opt(P.str('Sets root password inside container.', { minLength: 5 }));
    createParams['ssh-public-keys'] = opt(P.str('Setup public SSH keys (one key per line, OpenSSH format).'));
    delete createParams.template;
  }
  ops.push(
    taskOp({
      method: 'POST',
      path: base,
      name: 'create_vm',
      description: type === 'qemu' ? 'Create or restore a virtual machine.' : 'Create or restore a container.',
      parameters: createParams,
      returns: { type: 'string' },
      permissions: { description: `You need 'VM.Allocate' permissions on /vms/{vmid} or on the VM pool /pool/{pool}.`, user: 'all' },
      handler: (ctx) => {
        const state = ctx.sim.state;
        const vmid: number = ctx.params.vmid;
        requirePriv(ctx.who, `/vms/${vmid}`, 'VM.Allocate');
        const existing = state.guests.get(vmid);
        if (existing) throw new PveError(500, `VM ${vmid} already exists on node '${existing.node}'`);
        if (ctx.params.pool && !state.pools.has(ctx.params.pool)) throw new PveError(500, `no such pool '${ctx.params.pool}'`);
        const { updates } = splitConfigParams(ctx, kind);
        if (type === 'lxc') {
          const tmpl = String(ctx.params.ostemplate);
          const storageName = tmpl.split(':')[0];
          const storage = state.storage(storageName);
          if (!storage || !state.volumesOn(storage, ctx.params.node).some((v) => v.volid === tmpl)) {
            throw new PveError(500, `volume '${tmpl}' does not exist`);
          }
          updates.rootfs ??= `${ctx.params.storage ?? 'local'}:4`;
          updates.hostname ??= `CT${vmid}`;
          updates.arch ??= 'amd64';
          updates.ostype ??= /ubuntu/.test(tmpl) ? 'ubuntu' : /alpine/.test(tmpl) ? 'alpine' : 'debian';
          updates.unprivileged ??= 1;
          updates.memory ??= 512;
          updates.swap ??= 512;
        } else {
          updates.memory ??= '2048';
          updates.smbios1 ??= `uuid=${cryptoUuid()}`;
          updates.vmgenid ??= cryptoUuid();
          updates.meta = `creation-qemu=10.0.2,ctime=${now()}`;
        }
        const name = String(updates.name ?? updates.hostname ?? '');
        const g = state.addGuest({
          vmid,
          type,
          node: ctx.params.node,
          name,
          power: 'stopped',
          memory: 0,
          cores: 1,
          disk: 0,
          os: type === 'lxc' ? ((updates.ostype as 'debian') ?? 'debian') : String(updates.ostype ?? '').startsWith('w') ? 'windows' : 'debian',
          agentRunning: true,
        });
        // addGuest seeds a default config and root volume: replace them with what was asked for.
        state.removeVolumes(g.node, (v) => v.vmid === vmid);
        g.config = { lock: 'create' };
        if (ctx.params.pool) g.pool = ctx.params.pool;
        try {
          applyConfig(ctx, kind, g, updates, []);
        } catch (e) {
          state.guests.delete(vmid);
          state.removeVolumes(g.node, (v) => v.vmid === vmid);
          throw e;
        }
        state.resetGuestFiles(g);
        const log = type === 'qemu' ? [] : [`extracting archive '/var/lib/vz/template/cache/${String(ctx.params.ostemplate).split('/').pop()}'`, 'Total bytes read: 524288000 (500MiB, 250MiB/s)', 'Detected container architecture: amd64', 'Creating SSH host keys...'];
        return startTask(
          ctx,
          kind,
          g,
          'create',
          () => {
            delete g.config.lock;
            if (ctx.params.start) setRunning(g, 'running');
          },
          {
            log,
            onFail: () => {
              state.guests.delete(vmid);
              state.removeVolumes(g.node, (v) => v.vmid === vmid);
            },
          },
        );
      },
    }),
  );

  ops.push(
    op({
      method: 'GET',
      path: vm,
      name: 'vmdiridx',
      description: 'Directory index',
      parameters: VMID_PATH,
      returns: returns.array({ subdir: { type: 'string' } }, 'subdir'),
      permissions: { user: 'all' },
      proxyto: 'node',
      handler: (ctx) => {
        getGuest(ctx, kind);
        return index(
          type === 'qemu'
            ? ['config', 'pending', 'status', 'unlink', 'vncproxy', 'termproxy', 'migrate', 'resize', 'move', 'rrd', 'rrddata', 'monitor', 'agent', 'snapshot', 'spiceproxy', 'sendkey', 'firewall', 'mtunnel', 'remote_migrate']
            : ['config', 'status', 'vncproxy', 'termproxy', 'vncwebsocket', 'spiceproxy', 'migrate', 'clone', 'rrd', 'firewall', 'snapshot', 'resize', 'interfaces', 'mtunnel', 'remote_migrate'],
        );
      },
    }),
  );

  const destroyParams: Props = {
    ...VMID_PATH,
    'destroy-unreferenced-disks': opt(P.bool('If set, destroy additionally all disks not referenced in the config but with a matching VMID from all enabled storages.', { default: 0 })),
    purge: opt(P.bool('Remove VMID from configurations, like backup & replication jobs and HA.')),
  };
  if (type === 'qemu') destroyParams.skiplock = SKIPLOCK.skiplock;
  else destroyParams.force = opt(P.bool('Force destroy, even if running.', { default: 0 }));
  ops.push(
    taskOp({
      method: 'DELETE',
      path: vm,
      name: 'destroy_vm',
      description: type === 'qemu' ? 'Destroy the VM and  all used/owned volumes. Removes any VM specific permissions and firewall rules' : 'Destroy the container (also delete all uses files).',
      parameters: destroyParams,
      returns: { type: 'string' },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Allocate']] },
      handler: (ctx) => {
        const g = unlockedGuest(ctx, kind);
        if (g.config.protection) throw new PveError(500, `can't remove ${type === 'qemu' ? 'VM' : 'CT'} ${g.vmid} - protection mode enabled`);
        const sid = `${type === 'qemu' ? 'vm' : 'ct'}:${g.vmid}`;
        if (ctx.sim.state.ha.resources.has(sid) && !ctx.params.purge) {
          throw new PveError(500, `unable to remove ${type === 'qemu' ? 'VM' : 'CT'} ${g.vmid} - used in HA resources and purge parameter not set.`);
        }
        if (g.power !== 'stopped' && !ctx.params.force) {
          throw new PveError(500, type === 'qemu' ? `VM ${g.vmid} is running - destroy failed` : `CT ${g.vmid} is running - destroy failed`);
        }
        g.config.lock = 'destroyed';
        return startTask(ctx, kind, g, 'destroy', () => {
          ctx.sim.state.guests.delete(g.vmid);
          if (ctx.params.purge) ctx.sim.state.ha.removeResource(sid, true);
          const vols = new Set(guestVolumes(g));
          ctx.sim.state.removeVolumes(g.node, (v) => vols.has(v.volid) || (v.vmid === g.vmid && v.content !== 'backup'));
          return [`Removing image: 100% complete...done.`, `purging ${label} ${g.vmid} from related configurations..`];
        }, { onFail: () => delete g.config.lock });
      },
    }),
  );

  ops.push(
    op({
      method: 'GET',
      path: `${vm}/config`,
      name: 'vm_config',
      description: type === 'qemu' ? 'Get the virtual machine configuration with pending configuration changes applied. Set the \'current\' parameter to get the current configuration instead.' : 'Get container configuration.',
      parameters: {
        ...VMID_PATH,
        current: opt(P.bool('Get current values (instead of pending values).', { default: 0 })),
        snapshot: opt(P.str('Fetch config values from given snapshot.', { format: 'pve-configid', maxLength: 40 })),
      },
      returns: { type: 'object', properties: { digest: P.str('SHA1 digest of configuration file.') } },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Audit']] },
      proxyto: 'node',
      handler: (ctx) => {
        const g = getGuest(ctx, kind);
        let config = g.config;
        if (ctx.params.snapshot) {
          const snap = snapshotOf(g, ctx.params.snapshot);
          config = { ...snap.config, snaptime: snap.snaptime, description: snap.description };
        }
        const out: Record<string, unknown> = { ...config, digest: configDigest(g.config) };
        if (g.parent && !ctx.params.snapshot) out.parent = g.parent;
        return out;
      },
    }),
  );

  const updateParams: Props = {
    ...kind.config,
    ...VMID_PATH,
    delete: opt(P.str('A list of settings you want to delete.', { format: 'pve-configid-list' })),
    ...DIGEST,
  };
  if (type === 'qemu') {
    updateParams.revert = opt(P.str('Revert a pending change.', { format: 'pve-configid-list' }));
    updateParams.skiplock = SKIPLOCK.skiplock;
    updateParams.force = opt(P.bool("Force physical removal. Without this, we simple remove the disk from the config file and create an additional configuration entry called 'unused[n]', which contains the volume ID. Unlink of unused[n] always cause physical removal.", { requires: 'delete' }));
  } else {
    updateParams.revert = opt(P.str('Revert a pending change.', { format: 'pve-configid-list' }));
    delete updateParams.template;
  }
  const configPerms = type === 'qemu'
    ? ['VM.Config.Disk', 'VM.Config.CDROM', 'VM.Config.CPU', 'VM.Config.Memory', 'VM.Config.Network', 'VM.Config.HWType', 'VM.Config.Options', 'VM.Config.Cloudinit']
    : ['VM.Config.Disk', 'VM.Config.CPU', 'VM.Config.Memory', 'VM.Config.Network', 'VM.Config.Options'];
  const updateConfig = (ctx: RequestContext): Guest => {
    const g = getGuest(ctx, kind);
    const { updates, del } = splitConfigParams(ctx, kind);
    for (const [k, v] of Object.entries(updates)) requirePriv(ctx.who, `/vms/${g.vmid}`, configPriv(type, k, v));
    for (const k of del) requirePriv(ctx.who, `/vms/${g.vmid}`, configPriv(type, k, g.config[k]));
    if (!('lock' in updates) && !del.includes('lock')) assertUnlocked(ctx, g);
    assertDigest(ctx, g);
    if (!Object.keys(updates).length && !del.length && !ctx.params.revert) {
      throw new PveError(500, 'no options specified');
    }
    applyConfig(ctx, kind, g, updates, del);
    if ('name' in updates || 'hostname' in updates) g.files.set('/etc/hostname', `${updates.name ?? updates.hostname}\n`);
    return g;
  };
  ops.push(
    op({
      method: 'PUT',
      path: `${vm}/config`,
      name: 'update_vm',
      description: type === 'qemu' ? 'Set virtual machine options (synchronous API) - You should consider using the POST method instead for any actions involving hotplug or storage allocation.' : 'Set container options.',
      parameters: updateParams,
      returns: { type: 'null' },
      permissions: { check: ['perm', '/vms/{vmid}', configPerms, 'any', 1] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        updateConfig(ctx);
        return null;
      },
    }),
  );
  if (type === 'qemu') {
    ops.push(
      taskOp({
        method: 'POST',
        path: `${vm}/config`,
        name: 'update_vm_async',
        description: 'Set virtual machine options (asynchronous API).',
        parameters: { ...updateParams, background_delay: opt(P.int('Time to wait for the task to finish. We return \'null\' if the task finish within that time.', { minimum: 1, maximum: 30 })) },
        returns: { type: 'string', optional: 1 },
        permissions: { check: ['perm', '/vms/{vmid}', configPerms, 'any', 1] },
        handler: (ctx) => {
          const g = updateConfig(ctx);
          return startTask(ctx, kind, g, 'config');
        },
      }),
    );
  }

  ops.push(
    op({
      method: 'GET',
      path: `${vm}/status`,
      name: 'vmcmdidx',
      description: 'Directory index',
      parameters: VMID_PATH,
      returns: returns.array({ subdir: { type: 'string' } }, 'subdir'),
      permissions: { user: 'all' },
      proxyto: 'node',
      handler: (ctx) => {
        getGuest(ctx, kind);
        return index(type === 'qemu' ? ['current', 'start', 'stop', 'reset', 'shutdown', 'suspend', 'reboot'] : ['current', 'start', 'stop', 'shutdown', 'migrate']);
      },
    }),
  );
  ops.push(
    op({
      method: 'GET',
      path: `${vm}/status/current`,
      name: 'vm_status',
      description: type === 'qemu' ? 'Get virtual machine status.' : 'Get virtual machine status.',
      parameters: VMID_PATH,
      returns: { type: 'object', properties: { status: P.enum('QEMU process status.', ['stopped', 'running']), vmid: P.vmid() } },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Audit']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => statusCurrent(ctx, kind, getGuest(ctx, kind)),
    }),
  );

  power('start', type === 'qemu' ? 'Start virtual machine.' : 'Start the container.', type === 'qemu' ? { ...SKIPLOCK, timeout: opt(P.int('Wait maximal timeout seconds.', { minimum: 0, default: 'max(30, vm memory in GiB)' })) } : { ...SKIPLOCK, debug: opt(P.bool('If set, enables very verbose debug log-level on start.', { default: 0 })) }, (ctx, g) => {
    if (g.config.template) throw new PveError(500, type === 'qemu' ? "you can't start a vm if it's a template" : "you can't start a CT if it's a template");
    assertUnlocked(ctx, g);
    return startTask(ctx, kind, g, 'start', () => {
      if (g.power !== 'stopped') throw new Error(type === 'qemu' ? `VM ${g.vmid} already running` : `CT ${g.vmid} already running`);
      setRunning(g, 'running');
      return type === 'qemu' ? [`generating cloud-init ISO`].slice(0, 0) : [];
    });
  });
  power('stop', type === 'qemu' ? 'Stop virtual machine. The qemu process will exit immediately. This is akin to pulling the power plug of a running computer and may damage the VM data.' : 'Stop the container. This will abruptly stop all processes running in the container.', type === 'qemu' ? { ...SKIPLOCK, timeout: opt(P.int('Wait maximal timeout seconds.', { minimum: 0 })), keepActive: opt(P.bool('Do not deactivate storage volumes.', { default: 0 })), 'overrule-shutdown': opt(P.bool('Try to abort active \'qmshutdown\' tasks before stopping.', { default: 0 })) } : { ...SKIPLOCK, 'overrule-shutdown': opt(P.bool("Try to abort active 'vzshutdown' tasks before stopping.", { default: 0 })) }, (ctx, g) => {
    assertUnlocked(ctx, g);
    if (type === 'lxc' && g.power === 'stopped') throw notRunning(kind, g);
    return startTask(ctx, kind, g, 'stop', () => setRunning(g, 'stopped'));
  });
  power('shutdown', type === 'qemu' ? 'Shutdown virtual machine. This is similar to pressing the power button on a physical machine. This will send an ACPI event for the guest OS, which should then proceed to a clean shutdown.' : 'Shutdown the container. This will trigger a clean shutdown of the container, see lxc-stop(1) for details.', type === 'qemu' ? { ...SKIPLOCK, forceStop: opt(P.bool('Make sure the VM stops.', { default: 0 })), timeout: opt(P.int('Wait maximal timeout seconds.', { minimum: 0 })), keepActive: opt(P.bool('Do not deactivate storage volumes.', { default: 0 })) } : { forceStop: opt(P.bool('Make sure the Container stops.', { default: 0 })), timeout: opt(P.int('Wait maximal timeout seconds.', { minimum: 0, default: 60 })) }, (ctx, g) => {
    assertUnlocked(ctx, g);
    return startTask(ctx, kind, g, 'shutdown', () => {
      if (g.power === 'stopped') throw notRunning(kind, g);
      setRunning(g, 'stopped');
    });
  });
  power('reboot', type === 'qemu' ? 'Reboot the VM by shutting it down, and starting it again. Applies pending changes.' : 'Reboot the container by shutting it down, and starting it again. Applies pending changes.', { timeout: opt(P.int('Wait maximal timeout seconds for the shutdown.', { minimum: 0 })) }, (ctx, g) => {
    if (g.power === 'stopped') throw notRunning(kind, g);
    return startTask(ctx, kind, g, 'reboot', () => {
      g.startedAt = now();
      g.power = 'running';
      g.procs.clear();
    });
  });
  power('suspend', type === 'qemu' ? 'Suspend virtual machine.' : 'Suspend the container. This is experimental.', type === 'qemu' ? { ...SKIPLOCK, todisk: opt(P.bool('If set, suspends the VM to disk. Will be resumed on next VM start.', { default: 0 })), statestorage: opt(P.storage('The storage for the VM state')) } : {}, (ctx, g) => {
    assertUnlocked(ctx, g);
    if (g.power === 'stopped') throw notRunning(kind, g);
    return startTask(ctx, kind, g, 'suspend', () => {
      if (type === 'qemu' && ctx.params.todisk) setRunning(g, 'stopped');
      else g.power = 'paused';
    });
  });
  power('resume', type === 'qemu' ? 'Resume virtual machine.' : 'Resume the container.', type === 'qemu' ? { ...SKIPLOCK, nocheck: opt(P.bool('nocheck')) } : {}, (ctx, g) => {
    if (g.power === 'stopped') throw notRunning(kind, g);
    return startTask(ctx, kind, g, 'resume', () => {
      g.power = 'running';
    });
  });
  if (type === 'qemu') {
    power('reset', 'Reset virtual machine.', SKIPLOCK, (ctx, g) => {
      assertUnlocked(ctx, g);
      if (g.power === 'stopped') throw notRunning(kind, g);
      return startTask(ctx, kind, g, 'reset', () => {
        g.startedAt = now();
        g.procs.clear();
      });
    });
  }

  const snapName = P.str('The name of the snapshot.', { format: 'pve-configid', maxLength: 40 });
  ops.push(
    op({
      method: 'GET',
      path: `${vm}/snapshot`,
      name: type === 'qemu' ? 'snapshot_list' : 'list',
      description: type === 'qemu' ? 'List all snapshots.' : 'List all snapshots.',
      parameters: VMID_PATH,
      returns: returns.array({ name: P.str("Snapshot identifier. Value 'current' identifies the current VM."), description: P.str('Snapshot description.') }, 'name'),
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Audit']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => snapshotList(getGuest(ctx, kind)),
    }),
  );
  const snapParams: Props = { ...VMID_PATH, snapname: snapName, description: opt(P.str('A textual description or comment.')) };
  if (type === 'qemu') snapParams.vmstate = opt(P.bool('Save the vmstate'));
  ops.push(
    taskOp({
      method: 'POST',
      path: `${vm}/snapshot`,
      name: 'snapshot',
      description: 'Snapshot a VM.',
      parameters: snapParams,
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Snapshot']] },
      handler: (ctx) => {
        const g = getGuest(ctx, kind);
        const name: string = ctx.params.snapname;
        if (name === 'current') throw new PveError(500, "invalid snapshot name 'current'");
        assertUnlocked(ctx, g);
        if (g.snapshots.some((s) => s.name === name)) throw new PveError(500, `snapshot name '${name}' already used`);
        if (type === 'qemu' && ctx.params.vmstate && g.power === 'stopped') {
          // PVE silently ignores vmstate for a stopped VM.
        }
        g.config.lock = 'snapshot';
        return startTask(ctx, kind, g, 'snapshot', () => {
          delete g.config.lock;
          g.snapshots.push({
            name,
            description: ctx.params.description ?? '',
            snaptime: now(),
            vmstate: type === 'qemu' ? (ctx.params.vmstate && g.power !== 'stopped' ? 1 : 0) : undefined,
            parent: g.parent,
            config: { ...g.config },
          });
          g.parent = name;
          return [`snapshotting 'drive-scsi0' (${String(g.config.scsi0 ?? g.config.rootfs ?? '').split(',')[0]})`];
        }, { onFail: () => delete g.config.lock });
      },
    }),
  );
  ops.push(
    op({
      method: 'GET',
      path: `${vm}/snapshot/{snapname}`,
      name: 'snapshot_cmd_idx',
      description: '',
      parameters: { ...VMID_PATH, snapname: snapName },
      returns: { type: 'array', items: { type: 'object', properties: {} }, links: [{ rel: 'child', href: '{cmd}' }] },
      permissions: { user: 'all' },
      proxyto: 'node',
      handler: (ctx) => {
        const g = getGuest(ctx, kind);
        snapshotOf(g, ctx.params.snapname);
        return [{ cmd: 'rollback' }, { cmd: 'config' }];
      },
    }),
  );
  ops.push(
    taskOp({
      method: 'DELETE',
      path: `${vm}/snapshot/{snapname}`,
      name: 'delsnapshot',
      description: 'Delete a VM snapshot.',
      parameters: { ...VMID_PATH, snapname: snapName, force: opt(P.bool('For removal from config file, even if removing disk snapshots fails.')) },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Snapshot']] },
      handler: (ctx) => {
        const g = getGuest(ctx, kind);
        const snap = snapshotOf(g, ctx.params.snapname);
        assertUnlocked(ctx, g);
        return startTask(ctx, kind, g, 'delsnapshot', () => {
          g.snapshots = g.snapshots.filter((s) => s !== snap);
          for (const s of g.snapshots) if (s.parent === snap.name) s.parent = snap.parent;
          if (g.parent === snap.name) g.parent = snap.parent;
        });
      },
    }),
  );
  ops.push(
    taskOp({
      method: 'POST',
      path: `${vm}/snapshot/{snapname}/rollback`,
      name: 'rollback',
      description: 'Rollback VM state to specified snapshot.',
      parameters: { ...VMID_PATH, snapname: snapName, start: opt(P.bool(`Whether the ${lower} should get started after rolling back successfully.`, { default: 0 })) },
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Snapshot', 'VM.Snapshot.Rollback'], 'any', 1] },
      handler: (ctx) => {
        const g = getGuest(ctx, kind);
        const snap = snapshotOf(g, ctx.params.snapname);
        assertUnlocked(ctx, g);
        return startTask(ctx, kind, g, 'rollback', () => {
          g.config = { ...snap.config };
          g.parent = snap.name;
          if (snap.vmstate) setRunning(g, 'running');
          else setRunning(g, ctx.params.start ? 'running' : 'stopped');
          if (ctx.params.start && g.power === 'stopped') setRunning(g, 'running');
        });
      },
    }),
  );

  const cloneParams: Props = {
    ...VMID_PATH,
    newid: P.vmid('VMID for the clone.'),
    description: opt(P.str('Description for the new VM.')),
    full: opt(P.bool('Create a full copy of all disks. This is always done when you clone a normal VM. For VM templates, we try to create a linked clone by default.')),
    pool: opt(P.str('Add the new VM to the specified pool.', { format: 'pve-poolid' })),
    snapname: opt(snapName),
    storage: opt(P.storage('Target storage for full clone.')),
    target: opt(P.node('Target node. Only allowed if the original VM is on shared storage.')),
  };
  if (type === 'qemu') cloneParams.name = opt(P.str('Set a name for the new VM.', { format: 'dns-name' }));
  else cloneParams.hostname = opt(P.str('Set a hostname for the new CT.'));
  ops.push(
    taskOp({
      method: 'POST',
      path: `${vm}/clone`,
      name: 'clone_vm',
      description: type === 'qemu' ? 'Create a copy of virtual machine/template.' : 'Create a container clone/copy',
      parameters: cloneParams,
      returns: { type: 'string' },
      permissions: { check: ['and', ['perm', '/vms/{vmid}', ['VM.Clone']], ['or', ['perm', '/vms/{newid}', ['VM.Allocate']], ['perm', '/pool/{pool}', ['VM.Allocate'], 'require_param', 'pool']]] },
      handler: (ctx) => {
        const state = ctx.sim.state;
        const g = getGuest(ctx, kind);
        const newid: number = ctx.params.newid;
        const existing = state.guests.get(newid);
        if (existing) throw new PveError(500, `VM ${newid} already exists on node '${existing.node}'`);
        if (type === 'lxc' && g.power !== 'stopped' && !ctx.params.snapname) throw new PveError(500, 'cannot clone running container without snapshot');
        const targetNode: string = ctx.params.target ?? g.node;
        if (!state.node(targetNode)) throw new PveError(500, `no such cluster node '${targetNode}'`);
        const source = ctx.params.snapname ? snapshotOf(g, ctx.params.snapname).config : g.config;
        const name = ctx.params.name ?? ctx.params.hostname ?? `Copy-of-${type === 'qemu' ? 'VM' : 'CT'}-${state.guestName(g)}`;
        const clone = state.addGuest({ vmid: newid, type, node: targetNode, name, power: 'stopped', memory: 0, cores: 1, disk: 0, os: g.osRelease, agentRunning: g.agentRunning });
        state.removeVolumes(targetNode, (v) => v.vmid === newid);
        clone.config = { lock: 'create' };
        clone.os = g.os;
        if (ctx.params.pool) clone.pool = ctx.params.pool;
        return startTask(ctx, kind, g, 'clone', () => {
          const cfg: Record<string, ConfigValue> = {};
          for (const [k, v] of Object.entries(source)) {
            if (k === 'lock' || k === 'template' || /^unused\d+$/.test(k)) continue;
            if (isDiskKey(type, k) && !String(v).includes('media=cdrom')) {
              const parts = String(v).split(',');
              const spec = parsePropertyString(String(v), type === 'qemu' ? 'file' : 'volume');
              const storageName = ctx.params.storage ?? String(spec.file ?? spec.volume ?? 'local-lvm:x').split(':')[0];
              const size = spec.size ? parseSize(spec.size) : 8 * 1024 ** 3;
              const volid = `${storageName}:${type === 'qemu' ? 'vm' : 'subvol'}-${newid}-disk-${k === 'efidisk0' ? 1 : k === 'tpmstate0' ? 2 : Object.keys(cfg).filter((x) => isDiskKey(type, x)).length}`;
              state.addVolume(targetNode, { volid, content: type === 'qemu' ? 'images' : 'rootdir', format: 'raw', size, ctime: now(), vmid: newid });
              cfg[k] = [volid, ...parts.slice(1)].join(',');
            } else cfg[k] = v;
          }
          if (type === 'qemu') cfg.name = name;
          else cfg.hostname = name;
          if (ctx.params.description) cfg.description = ctx.params.description;
          clone.config = cfg;
          state.resetGuestFiles(clone);
          return [`create ${ctx.params.full || !g.config.template ? 'full' : 'linked'} clone of drive scsi0`];
        }, {
          onFail: () => {
            state.guests.delete(newid);
            state.removeVolumes(targetNode, (v) => v.vmid === newid);
          },
        });
      },
    }),
  );

  const migrateParams: Props = {
    ...VMID_PATH,
    target: P.node('Target node.'),
    online: opt(P.bool(type === 'qemu' ? 'Use online/live migration if VM is running. Ignored if VM is stopped.' : 'Use online/live migration.')),
  };
  migrateParams.bwlimit = type === 'qemu'
    ? opt(P.int('Override I/O bandwidth limit (in KiB/s).', { minimum: 0, default: 'migrate limit from datacenter or storage config' }))
    : opt(P.num('Override I/O bandwidth limit (in KiB/s).', { minimum: 0, default: 'migrate limit from datacenter or storage config' }));
  if (type === 'qemu') {
    migrateParams['with-local-disks'] = opt(P.bool('Enable live storage migration for local disk'));
    migrateParams.force = opt(P.bool('Allow to migrate VMs which use local devices. Only root may use this option.'));
  } else {
    migrateParams.restart = opt(P.bool('Use restart migration'));
    migrateParams.timeout = opt(P.int('Timeout in seconds for shutdown for restart migration', { default: 180 }));
  }
  ops.push(
    taskOp({
      method: 'POST',
      path: `${vm}/migrate`,
      name: 'migrate_vm',
      description: type === 'qemu' ? 'Migrate virtual machine. Creates a new migration task.' : 'Migrate the container to another node. Creates a new migration task.',
      parameters: migrateParams,
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Migrate']] },
      handler: (ctx) => {
        const state = ctx.sim.state;
        const g = getGuest(ctx, kind);
        const target: string = ctx.params.target;
        if (target === g.node) throw new PveError(500, 'target is local node.');
        if (!state.node(target)) throw new PveError(500, `no such cluster node '${target}'`);
        if (ctx.sim.faults.offlineNodes.has(target)) throw new PveError(500, `target node '${target}' is not online`);
        assertUnlocked(ctx, g);
        if (g.power !== 'stopped' && !ctx.params.online && !ctx.params.restart) {
          throw new PveError(500, type === 'qemu' ? `can't migrate running VM without --online` : `lxc live migration is currently not implemented - use 'restart' migration instead`);
        }
        g.config.lock = 'migrate';
        const from = g.node;
        return startTask(ctx, kind, g, 'migrate', () => {
          delete g.config.lock;
          const vols = new Set(guestVolumes(g));
          for (const s of state.storages) {
            if (s.shared) continue;
            const src = state.volumesOn(s, from);
            const moving = src.filter((v) => vols.has(v.volid) || v.vmid === g.vmid);
            for (const v of moving) src.splice(src.indexOf(v), 1);
            state.volumesOn(s, target).push(...moving);
          }
          g.node = target;
          return [`starting migration of ${label} ${g.vmid} to node '${target}' (${state.node(target)!.ip})`, `migration finished successfully (duration 00:00:01)`];
        }, { onFail: () => delete g.config.lock });
      },
    }),
  );
  if (type === 'qemu') {
    ops.push(
      op({
        method: 'GET',
        path: `${vm}/migrate`,
        name: 'migrate_vm_precondition',
        description: 'Get preconditions for migration.',
        parameters: { ...VMID_PATH, target: opt(P.node('Target node.')) },
        returns: { type: 'object', properties: { running: P.bool('Determines if the VM is running.') } },
        permissions: { check: ['perm', '/vms/{vmid}', ['VM.Migrate']] },
        protected: 1,
        proxyto: 'node',
        handler: (ctx) => {
          const g = getGuest(ctx, kind);
          const others = ctx.sim.state.nodes.map((n) => n.node).filter((n) => n !== g.node);
          return {
            running: g.power === 'stopped' ? 0 : 1,
            allowed_nodes: others.filter((n) => !ctx.sim.faults.offlineNodes.has(n)),
            not_allowed_nodes: Object.fromEntries(others.filter((n) => ctx.sim.faults.offlineNodes.has(n)).map((n) => [n, { unavailable_storages: [] }])),
            local_disks: guestVolumes(g)
              .filter((v) => v.startsWith('local'))
              .map((volid) => ({ volid, size: guestSizes(g).maxdisk, is_unused: 0, replicate: 1, drivename: 'scsi0' })),
            local_resources: [],
            'mapped-resources': [],
            'mapped-resource-info': {},
            'has-dbus-vmstate': 0,
          };
        },
      }),
    );
  }

  const resizeParams: Props = {
    ...VMID_PATH,
    disk: type === 'qemu' ? P.enum('The disk you want to resize.', DISK_SLOTS) : P.enum('The disk you want to resize.', ['rootfs', ...Array.from({ length: 256 }, (_, i) => `mp${i}`)]),
    size: P.str("The new size. With the `+` sign the value is added to the actual size of the volume and without it, the value is taken as an absolute one. Shrinking disk size is not supported.", { pattern: '\\+?\\d+(\\.\\d+)?[KMGT]?' }),
    ...DIGEST,
  };
  if (type === 'qemu') resizeParams.skiplock = SKIPLOCK.skiplock;
  ops.push(
    taskOp({
      method: 'PUT',
      path: `${vm}/resize`,
      name: 'resize_vm',
      description: type === 'qemu' ? 'Extend volume size.' : 'Resize a container mount point.',
      parameters: resizeParams,
      permissions: { check: type === 'lxc' ? ['perm', '/vms/{vmid}', ['VM.Config.Disk'], 'any', 1] : ['perm', '/vms/{vmid}', ['VM.Config.Disk']] },
      handler: (ctx) => {
        const g = unlockedGuest(ctx, kind);
        assertDigest(ctx, g);
        const key: string = ctx.params.disk;
        const value = g.config[key];
        if (value === undefined) throw new PveError(500, `disk '${key}' does not exist`);
        if (String(value).includes('media=cdrom')) throw new PveError(500, `you can't resize a cdrom`);
        const defaultKey = type === 'qemu' ? 'file' : 'volume';
        const spec = parsePropertyString(String(value), defaultKey);
        const current = spec.size ? parseSize(spec.size) : 0;
        const sizeText: string = ctx.params.size;
        const delta = parseSize(sizeText.replace(/^\+/, ''));
        const next = sizeText.startsWith('+') ? current + delta : delta;
        if (next < current) throw new PveError(500, `shrinking disks is not supported`);
        return startTask(ctx, kind, g, 'resize', () => {
          g.config[key] = String(g.config[key]).replace(/(^|,)size=[^,]*/, `$1size=${formatSize(next)}`) + (spec.size ? '' : `,size=${formatSize(next)}`);
          ctx.sim.state.removeVolumes(g.node, () => false);
          for (const s of ctx.sim.state.storages) for (const v of ctx.sim.state.volumesOn(s, g.node)) if (v.volid === spec[defaultKey]) v.size = next;
          return [`Size of logical volume changed from ${formatSize(current)} to ${formatSize(next)}.`];
        });
      },
    }),
  );

  const templateParams: Props = { ...VMID_PATH };
  if (type === 'qemu') templateParams.disk = opt(P.enum('If you want to convert only 1 disk to base image.', DISK_SLOTS));
  ops.push(
    taskOp({
      method: 'POST',
      path: `${vm}/template`,
      name: 'template',
      description: type === 'qemu' ? 'Create a Template.' : 'Create a Template.',
      parameters: templateParams,
      // A VM becomes a template in a worker task; a container is converted at once.
      returns: type === 'qemu' ? returns.upid : returns.null,
      permissions: { check: ['perm', '/vms/{vmid}', ['VM.Allocate']], description: "You need 'VM.Allocate' permissions on /vms/{vmid}" },
      handler: (ctx) => {
        const g = unlockedGuest(ctx, kind);
        assertNotTemplate(g, type === 'qemu' ? 'VM is already a template' : 'CT is already a template');
        if (g.power !== 'stopped') throw new PveError(500, type === 'qemu' ? "you can't convert a template to a running VM" : "you can't convert a CT to template if the CT is running");
        const convert = () => {
          g.config.template = 1;
          for (const key of Object.keys(g.config)) {
            if (isDiskKey(type, key)) g.config[key] = String(g.config[key]).replace(/:(vm|subvol)-/, ':base-');
          }
          for (const s of ctx.sim.state.storages) for (const v of ctx.sim.state.volumesOn(s, g.node)) if (v.vmid === g.vmid) v.volid = v.volid.replace(/:(vm|subvol)-/, ':base-');
        };
        if (type === 'lxc') {
          convert();
          return null;
        }
        return startTask(ctx, kind, g, 'template', convert);
      },
    }),
  );
  return ops;
}

function cryptoUuid(): string {
  return globalThis.crypto.randomUUID();
}

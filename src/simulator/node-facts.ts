import { createHash } from 'node:crypto';

/** What a node knows about itself: the files and daemons behind `/nodes/{node}/...` system calls. */

export interface Iface {
  iface: string;
  type: 'eth' | 'bridge' | 'bond' | 'vlan' | 'alias' | 'OVSBridge' | 'OVSBond' | 'OVSPort' | 'OVSIntPort' | 'fabric' | 'vnet' | 'unknown';
  method: 'static' | 'manual' | 'dhcp';
  method6?: 'static' | 'manual' | 'dhcp' | 'auto';
  autostart?: 0 | 1;
  active?: 0 | 1;
  exists?: 0 | 1;
  families: string[];
  priority: number;
  [key: string]: unknown;
}

export interface Disk {
  devpath: string;
  model: string;
  serial: string;
  vendor: string;
  size: number;
  type: 'ssd' | 'hdd' | 'nvme';
  rpm: number;
  wwn: string;
  gpt: 0 | 1;
  /** What uses the disk (`LVM`, `ZFS`, `mounted`, `partitions`, ...), undefined when unused. */
  used?: string;
  health: 'PASSED' | 'FAILED' | 'OK' | 'UNKNOWN';
  wearout?: number;
  osdid: number;
}

export interface ServiceState {
  name: string;
  desc: string;
  state: 'running' | 'dead';
  enabled: boolean;
}

export interface NodeFacts {
  dns: { search: string; dns1?: string; dns2?: string; dns3?: string };
  hosts: string;
  timezone: string;
  services: Map<string, ServiceState>;
  subscription: { key?: string; status: 'notfound' | 'active' | 'invalid'; checktime?: number; regdate?: string; nextduedate?: string };
  network: { current: Map<string, Iface>; pending?: Map<string, Iface> };
  disks: Disk[];
  volumeGroups: Map<string, { device: string; size: number; free: number; thinpools: Map<string, { size: number; used: number }> }>;
  zfsPools: Map<string, { devices: string[]; raidlevel: string; size: number; alloc: number; ashift: number; compression: string }>;
  directories: Map<string, { device: string; filesystem: string; path: string }>;
  /** Lines the node logged since the simulator started (service restarts, disk changes, ...). */
  events: Array<{ time: number; tag: string; msg: string }>;
  apt: { lastUpdate: number; repositoriesDigest: string; noSubscription: boolean; enterprise: boolean };
}

/** The packages `apt/versions` lists and the updates `apt/update` offers, version and candidate. */
export const PACKAGES: Array<{ name: string; version: string; candidate?: string; title: string; section: string }> = [
  { name: 'proxmox-ve', version: '9.2.0', title: 'Proxmox Virtual Environment', section: 'admin' },
  { name: 'pve-manager', version: '9.2.4', candidate: '9.2.5', title: 'Proxmox Virtual Environment Management Tools', section: 'admin' },
  { name: 'proxmox-kernel-6.14', version: '6.14.8-2', candidate: '6.14.11-1', title: 'Latest Proxmox Kernel Image', section: 'admin' },
  { name: 'qemu-server', version: '9.0.16', title: 'Qemu Server Tools', section: 'admin' },
  { name: 'pve-qemu-kvm', version: '10.0.2-4', candidate: '10.0.2-5', title: 'Full virtualization on x86 hardware', section: 'admin' },
  { name: 'pve-container', version: '6.0.9', title: 'Proxmox VE Container management tool', section: 'perl' },
  { name: 'libpve-common-perl', version: '9.0.9', title: 'Proxmox VE base library', section: 'perl' },
  { name: 'libpve-access-control', version: '9.0.3', title: 'Proxmox VE access control library', section: 'perl' },
  { name: 'pve-ha-manager', version: '5.0.4', title: 'Proxmox VE HA Manager', section: 'perl' },
  { name: 'pve-firewall', version: '6.0.3', title: 'Proxmox VE Firewall', section: 'admin' },
  { name: 'corosync', version: '3.1.9-pve2', title: 'cluster engine daemon and utilities', section: 'admin' },
  { name: 'zfsutils-linux', version: '2.3.3-pve1', title: 'command-line tools to manage OpenZFS filesystems', section: 'contrib/admin' },
  { name: 'lxc-pve', version: '6.0.4-2', title: 'Linux containers userspace tools', section: 'admin' },
  {
    name: 'openssh-server',
    version: '1:10.0p1-7',
    candidate: '1:10.0p1-7+deb13u1',
    title: 'secure shell (SSH) server, for secure access from remote machines',
    section: 'net',
  },
  {
    name: 'libssl3t64',
    version: '3.5.1-1',
    candidate: '3.5.1-1+deb13u1',
    title: 'Secure Sockets Layer toolkit - shared libraries',
    section: 'libs',
  },
];

export const SERVICES: Array<[string, string]> = [
  ['chrony', 'chrony, an NTP client/server'],
  ['corosync', 'Corosync Cluster Engine'],
  ['cron', 'Regular background program processing daemon'],
  ['ksmtuned', 'Kernel Samepage Merging (KSM) Tuning Daemon'],
  ['lxcfs', 'FUSE filesystem for LXC'],
  ['postfix', 'Postfix Mail Transport Agent (instance -)'],
  ['proxmox-firewall', 'Proxmox nftables firewall'],
  ['pve-cluster', 'The Proxmox VE cluster filesystem'],
  ['pve-firewall', 'Proxmox VE firewall'],
  ['pve-ha-crm', 'PVE Cluster HA Resource Manager Daemon'],
  ['pve-ha-lrm', 'PVE Local HA Resource Manager Daemon'],
  ['pve-lxc-syscalld', 'Proxmox VE LXC Syscall Daemon'],
  ['pvedaemon', 'PVE API Daemon'],
  ['pvefw-logger', 'Proxmox VE firewall logger'],
  ['pveproxy', 'PVE API Proxy Server'],
  ['pvescheduler', 'Proxmox VE scheduler'],
  ['pvestatd', 'PVE Status Daemon'],
  ['qmeventd', 'PVE Qemu Event Daemon'],
  ['spiceproxy', 'PVE SPICE Proxy Server'],
  ['sshd', 'OpenBSD Secure Shell server'],
  ['syslog', 'System Logging Service'],
  ['systemd-journald', 'Journal Service'],
  ['systemd-timesyncd', 'Network Time Synchronization'],
];

function serial(node: string, n: number): string {
  return createHash('md5').update(`${node}-disk-${n}`).digest('hex').slice(0, 12).toUpperCase();
}

export function newNodeFacts(node: string, ip: string, index: number): NodeFacts {
  const services = new Map<string, ServiceState>();
  for (const [name, desc] of SERVICES) {
    // Like a stock install: the nftables firewall and timesyncd (chrony replaces it) are not running.
    const off = name === 'proxmox-firewall' || name === 'systemd-timesyncd' || name === 'syslog';
    services.set(name, { name, desc, state: off ? 'dead' : 'running', enabled: !off });
  }
  const gw = ip.replace(/\.\d+$/, '.1');
  const current = new Map<string, Iface>([
    [
      'lo',
      {
        iface: 'lo',
        type: 'eth' as const,
        method: 'manual' as const,
        autostart: 1 as const,
        families: ['inet'],
        priority: 1,
        active: 1 as const,
        exists: 1 as const,
      },
    ],
    [
      'eno1',
      {
        iface: 'eno1',
        type: 'eth' as const,
        method: 'manual' as const,
        families: ['inet'],
        priority: 2,
        active: 1 as const,
        exists: 1 as const,
      },
    ],
    ['eno2', { iface: 'eno2', type: 'eth' as const, method: 'manual' as const, families: ['inet'], priority: 3, exists: 1 as const }],
    [
      'vmbr0',
      {
        iface: 'vmbr0',
        type: 'bridge' as const,
        method: 'static' as const,
        autostart: 1 as const,
        families: ['inet'],
        priority: 4,
        active: 1 as const,
        bridge_ports: 'eno1',
        bridge_stp: 'off',
        bridge_fd: '0',
        cidr: `${ip}/24`,
        address: ip,
        netmask: '24',
        gateway: gw,
      },
    ],
    [
      'vmbr1',
      {
        iface: 'vmbr1',
        type: 'bridge' as const,
        method: 'manual' as const,
        autostart: 1 as const,
        families: ['inet'],
        priority: 5,
        active: 1 as const,
        bridge_ports: 'eno2',
        bridge_stp: 'off',
        bridge_fd: '0',
        bridge_vlan_aware: 1,
        bridge_vids: '2-4094',
        comments: 'VM traffic (tagged)',
      },
    ],
  ]);
  current.delete('lo');
  const disks: Disk[] = [
    {
      devpath: '/dev/sda',
      model: 'Samsung SSD 870 EVO 500GB',
      serial: serial(node, 0),
      vendor: 'ATA',
      size: 500107862016,
      type: 'ssd',
      rpm: 0,
      wwn: `0x5002538f${serial(node, 0).slice(0, 8).toLowerCase()}`,
      gpt: 1,
      used: 'BIOS boot',
      health: 'PASSED',
      wearout: 97 - index,
      osdid: -1,
    },
    {
      devpath: '/dev/nvme0n1',
      model: 'Samsung SSD 990 PRO 2TB',
      serial: serial(node, 1),
      vendor: 'unknown',
      size: 2000398934016,
      type: 'nvme',
      rpm: 0,
      wwn: 'unknown',
      gpt: 1,
      used: 'LVM',
      health: 'PASSED',
      wearout: 99,
      osdid: -1,
    },
    {
      devpath: '/dev/sdb',
      model: 'WDC WD40EFRX-68N32N0',
      serial: serial(node, 2),
      vendor: 'ATA',
      size: 4000787030016,
      type: 'hdd',
      rpm: 5400,
      wwn: `0x50014ee2${serial(node, 2).slice(0, 8).toLowerCase()}`,
      gpt: 0,
      health: 'PASSED',
      osdid: -1,
    },
    {
      devpath: '/dev/sdc',
      model: 'WDC WD40EFRX-68N32N0',
      serial: serial(node, 3),
      vendor: 'ATA',
      size: 4000787030016,
      type: 'hdd',
      rpm: 5400,
      wwn: `0x50014ee2${serial(node, 3).slice(0, 8).toLowerCase()}`,
      gpt: 0,
      health: index === 2 ? 'FAILED' : 'PASSED',
      osdid: -1,
    },
  ];
  return {
    dns: { search: 'simlab.example', dns1: '192.0.2.53', dns2: '1.1.1.1' },
    hosts: `127.0.0.1 localhost.localdomain localhost\n${ip} ${node}.simlab.example ${node}\n\n# The following lines are desirable for IPv6 capable hosts\n::1     ip6-localhost ip6-loopback\nfe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\nff02::3 ip6-allhosts\n`,
    timezone: 'Europe/Vienna',
    services,
    subscription: { status: 'notfound' },
    network: { current },
    disks,
    volumeGroups: new Map([
      [
        'pve',
        {
          device: '/dev/nvme0n1p3',
          size: 1999844261888,
          free: 16106127360,
          thinpools: new Map([['data', { size: 1862870581248, used: 0 }]]),
        },
      ],
    ]),
    zfsPools: new Map(),
    directories: new Map(),
    events: [],
    apt: { lastUpdate: Math.floor(Date.now() / 1000) - 86400 * 2, repositoriesDigest: '', noSubscription: true, enterprise: true },
  };
}

/** The repositories files as `apt/repositories` shows them. */
export function aptRepositories(facts: NodeFacts): Record<string, unknown> {
  const files = [
    {
      path: '/etc/apt/sources.list.d/debian.sources',
      type: 'sources',
      'file-type': 'sources',
      digest: [1, 2, 3],
      repositories: [
        {
          Types: ['deb'],
          URIs: ['http://deb.debian.org/debian'],
          Suites: ['trixie', 'trixie-updates'],
          Components: ['main', 'contrib', 'non-free-firmware'],
          Enabled: 1,
          FileType: 'sources',
          Options: [{ Key: 'Signed-By', Values: ['/usr/share/keyrings/debian-archive-keyring.gpg'] }],
        },
        {
          Types: ['deb'],
          URIs: ['http://security.debian.org/debian-security'],
          Suites: ['trixie-security'],
          Components: ['main', 'contrib', 'non-free-firmware'],
          Enabled: 1,
          FileType: 'sources',
        },
      ],
    },
    {
      path: '/etc/apt/sources.list.d/pve-enterprise.sources',
      type: 'sources',
      'file-type': 'sources',
      digest: [4, 5, 6],
      repositories: [
        {
          Types: ['deb'],
          URIs: ['https://enterprise.proxmox.com/debian/pve'],
          Suites: ['trixie'],
          Components: ['pve-enterprise'],
          Enabled: facts.apt.enterprise ? 1 : 0,
          FileType: 'sources',
        },
      ],
    },
    ...(facts.apt.noSubscription
      ? [
          {
            path: '/etc/apt/sources.list.d/proxmox.sources',
            type: 'sources',
            'file-type': 'sources',
            digest: [7, 8, 9],
            repositories: [
              {
                Types: ['deb'],
                URIs: ['http://download.proxmox.com/debian/pve'],
                Suites: ['trixie'],
                Components: ['pve-no-subscription'],
                Enabled: 1,
                FileType: 'sources',
              },
            ],
          },
        ]
      : []),
  ];
  const digest = createHash('sha256').update(JSON.stringify(files)).digest('hex');
  return {
    files,
    errors: [],
    digest,
    infos:
      facts.apt.enterprise && facts.subscription.status !== 'active'
        ? [
            {
              path: '/etc/apt/sources.list.d/pve-enterprise.sources',
              index: '0',
              kind: 'warning',
              message: 'The enterprise repository is enabled, but there is no active subscription!',
            },
          ]
        : [],
    'standard-repos': [
      { handle: 'enterprise', name: 'Enterprise', status: facts.apt.enterprise ? 1 : 0 },
      { handle: 'no-subscription', name: 'No-Subscription', status: facts.apt.noSubscription ? 1 : undefined },
      { handle: 'test', name: 'Test' },
    ],
  };
}

/** Renders `/etc/network/interfaces` (to diff the pending configuration against the running one). */
export function renderInterfaces(ifaces: Map<string, Iface>): string {
  const lines = ['auto lo', 'iface lo inet loopback', ''];
  const keys: Array<[string, string]> = [
    ['address', 'address'],
    ['gateway', 'gateway'],
    ['bridge_ports', 'bridge-ports'],
    ['bridge_stp', 'bridge-stp'],
    ['bridge_fd', 'bridge-fd'],
    ['bridge_vlan_aware', 'bridge-vlan-aware'],
    ['bridge_vids', 'bridge-vids'],
    ['slaves', 'bond-slaves'],
    ['bond_mode', 'bond-mode'],
    ['bond-primary', 'bond-primary'],
    ['bond_xmit_hash_policy', 'bond-xmit-hash-policy'],
    ['vlan-raw-device', 'vlan-raw-device'],
    ['vlan-id', 'vlan-id'],
    ['mtu', 'mtu'],
  ];
  for (const i of [...ifaces.values()].sort((a, b) => a.priority - b.priority)) {
    if (i.autostart) lines.push(`auto ${i.iface}`);
    lines.push(`iface ${i.iface} inet ${i.method}`);
    for (const [k, name] of keys) {
      const v = k === 'address' ? i.cidr : i[k];
      if (v !== undefined && v !== '') lines.push(`\t${name} ${v === 1 ? 'yes' : String(v)}`);
    }
    if (i.comments) lines.push(`#${String(i.comments)}`);
    lines.push('');
  }
  lines.push('source /etc/network/interfaces.d/*');
  return lines.join('\n') + '\n';
}

/** A minimal unified diff (whole-file hunk), the shape PVE puts in the `changes` attribute. */
export function unifiedDiff(before: string, after: string): string {
  if (before === after) return '';
  const a = before.split('\n');
  const b = after.split('\n');
  const out = ['--- /etc/network/interfaces', '+++ /etc/network/interfaces.new', `@@ -1,${a.length} +1,${b.length} @@`];
  const inB = new Set(b);
  const inA = new Set(a);
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(` ${a[i]}`);
      i++;
      j++;
    } else if (i < a.length && !inB.has(a[i])) out.push(`-${a[i++]}`);
    else if (j < b.length && !inA.has(b[j])) out.push(`+${b[j++]}`);
    else if (i < a.length) out.push(`-${a[i++]}`);
    else out.push(`+${b[j++]}`);
  }
  return out.join('\n') + '\n';
}

import { createHash } from 'node:crypto';
import type { ConfigValue, GuestType } from './state.js';

/**
 * What is inside a simulated guest: its /proc and /etc files, services and processes, all derived from
 * the guest's config so that they stay deterministic and agree with what the API reports. The guest
 * agent's shell and the container tests' stand-in `pct` both read from here.
 */

/** The part of a guest the content depends on. */
export interface GuestLike {
  vmid: number;
  type: GuestType;
  config: Record<string, ConfigValue>;
  os: 'linux' | 'windows';
  osRelease: 'debian' | 'ubuntu' | 'alpine' | 'windows';
  /** Files written in the guest (they shadow the generated ones). */
  files: Map<string, string>;
  /** UNIX seconds. */
  startedAt: number;
  /** Services started or stopped through `systemctl` inside the guest. */
  serviceState?: Record<string, boolean>;
}

export function guestHostname(g: GuestLike): string {
  return String(g.config.name ?? g.config.hostname ?? `vm${g.vmid}`);
}

export function kernel(g: GuestLike): { release: string; version: string } {
  if (g.type === 'lxc') return { release: '6.14.8-2-pve', version: '#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 (2025-07-22T10:04Z)' };
  return g.osRelease === 'ubuntu'
    ? { release: '6.8.0-45-generic', version: '#45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024' }
    : { release: '6.1.0-25-amd64', version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.106-3 (2024-08-26)' };
}

export function osInfo(g: GuestLike): Record<string, string> {
  if (g.os === 'windows') {
    return {
      id: 'mswindows',
      'kernel-release': '26100',
      'kernel-version': '10.0',
      machine: 'x86_64',
      name: 'Microsoft Windows',
      'pretty-name': 'Windows 11 Pro',
      variant: 'client',
      'variant-id': 'client',
      version: 'Microsoft Windows 11',
      'version-id': '11',
    };
  }
  const k = kernel(g);
  const ubuntu = g.osRelease === 'ubuntu';
  return {
    id: ubuntu ? 'ubuntu' : 'debian',
    'kernel-release': k.release,
    'kernel-version': k.version,
    machine: 'x86_64',
    name: ubuntu ? 'Ubuntu' : 'Debian GNU/Linux',
    'pretty-name': ubuntu ? 'Ubuntu 24.04.1 LTS' : 'Debian GNU/Linux 12 (bookworm)',
    version: ubuntu ? '24.04.1 LTS (Noble Numbat)' : '12 (bookworm)',
    'version-id': ubuntu ? '24.04' : '12',
  };
}

export function memoryMiB(g: GuestLike): number {
  return (
    Number(
      String(g.config.memory ?? (g.type === 'lxc' ? 512 : 2048))
        .replace(/^current=/, '')
        .split(',')[0],
    ) || 512
  );
}

export function rootDisk(g: GuestLike): { size: number; used: number } {
  const key =
    g.type === 'lxc'
      ? 'rootfs'
      : Object.keys(g.config).find((k) => /^(scsi|virtio|sata|ide)\d+$/.test(k) && !String(g.config[k]).includes('media=cdrom'));
  const m = /size=(\d+(?:\.\d+)?)([KMGT]?)/.exec(String(key ? g.config[key] : ''));
  const mult: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, '': 1024 ** 3 };
  const size = m ? Math.round(Number(m[1]) * mult[m[2]]) : 8 * 1024 ** 3;
  return { size, used: Math.floor(size * (0.18 + (g.vmid % 37) / 100)) };
}

interface Service {
  name: string;
  description: string;
  process: string;
  user: string;
  active: boolean;
  pid: number;
  tasks: number;
  memory: string;
}

/** The role of a guest, from its name: which application service it runs besides the base system. */
const ROLES: Array<[RegExp, Array<[string, string, string, string]>]> = [
  [
    /web|proxy/,
    [
      [
        'nginx',
        'A high performance web server and a reverse proxy server',
        'nginx: master process /usr/sbin/nginx -g daemon on; master_process on;',
        'root',
      ],
    ],
  ],
  [/db|sql|erp/, [['postgresql', 'PostgreSQL RDBMS', '/usr/lib/postgresql/16/bin/postgres -D /var/lib/postgresql/16/main', 'postgres']]],
  [
    /mail/,
    [
      ['postfix', 'Postfix Mail Transport Agent', '/usr/lib/postfix/sbin/master -w', 'root'],
      ['dovecot', 'Dovecot IMAP/POP3 email server', '/usr/sbin/dovecot -F', 'root'],
    ],
  ],
  [/dns|pihole/, [['unbound', 'Unbound DNS server', '/usr/sbin/unbound -d -p', 'unbound']]],
  [/redis/, [['redis-server', 'Advanced key-value store', '/usr/bin/redis-server 127.0.0.1:6379', 'redis']]],
  [
    /monitor/,
    [
      [
        'prometheus',
        'Monitoring system and time series database',
        '/usr/bin/prometheus --config.file=/etc/prometheus/prometheus.yml',
        'prometheus',
      ],
      ['grafana-server', 'Grafana instance', '/usr/share/grafana/bin/grafana server --config=/etc/grafana/grafana.ini', 'grafana'],
    ],
  ],
  [
    /ci|runner/,
    [
      ['gitlab-runner', 'GitLab Runner', '/usr/bin/gitlab-runner run --working-directory /home/gitlab-runner', 'root'],
      ['docker', 'Docker Application Container Engine', '/usr/bin/dockerd -H fd://', 'root'],
    ],
  ],
  [
    /k8s/,
    [
      ['kubelet', 'kubelet: The Kubernetes Node Agent', '/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml', 'root'],
      ['containerd', 'containerd container runtime', '/usr/bin/containerd', 'root'],
    ],
  ],
  [/backup/, [['proxmox-backup-client', 'backup uploads', '/usr/bin/proxmox-backup-client benchmark', 'root']]],
];

export function guestServices(g: GuestLike): Map<string, Service> {
  const name = guestHostname(g);
  const base: Array<[string, string, string, string]> = [
    ['systemd-journald', 'Journal Service', '/lib/systemd/systemd-journald', 'root'],
    ['cron', 'Regular background program processing daemon', '/usr/sbin/cron -f', 'root'],
    ['ssh', 'OpenBSD Secure Shell server', 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups', 'root'],
    ['rsyslog', 'System Logging Service', '/usr/sbin/rsyslogd -n -iNONE', 'root'],
  ];
  if (g.type === 'qemu') base.push(['qemu-guest-agent', 'QEMU Guest Agent', '/usr/sbin/qemu-ga', 'root']);
  else base.push(['postfix', 'Postfix Mail Transport Agent', '/usr/lib/postfix/sbin/master -w', 'root']);
  const extra = ROLES.filter(([re]) => re.test(name)).flatMap(([, s]) => s);
  const out = new Map<string, Service>();
  let pid = g.type === 'lxc' ? 90 : 380;
  for (const [svc, description, process, user] of [...base, ...extra]) {
    const override = g.serviceState?.[svc];
    out.set(svc, {
      name: svc,
      description,
      process,
      user,
      active: override ?? true,
      pid: pid++ * 3 + (g.vmid % 7),
      tasks: 1 + (svc.length % 5),
      memory: `${(4 + svc.length * 1.7).toFixed(1)}M`,
    });
  }
  return out;
}

export function processTable(
  g: GuestLike,
): Array<{ user: string; pid: number; cpu: number; mem: number; vsz: number; rss: number; stat: string; command: string }> {
  const rows = [{ user: 'root', pid: 1, cpu: 0, mem: 0.3, vsz: 168096, rss: 12288, stat: 'Ss', command: '/sbin/init' }];
  for (const s of guestServices(g).values()) {
    if (!s.active) continue;
    rows.push({
      user: s.user,
      pid: s.pid,
      cpu: (s.name.length % 7) / 10,
      mem: (s.name.length % 9) / 3,
      vsz: 20000 + s.name.length * 3000,
      rss: 4000 + s.name.length * 700,
      stat: 'Ss',
      command: s.process,
    });
  }
  return rows;
}

function loadavg(g: GuestLike): string {
  const seed = g.vmid % 97;
  const a = (0.05 + (seed % 13) / 20).toFixed(2);
  const b = (0.04 + (seed % 11) / 25).toFixed(2);
  const c = (0.02 + (seed % 7) / 30).toFixed(2);
  return `${a} ${b} ${c} 1/${180 + seed} ${3000 + seed * 11}\n`;
}

function meminfo(g: GuestLike): string {
  const total = memoryMiB(g) * 1024;
  const used = Math.floor(total * (0.2 + (g.vmid % 50) / 100));
  const cached = Math.floor(total * 0.15);
  return (
    [
      `MemTotal:       ${String(total).padStart(8)} kB`,
      `MemFree:        ${String(total - used - cached).padStart(8)} kB`,
      `MemAvailable:   ${String(total - used).padStart(8)} kB`,
      `Buffers:        ${String(Math.floor(total * 0.02)).padStart(8)} kB`,
      `Cached:         ${String(cached).padStart(8)} kB`,
      `SwapTotal:      ${String(1048572).padStart(8)} kB`,
      `SwapFree:       ${String(1048572).padStart(8)} kB`,
    ].join('\n') + '\n'
  );
}

function cpuinfo(g: GuestLike): string {
  const n = Number(g.config.cores ?? 1) * Number(g.config.sockets ?? 1);
  return Array.from(
    { length: n },
    (_, i) =>
      `processor\t: ${i}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 151\nmodel name\t: ${g.type === 'lxc' ? '12th Gen Intel(R) Core(TM) i9-12900K' : 'QEMU Virtual CPU version 2.5+'}\ncpu MHz\t\t: 3187.200\ncache size\t: 30720 KB\ncpu cores\t: ${n}\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx lm constant_tsc rep_good nopl xtopology cpuid tsc_known_freq pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm abm\n`,
  ).join('\n');
}

/** Generated files (`/proc/...`, `/etc/...`): undefined when the guest has no such file. */
export function guestFile(g: GuestLike, path: string): string | undefined {
  const name = guestHostname(g);
  const up = Math.max(0, Math.floor(Date.now() / 1000) - g.startedAt);
  switch (path) {
    case '/proc/loadavg':
      return loadavg(g);
    case '/proc/uptime':
      return `${up}.${String(g.vmid % 100).padStart(2, '0')} ${(up * 1.7).toFixed(2)}\n`;
    case '/proc/meminfo':
      return meminfo(g);
    case '/proc/cpuinfo':
      return cpuinfo(g);
    case '/proc/version': {
      const k = kernel(g);
      return `Linux version ${k.release} (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) ${k.version}\n`;
    }
    case '/proc/1/comm':
      return g.type === 'lxc' ? 'systemd\n' : 'systemd\n';
    case '/proc/mounts':
      return g.type === 'lxc'
        ? `/dev/mapper/pve-vm--${g.vmid}--disk--0 / ext4 rw,relatime 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n`
        : '/dev/sda1 / ext4 rw,relatime,discard,errors=remount-ro 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n/dev/sda15 /boot/efi vfat rw,relatime 0 0\n';
    case '/etc/hostname':
      return `${name}\n`;
    case '/etc/hosts':
      return `127.0.0.1\tlocalhost\n127.0.1.1\t${name}.simlab.example ${name}\n\n::1\tlocalhost ip6-localhost ip6-loopback\n`;
    case '/etc/resolv.conf':
      return `# Generated by ${g.type === 'lxc' ? 'Proxmox VE' : 'NetworkManager'}\nsearch simlab.example\nnameserver 192.0.2.53\nnameserver 1.1.1.1\n`;
    case '/etc/passwd':
      return `root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nbin:x:2:2:bin:/bin:/usr/sbin/nologin\nsys:x:3:3:sys:/dev:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\n${[
        ...guestServices(g).values(),
      ]
        .filter((s) => s.user !== 'root')
        .map((s, i) => `${s.user}:x:${110 + i}:${110 + i}::/var/lib/${s.user}:/usr/sbin/nologin`)
        .join('\n')}${[...guestServices(g).values()].some((s) => s.user !== 'root') ? '\n' : ''}`;
    case '/etc/fstab':
      return g.type === 'lxc'
        ? '# UNCONFIGURED FSTAB FOR BASE SYSTEM\n'
        : `UUID=${createHash('md5')
            .update(`root-${g.vmid}`)
            .digest('hex')
            .replace(
              /^(.{8})(.{4})(.{4})(.{4})(.{12})$/,
              '$1-$2-$3-$4-$5',
            )} / ext4 rw,discard,errors=remount-ro,x-systemd.growfs 0 1\nUUID=${createHash('md5').update(`efi-${g.vmid}`).digest('hex').slice(0, 4).toUpperCase()}-${createHash('md5').update(`efi-${g.vmid}`).digest('hex').slice(4, 8).toUpperCase()} /boot/efi vfat defaults 0 0\n`;
    case '/etc/os-release':
      return OS_RELEASE[g.osRelease];
    case '/etc/debian_version':
      return g.osRelease === 'debian' ? '12.7\n' : g.osRelease === 'ubuntu' ? 'trixie/sid\n' : undefined;
    case '/etc/timezone':
      return 'Europe/Vienna\n';
    case '/etc/machine-id':
      return `${createHash('md5').update(`machine-${g.vmid}`).digest('hex')}\n`;
    default:
      return undefined;
  }
}

const OS_RELEASE: Record<GuestLike['osRelease'], string> = {
  debian:
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\n',
  ubuntu:
    'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION="24.04.1 LTS (Noble Numbat)"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\n',
  alpine: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n',
  windows: '',
};

const GENERATED = [
  '/proc/loadavg',
  '/proc/uptime',
  '/proc/meminfo',
  '/proc/cpuinfo',
  '/proc/version',
  '/proc/mounts',
  '/etc/hostname',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/etc/passwd',
  '/etc/fstab',
  '/etc/os-release',
  '/etc/timezone',
  '/etc/machine-id',
];

/** Every file path the guest has (generated and written), for `ls`. */
export function guestFileNames(g: GuestLike): Set<string> {
  const names = new Set<string>(g.os === 'windows' ? [] : GENERATED.filter((p) => guestFile(g, p) !== undefined));
  if (g.os !== 'windows' && guestFile(g, '/etc/debian_version') !== undefined) names.add('/etc/debian_version');
  for (const f of g.files.keys()) names.add(f);
  return names;
}

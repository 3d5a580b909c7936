import { createHash } from 'node:crypto';
import { PveError } from './errors.js';
import { BUILTIN_ROLES, type AclSource } from './access.js';
import { Collections } from './crud.js';
import { HaManager } from './ha.js';
import { seedFirewall, type FirewallScope } from './firewall.js';
import { newNodeFacts, type NodeFacts } from './node-facts.js';
import type { ReplicationRun } from './routes/jobs.js';

export type GuestType = 'qemu' | 'lxc';
export type ConfigValue = string | number;

export interface Snapshot {
  name: string;
  description: string;
  snaptime: number;
  vmstate?: 0 | 1;
  parent?: string;
  config: Record<string, ConfigValue>;
}

/** A process started through the guest agent. */
export interface GuestProcess {
  pid: number;
  endsAt: number;
  exitcode: number;
  stdout: string;
  stderr: string;
  outTruncated: boolean;
  errTruncated: boolean;
  signal?: number;
}

export interface Guest {
  vmid: number;
  type: GuestType;
  node: string;
  /** `paused` exists only for qemu (qmpstatus); the API's `status` is then `running`. */
  power: 'running' | 'stopped' | 'paused';
  config: Record<string, ConfigValue>;
  snapshots: Snapshot[];
  /** The snapshot the current state descends from. */
  parent?: string;
  /** Whether qemu-ga answers inside the guest (only meaningful when `agent` is enabled). */
  agentRunning: boolean;
  os: 'linux' | 'windows';
  osRelease: 'debian' | 'ubuntu' | 'alpine' | 'windows';
  files: Map<string, string>;
  startedAt: number;
  procs: Map<number, GuestProcess>;
  nextPid: number;
  pool?: string;
  /** HA state when the guest is HA-managed. */
  hastate?: string;
  /** Config changes waiting for the next restart (PVE's `[pending]` section). */
  pending?: Record<string, ConfigValue>;
  pendingDelete?: string[];
  /** The cloud-init values the current cloud-init drive was generated from. */
  cloudinitApplied?: Record<string, ConfigValue>;
  /** qemu-ga: filesystems frozen by fsfreeze-freeze. */
  fsFrozen?: boolean;
  agentShutdownAt?: number;
  /** Services started or stopped with `systemctl` inside the guest. */
  serviceState?: Record<string, boolean>;
}

export interface Volume {
  volid: string;
  content: 'iso' | 'vztmpl' | 'backup' | 'images' | 'rootdir' | 'import';
  format: string;
  size: number;
  ctime: number;
  vmid?: number;
  notes?: string;
  protected?: 1;
  subtype?: string;
}

export interface StorageDef {
  storage: string;
  type: 'dir' | 'lvmthin' | 'nfs' | 'lvm' | 'zfspool' | 'cifs' | 'pbs' | 'rbd';
  content: string[];
  shared: 0 | 1;
  extra: Record<string, ConfigValue>;
  total: number;
  /** Per node for local storages, under '*' for shared ones. */
  volumes: Map<string, Volume[]>;
}

export interface NodeDef {
  node: string;
  ip: string;
  bootedAt: number;
  maxcpu: number;
  maxmem: number;
  maxdisk: number;
  id: number;
}

export interface UserDef {
  userid: string;
  enable: 0 | 1;
  expire: number;
  firstname?: string;
  lastname?: string;
  email?: string;
  comment?: string;
  keys?: string;
  groups: string[];
  tokens: Array<{ tokenid: string; privsep: 0 | 1; expire: number; comment?: string }>;
}

export interface AclEntry {
  path: string;
  type: 'user' | 'group' | 'token';
  ugid: string;
  roleid: string;
  propagate: 0 | 1;
}

export interface PoolDef {
  poolid: string;
  comment?: string;
  storage: string[];
}

export interface ClusterLogEntry {
  uid: number;
  time: number;
  pri: number;
  tag: string;
  pid: number;
  node: string;
  user: string;
  msg: string;
}

export const CLUSTER_NAME = 'simlab';
export const PVE_VERSION = { release: '9.2', version: '9.2.4', repoid: '5e5ae681198514d4' };

const now = () => Math.floor(Date.now() / 1000);

export function configDigest(config: Record<string, ConfigValue>): string {
  const text = Object.keys(config)
    .sort()
    .map((k) => `${k}: ${config[k]}`)
    .join('\n');
  return createHash('sha1').update(text).digest('hex');
}

/** Parses `key=value,...` property strings; the bare first part belongs to `defaultKey`. */
export function parsePropertyString(value: string, defaultKey?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of String(value).split(',')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (defaultKey && !(defaultKey in out)) out[defaultKey] = part;
      else out[part] = '1';
    } else out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

export function agentEnabled(config: Record<string, ConfigValue>): boolean {
  if (config.agent === undefined) return false;
  const parsed = parsePropertyString(String(config.agent), 'enabled');
  return parsed.enabled === '1';
}

/** `512`, `8G`, `1T` -> bytes (PVE disk sizes default to GiB when no unit is given). */
export function parseSize(size: string, defaultUnit = 'G'): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/i.exec(size);
  if (!m) return NaN;
  const unit = (m[2] || defaultUnit).toUpperCase();
  const mult = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[unit] ?? 1;
  return Math.round(Number(m[1]) * mult);
}

export function formatSize(bytes: number): string {
  for (const [unit, mult] of [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const) {
    if (bytes % mult === 0) return `${bytes / mult}${unit}`;
  }
  return String(bytes);
}

/** Disk keys in a guest config (the ones that hold volumes). */
export function isDiskKey(type: GuestType, key: string): boolean {
  return type === 'qemu' ? /^(ide|sata|scsi|virtio)\d+$|^efidisk0$|^tpmstate0$/.test(key) : /^(rootfs|mp\d+)$/.test(key);
}

function macFor(vmid: number, n: number): string {
  const hex = (vmid * 16 + n).toString(16).padStart(6, '0').toUpperCase();
  return `BC:24:11:${hex.slice(-6, -4)}:${hex.slice(-4, -2)}:${hex.slice(-2)}`;
}

interface GuestSeed {
  vmid: number;
  type: GuestType;
  node: string;
  name: string;
  power: Guest['power'];
  memory: number;
  cores: number;
  disk: number;
  agent?: boolean;
  agentRunning?: boolean;
  os?: Guest['osRelease'];
  template?: boolean;
  lock?: string;
  tags?: string;
  pool?: string;
  description?: string;
}

const SEED_GUESTS: GuestSeed[] = [
  {
    vmid: 100,
    type: 'qemu',
    node: 'pve1',
    name: 'web01',
    power: 'running',
    memory: 2048,
    cores: 2,
    disk: 32,
    agent: true,
    os: 'debian',
    tags: 'prod;web',
    pool: 'prod',
  },
  {
    vmid: 101,
    type: 'qemu',
    node: 'pve1',
    name: 'db01',
    power: 'running',
    memory: 8192,
    cores: 4,
    disk: 100,
    agent: true,
    os: 'ubuntu',
    tags: 'db;prod',
    pool: 'prod',
  },
  {
    vmid: 102,
    type: 'qemu',
    node: 'pve1',
    name: 'win11-desk',
    power: 'running',
    memory: 8192,
    cores: 4,
    disk: 80,
    agent: true,
    os: 'windows',
  },
  {
    vmid: 103,
    type: 'qemu',
    node: 'pve2',
    name: 'ci-runner',
    power: 'running',
    memory: 4096,
    cores: 4,
    disk: 64,
    agent: true,
    agentRunning: false,
    os: 'debian',
    pool: 'lab',
  },
  { vmid: 104, type: 'qemu', node: 'pve2', name: 'legacy-app', power: 'running', memory: 2048, cores: 2, disk: 20, os: 'debian' },
  { vmid: 105, type: 'qemu', node: 'pve2', name: 'staging', power: 'stopped', memory: 2048, cores: 2, disk: 32, agent: true, os: 'debian' },
  { vmid: 106, type: 'qemu', node: 'pve3', name: 'dev-box', power: 'paused', memory: 4096, cores: 2, disk: 40, agent: true, os: 'ubuntu' },
  {
    vmid: 107,
    type: 'qemu',
    node: 'pve3',
    name: 'mail01',
    power: 'running',
    memory: 4096,
    cores: 2,
    disk: 50,
    agent: true,
    os: 'debian',
    lock: 'backup',
    pool: 'prod',
  },
  {
    vmid: 108,
    type: 'qemu',
    node: 'pve3',
    name: 'monitoring',
    power: 'running',
    memory: 4096,
    cores: 2,
    disk: 50,
    agent: true,
    os: 'debian',
    tags: 'ops',
  },
  {
    vmid: 109,
    type: 'qemu',
    node: 'pve1',
    name: 'k8s-node1',
    power: 'stopped',
    memory: 4096,
    cores: 2,
    disk: 40,
    agent: true,
    os: 'ubuntu',
    pool: 'lab',
  },
  {
    vmid: 110,
    type: 'qemu',
    node: 'pve2',
    name: 'k8s-node2',
    power: 'stopped',
    memory: 4096,
    cores: 2,
    disk: 40,
    agent: true,
    os: 'ubuntu',
    pool: 'lab',
  },
  {
    vmid: 111,
    type: 'qemu',
    node: 'pve3',
    name: 'old-erp',
    power: 'stopped',
    memory: 2048,
    cores: 1,
    disk: 16,
    os: 'debian',
    description: 'to be retired',
  },
  {
    vmid: 120,
    type: 'qemu',
    node: 'pve1',
    name: 'debian12-template',
    power: 'stopped',
    memory: 2048,
    cores: 2,
    disk: 8,
    agent: true,
    os: 'debian',
    template: true,
  },
  { vmid: 200, type: 'lxc', node: 'pve1', name: 'dns01', power: 'running', memory: 512, cores: 1, disk: 8, os: 'debian', tags: 'infra' },
  { vmid: 201, type: 'lxc', node: 'pve2', name: 'proxy', power: 'running', memory: 1024, cores: 2, disk: 8, os: 'debian', pool: 'prod' },
  { vmid: 202, type: 'lxc', node: 'pve3', name: 'backup-ct', power: 'stopped', memory: 1024, cores: 1, disk: 16, os: 'debian' },
  { vmid: 203, type: 'lxc', node: 'pve1', name: 'pihole', power: 'running', memory: 512, cores: 1, disk: 4, os: 'alpine' },
  { vmid: 204, type: 'lxc', node: 'pve2', name: 'test-ct', power: 'stopped', memory: 512, cores: 1, disk: 8, os: 'ubuntu' },
  { vmid: 205, type: 'lxc', node: 'pve3', name: 'redis', power: 'running', memory: 2048, cores: 2, disk: 8, os: 'debian', pool: 'prod' },
];

const OS_RELEASE: Record<Guest['osRelease'], string> = {
  debian:
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\n',
  ubuntu:
    'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION="24.04.1 LTS (Noble Numbat)"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\n',
  alpine: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n',
  windows: '',
};

export class SimState {
  readonly clusterName = CLUSTER_NAME;
  readonly nodes: NodeDef[] = [];
  readonly guests = new Map<number, Guest>();
  readonly storages: StorageDef[] = [];
  readonly users = new Map<string, UserDef>();
  readonly groups = new Map<string, { groupid: string; comment?: string }>();
  readonly roles = new Map<string, string[]>(Object.entries(BUILTIN_ROLES));
  readonly acl: AclEntry[] = [];
  readonly pools = new Map<string, PoolDef>();
  /** Second factors per user. */
  readonly tfa = new Map<string, Array<{ id: string; type: string; description: string; created: number; enable: 0 | 1 }>>();
  readonly clusterLog: ClusterLogEntry[] = [];
  /** Config objects of the declarative families (firewall, mappings, jobs, ...), by family and scope. */
  readonly collections = new Collections();
  /** Firewall state per scope: `cluster`, `node/<node>`, `vm/<vmid>`. */
  readonly firewall = new Map<string, FirewallScope>();
  /** The last run of each replication job. */
  readonly replicationRuns = new Map<string, ReplicationRun>();
  /** What each node knows about itself (DNS, services, disks, network, ...). */
  readonly nodeFacts = new Map<string, NodeFacts>();
  /** datacenter.cfg */
  readonly datacenterOptions: Record<string, unknown> = {
    keyboard: 'en-us',
    console: 'xtermjs',
    mac_prefix: 'BC:24:11',
    migration: 'type=secure,network=192.0.2.0/24',
    'next-id': 'lower=100',
  };
  private logUid = 1;
  /** The HA stack (resources, rules, CRM state). */
  readonly ha: HaManager;
  /** `/etc/pve/nodes/<node>/config` of each node (ACME settings, description, ...). */
  readonly nodeConfigs = new Map<string, Record<string, ConfigValue>>();
  readonly sdn = new SdnState();
  /** ACME accounts (by config name), challenge plugins (by id) and the certificates ordered per node. */
  readonly acme = {
    accounts: new Map<string, { directory: string; contact: string[]; tos?: string; location: string; createdAt: string }>(),
    plugins: new Map<string, Record<string, ConfigValue>>([['standalone', { type: 'standalone' }]]),
    certs: new Map<string, { domains: string[]; notbefore: number; notafter: number; fingerprint: string }>(),
  };

  /** The ACL view the permission checks read (always the live state). */
  readonly aclSource: AclSource = {
    acl: this.acl,
    roles: this.roles,
    groupsOf: (userid) => this.users.get(userid)?.groups,
    tokenPrivsep: (userid, tokenid) => this.users.get(userid)?.tokens.find((t) => t.tokenid === tokenid)?.privsep,
    poolOf: (path) => {
      const vm = /^\/vms\/(\d+)$/.exec(path);
      if (vm) return this.guests.get(Number(vm[1]))?.pool;
      const st = /^\/storage\/([^/]+)$/.exec(path);
      if (st) return [...this.pools.values()].find((p) => p.storage.includes(st[1]))?.poolid;
      return undefined;
    },
  };

  constructor(extraGuests = 0, opts: { seedHa?: boolean; haDelayMs?: number } = {}) {
    this.ha = new HaManager(this, opts.haDelayMs);
    const boot = now() - 86400 * 12;
    ['pve1', 'pve2', 'pve3'].forEach((node, i) =>
      this.nodes.push({
        node,
        ip: `192.0.2.${11 + i}`,
        bootedAt: boot + i * 600,
        maxcpu: 16,
        maxmem: 68719476736,
        maxdisk: 100861726720,
        id: i + 1,
      }),
    );
    this.seedStorages();
    this.seedAccess();
    for (const seed of SEED_GUESTS) this.addGuest(seed);
    for (let i = 0; i < extraGuests; i++) {
      const type: GuestType = i % 3 === 2 ? 'lxc' : 'qemu';
      this.addGuest({
        vmid: 1000 + i,
        type,
        node: this.nodes[i % this.nodes.length].node,
        name: `${type === 'qemu' ? 'vm' : 'ct'}-${String(i).padStart(4, '0')}`,
        power: i % 4 === 0 ? 'stopped' : 'running',
        memory: 1024 * (1 + (i % 4)),
        cores: 1 + (i % 2),
        disk: 8 + (i % 5) * 8,
        agent: type === 'qemu' && i % 2 === 0,
        os: 'debian',
        pool: i % 10 === 0 ? 'lab' : undefined,
      });
    }
    for (const n of this.nodes) this.nodeConfigs.set(n.node, {});
    for (const n of this.nodes) this.nodeFacts.set(n.node, newNodeFacts(n.node, n.ip, n.id - 1));
    seedFirewall(this.firewall);
    if (opts.seedHa !== false) this.seedHa();
    this.log('pve1', 'root@pam', 'pvedaemon', 'starting server');
  }

  /** A cluster that uses HA: three guests under HA, one node-affinity rule, the CRM running. */
  private seedHa(): void {
    const comment = 'production service';
    this.ha.addResource({ sid: 'vm:100', type: 'vm', vmid: 100, state: 'started', comment });
    this.ha.addResource({ sid: 'vm:101', type: 'vm', vmid: 101, state: 'started', comment, max_restart: 2 });
    this.ha.addResource({ sid: 'ct:201', type: 'ct', vmid: 201, state: 'started' });
    this.ha.rules.set('db-prefers-pve1', {
      rule: 'db-prefers-pve1',
      type: 'node-affinity',
      resources: ['vm:101'],
      nodes: 'pve1:2,pve2:1',
      strict: 0,
      comment: 'keep the database on the fast node',
      order: this.ha.nextRuleOrder(),
    });
    this.ha.activate(true);
    this.ha.settle();
    this.ha.syncGuests();
  }

  /** Moves a guest and its local volumes to another node (what a finished migration does). */
  moveGuest(g: Guest, target: string): void {
    const vols = new Set(
      Object.entries(g.config)
        .filter(([k]) => isDiskKey(g.type, k) || /^unused\d+$/.test(k))
        .map(([, v]) =>
          String(v)
            .split(',')[0]
            .replace(/^(file|volume)=/, ''),
        ),
    );
    for (const s of this.storages) {
      if (s.shared) continue;
      const src = this.volumesOn(s, g.node);
      const moving = src.filter((v) => vols.has(v.volid) || (v.vmid === g.vmid && v.content !== 'backup'));
      for (const v of moving) src.splice(src.indexOf(v), 1);
      this.volumesOn(s, target).push(...moving);
    }
    g.node = target;
  }

  private seedStorages(): void {
    // A whole day (02:00 UTC, 30 days ago), like the seeded guests: volume names and times are the same all day.
    const t = Math.floor(now() / 86400 - 30) * 86400 + 2 * 3600;
    const perNode = (vols: Volume[]) => new Map(this.nodes.map((n) => [n.node, vols.map((v) => ({ ...v }))]));
    this.storages.push({
      storage: 'local',
      type: 'dir',
      content: ['iso', 'vztmpl', 'backup'],
      shared: 0,
      extra: { path: '/var/lib/vz' },
      total: 100861726720,
      volumes: perNode([
        { volid: 'local:iso/debian-12.7.0-amd64-netinst.iso', content: 'iso', format: 'iso', size: 661651456, ctime: t },
        { volid: 'local:iso/ubuntu-24.04.1-live-server-amd64.iso', content: 'iso', format: 'iso', size: 2773874688, ctime: t },
        { volid: 'local:iso/Win11_24H2_English_x64.iso', content: 'iso', format: 'iso', size: 5819484160, ctime: t },
        { volid: 'local:iso/virtio-win-0.1.262.iso', content: 'iso', format: 'iso', size: 708077568, ctime: t },
        { volid: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst', content: 'vztmpl', format: 'tzst', size: 126859512, ctime: t },
        { volid: 'local:vztmpl/debian-13-standard_13.1-2_amd64.tar.zst', content: 'vztmpl', format: 'tzst', size: 131104372, ctime: t },
        { volid: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst', content: 'vztmpl', format: 'tzst', size: 141589203, ctime: t },
        { volid: 'local:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz', content: 'vztmpl', format: 'txz', size: 3225404, ctime: t },
      ]),
    });
    this.storages.push({
      storage: 'local-lvm',
      type: 'lvmthin',
      content: ['images', 'rootdir'],
      shared: 0,
      extra: { vgname: 'pve', thinpool: 'data' },
      total: 1_862_870_581_248,
      volumes: perNode([]),
    });
    const backups: Volume[] = [];
    for (const [vmid, kind] of [
      [100, 'qemu'],
      [101, 'qemu'],
      [107, 'qemu'],
      [200, 'lxc'],
    ] as const) {
      for (const day of [1, 2]) {
        const d = new Date((t + 86400 * (20 + day)) * 1000);
        const stamp = d.toISOString().replace(/T/, '_').replace(/\..*/, '').replace(/:/g, '_').replace(/-/g, '_');
        backups.push({
          volid: `backup-nfs:backup/vzdump-${kind}-${vmid}-${stamp}.${kind === 'qemu' ? 'vma.zst' : 'tar.zst'}`,
          content: 'backup',
          format: kind === 'qemu' ? 'vma.zst' : 'tar.zst',
          size: 1_073_741_824 + vmid * 1000,
          ctime: Math.floor(d.getTime() / 1000),
          vmid,
          subtype: kind,
          notes: `${vmid} nightly`,
        });
      }
    }
    this.storages.push({
      storage: 'backup-nfs',
      type: 'nfs',
      content: ['backup'],
      shared: 1,
      extra: {
        server: '192.0.2.50',
        export: '/export/pve-backup',
        path: '/mnt/pve/backup-nfs',
        'prune-backups': 'keep-last=7',
        options: 'vers=4.2',
      },
      total: 4_398_046_511_104,
      volumes: new Map([['*', backups]]),
    });
  }

  private seedAccess(): void {
    const user = (userid: string, extra: Partial<UserDef> = {}): UserDef => ({
      userid,
      enable: 1,
      expire: 0,
      groups: [],
      tokens: [],
      ...extra,
    });
    this.users.set(
      'root@pam',
      user('root@pam', { email: 'root@simlab.example', tokens: [{ tokenid: 'mcp', privsep: 0, expire: 0, comment: 'proxmox-mcp' }] }),
    );
    this.users.set(
      'auditor@pve',
      user('auditor@pve', {
        firstname: 'Audit',
        lastname: 'Bot',
        groups: ['auditors'],
        tokens: [{ tokenid: 'ro', privsep: 1, expire: 0, comment: 'read-only' }],
      }),
    );
    this.users.set('alice@pve', user('alice@pve', { firstname: 'Alice', email: 'alice@simlab.example', groups: ['admins'] }));
    this.users.set('bob@pve', user('bob@pve', { firstname: 'Bob', groups: ['vmops'], comment: 'VM operator' }));
    this.groups.set('admins', { groupid: 'admins', comment: 'Cluster administrators' });
    this.groups.set('auditors', { groupid: 'auditors', comment: 'Read-only access' });
    this.groups.set('vmops', { groupid: 'vmops', comment: 'VM operators' });
    this.acl.push(
      { path: '/', type: 'group', ugid: 'admins', roleid: 'Administrator', propagate: 1 },
      { path: '/', type: 'group', ugid: 'auditors', roleid: 'PVEAuditor', propagate: 1 },
      { path: '/', type: 'token', ugid: 'auditor@pve!ro', roleid: 'PVEAuditor', propagate: 1 },
      { path: '/pool/lab', type: 'group', ugid: 'vmops', roleid: 'PVEVMAdmin', propagate: 1 },
    );
    const realms = this.collections.get('/access/domains');
    realms.set('pam', { type: 'pam', comment: 'Linux PAM standard authentication' });
    realms.set('pve', { type: 'pve', comment: 'Proxmox VE authentication server', default: 1 });
    this.pools.set('prod', { poolid: 'prod', comment: 'Production services', storage: [] });
    this.pools.set('lab', { poolid: 'lab', comment: 'Lab and CI', storage: ['local-lvm'] });
  }

  addGuest(seed: GuestSeed): Guest {
    const isQemu = seed.type === 'qemu';
    const volume = `local-lvm:${isQemu ? 'vm' : 'subvol'}-${seed.vmid}-disk-0`;
    const config: Record<string, ConfigValue> = isQemu
      ? {
          name: seed.name,
          memory: String(seed.memory),
          cores: seed.cores,
          sockets: 1,
          cpu: 'x86-64-v2-AES',
          ostype: seed.os === 'windows' ? 'win11' : 'l26',
          scsihw: 'virtio-scsi-single',
          scsi0: `${volume},iothread=1,size=${seed.disk}G`,
          ide2: seed.os === 'windows' ? 'local:iso/virtio-win-0.1.262.iso,media=cdrom,size=691482K' : 'none,media=cdrom',
          net0: `virtio=${macFor(seed.vmid, 0)},bridge=vmbr0,firewall=1`,
          boot: 'order=scsi0;ide2;net0',
          numa: 0,
          onboot: seed.power === 'running' ? 1 : 0,
          smbios1: `uuid=${uuidFor(seed.vmid)}`,
          vmgenid: uuidFor(seed.vmid + 7),
          // Created on a whole day: two simulators started the same day hold the same configs, so a digest
          // read through one `proxmox-mcp call --demo` is still valid for the next.
          meta: `creation-qemu=10.0.2,ctime=${Math.floor(now() / 86400 - 40) * 86400}`,
        }
      : {
          hostname: seed.name,
          memory: seed.memory,
          swap: 512,
          cores: seed.cores,
          arch: 'amd64',
          ostype: seed.os ?? 'debian',
          rootfs: `${volume},size=${seed.disk}G`,
          net0: `name=eth0,bridge=vmbr0,firewall=1,hwaddr=${macFor(seed.vmid, 0)},ip=dhcp,type=veth`,
          onboot: seed.power === 'running' ? 1 : 0,
          unprivileged: 1,
          features: 'nesting=1',
        };
    if (seed.os === 'windows') {
      config.bios = 'ovmf';
      config.machine = 'pc-q35-10.0';
      config.efidisk0 = `local-lvm:vm-${seed.vmid}-disk-1,efitype=4m,pre-enrolled-keys=1,size=4M`;
      config.tpmstate0 = `local-lvm:vm-${seed.vmid}-disk-2,size=4M,version=v2.0`;
    }
    if (seed.agent && isQemu) config.agent = '1';
    if (seed.tags) config.tags = seed.tags;
    if (seed.lock) config.lock = seed.lock;
    if (seed.template) config.template = 1;
    if (seed.description) config.description = seed.description;
    const guest: Guest = {
      vmid: seed.vmid,
      type: seed.type,
      node: seed.node,
      power: seed.power,
      config,
      snapshots: [],
      agentRunning: seed.agentRunning ?? true,
      os: seed.os === 'windows' ? 'windows' : 'linux',
      osRelease: seed.os ?? 'debian',
      files: new Map(),
      startedAt: now() - 3600 * (1 + (seed.vmid % 48)),
      procs: new Map(),
      nextPid: 1000 + (seed.vmid % 500),
      pool: seed.pool,
    };
    this.resetGuestFiles(guest);
    this.guests.set(seed.vmid, guest);
    this.addVolume(seed.node, {
      volid: volume,
      content: isQemu ? 'images' : 'rootdir',
      format: 'raw',
      size: seed.disk * 1024 ** 3,
      ctime: now() - 86400 * 40,
      vmid: seed.vmid,
    });
    return guest;
  }

  resetGuestFiles(guest: Guest): void {
    const name = String(guest.config.name ?? guest.config.hostname ?? `vm${guest.vmid}`);
    guest.files.clear();
    if (guest.os === 'windows') {
      guest.files.set('C:\\Windows\\System32\\drivers\\etc\\hosts', '127.0.0.1 localhost\r\n');
      return;
    }
    guest.files.set('/etc/hostname', `${name}\n`);
    guest.files.set('/etc/os-release', OS_RELEASE[guest.osRelease]);
    guest.files.set('/etc/hosts', `127.0.0.1\tlocalhost\n127.0.1.1\t${name}\n`);
  }

  guestName(guest: Guest): string {
    return String(guest.config.name ?? guest.config.hostname ?? (guest.type === 'qemu' ? `VM ${guest.vmid}` : `CT${guest.vmid}`));
  }

  node(name: string): NodeDef | undefined {
    return this.nodes.find((n) => n.node === name);
  }

  /** The guest of that type on that node, or PVE's "does not exist" error for its config file. */
  guestOn(node: string, type: GuestType, vmid: number): Guest {
    const g = this.guests.get(vmid);
    if (!g || g.node !== node || g.type !== type) {
      throw new PveError(500, `Configuration file 'nodes/${node}/${type === 'qemu' ? 'qemu-server' : 'lxc'}/${vmid}.conf' does not exist`);
    }
    return g;
  }

  nextId(): number {
    let id = 100;
    while (this.guests.has(id)) id++;
    return id;
  }

  storage(name: string): StorageDef | undefined {
    return this.storages.find((s) => s.storage === name);
  }

  volumesOn(storage: StorageDef, node: string): Volume[] {
    const key = storage.shared ? '*' : node;
    let list = storage.volumes.get(key);
    if (!list) storage.volumes.set(key, (list = []));
    return list;
  }

  addVolume(node: string, vol: Volume): void {
    const storage = this.storage(vol.volid.slice(0, vol.volid.indexOf(':')));
    if (storage) this.volumesOn(storage, node).push(vol);
  }

  removeVolumes(node: string, predicate: (v: Volume) => boolean): void {
    for (const s of this.storages) {
      const list = this.volumesOn(s, node);
      for (let i = list.length - 1; i >= 0; i--) if (predicate(list[i])) list.splice(i, 1);
    }
  }

  usedBytes(storage: StorageDef, node: string): number {
    const base = storage.type === 'dir' ? 12_884_901_888 : 0;
    return base + this.volumesOn(storage, node).reduce((sum, v) => sum + v.size, 0);
  }

  log(node: string, user: string, tag: string, msg: string, time = now()): void {
    this.clusterLog.push({ uid: this.logUid++, time, pri: 6, tag, pid: 1000 + this.logUid, node, user, msg });
    if (this.clusterLog.length > 500) this.clusterLog.shift();
  }
}

function uuidFor(n: number): string {
  const h = createHash('md5').update(`simlab-${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface SdnFabric {
  id: string;
  protocol: 'openfabric' | 'ospf' | 'wireguard' | 'bgp';
  props: Record<string, ConfigValue | string[]>;
}

export interface SdnFabricNode {
  fabric_id: string;
  node_id: string;
  protocol: SdnFabric['protocol'];
  props: Record<string, ConfigValue | string[]>;
}

/** SDN configuration: what is pending in `/etc/pve/sdn` and what `PUT /cluster/sdn` last applied. */
export class SdnState {
  readonly zones = new Map<string, Record<string, ConfigValue>>();
  readonly vnets = new Map<string, Record<string, ConfigValue>>();
  readonly fabrics = new Map<string, SdnFabric>();
  readonly fabricNodes = new Map<string, SdnFabricNode>();
  /** Zones, VNets or plugins changed since the configuration was last applied. */
  dirty = false;
  /** Fabric ids (with their node ids) in the running configuration, and when they were applied. */
  running = { fabrics: new Map<string, { nodes: string[]; appliedAt: number }>() };

  digest(): string {
    const text = JSON.stringify([[...this.fabrics.values()], [...this.fabricNodes.values()]]);
    return createHash('sha256').update(text).digest('hex');
  }
}

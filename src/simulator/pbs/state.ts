/**
 * The data of a simulated Proxmox Backup Server: datastores with namespaces, backup groups and
 * snapshots, remotes, and the verify / prune / sync jobs configured on it. Some backups are of the
 * simulated PVE cluster's guests (its storage `pbs01` points here), so both sides tell one story.
 */

export type BackupType = 'vm' | 'ct' | 'host';
export const BACKUP_TYPES: readonly BackupType[] = ['vm', 'ct', 'host'];

/** An answer PBS gives as an error: the status and a plain-text message (PBS sends no JSON envelope for errors). */
export class PbsError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'PbsError';
  }
}

export interface BackupFile {
  filename: string;
  size: number;
  'crypt-mode': 'none' | 'encrypt' | 'sign-only';
}

export interface BackupSnapshot {
  type: BackupType;
  id: string;
  time: number;
  files: BackupFile[];
  protected: boolean;
  comment?: string;
  owner: string;
  verification?: { state: 'ok' | 'failed'; upid: string };
}

export interface GcStatus {
  upid?: string;
  'index-file-count': number;
  'disk-chunks': number;
  'disk-bytes': number;
  'removed-chunks': number;
  'removed-bytes': number;
  'pending-chunks': number;
  'pending-bytes': number;
}

export interface Datastore {
  name: string;
  path: string;
  comment?: string;
  'gc-schedule'?: string;
  'prune-schedule'?: string;
  keep: Partial<Record<KeepOption, number>>;
  'verify-new'?: boolean;
  /** '' is the root namespace. */
  namespaces: Set<string>;
  /** Snapshots per namespace. */
  snapshots: Map<string, BackupSnapshot[]>;
  total: number;
  gc: GcStatus;
}

export interface Remote {
  name: string;
  host: string;
  port?: number;
  'auth-id': string;
  fingerprint?: string;
  comment?: string;
}

export type JobKind = 'sync' | 'verify' | 'prune';

export interface Job {
  kind: JobKind;
  id: string;
  store: string;
  schedule?: string;
  comment?: string;
  ns?: string;
  /** Everything else the job's configuration holds (remote, remote-store, keep-*, outdated-after, ...). */
  options: Record<string, string | number | boolean>;
  lastRun?: { upid: string; state: string; endtime?: number };
}

export const KEEP_OPTIONS = ['keep-last', 'keep-hourly', 'keep-daily', 'keep-weekly', 'keep-monthly', 'keep-yearly'] as const;
export type KeepOption = (typeof KEEP_OPTIONS)[number];

const DAY = 86_400;
const GiB = 1024 ** 3;

/** Guests of the simulated PVE cluster whose backups live here (see src/simulator/state.ts). */
const PVE_GUESTS: Array<{ type: BackupType; id: string; disk: number; ns: string }> = [
  { type: 'vm', id: '100', disk: 32, ns: '' },
  { type: 'vm', id: '101', disk: 100, ns: '' },
  { type: 'vm', id: '107', disk: 50, ns: '' },
  { type: 'ct', id: '200', disk: 8, ns: '' },
  { type: 'ct', id: '201', disk: 8, ns: '' },
  { type: 'vm', id: '103', disk: 64, ns: 'dev' },
  { type: 'vm', id: '109', disk: 40, ns: 'dev/k8s' },
  { type: 'vm', id: '110', disk: 40, ns: 'dev/k8s' },
];

export class PbsState {
  readonly datastores = new Map<string, Datastore>();
  readonly remotes = new Map<string, Remote>();
  readonly jobs = new Map<string, Job>();
  readonly hostname = 'pbs1';
  readonly bootedAt = Math.floor(Date.now() / 1000) - 12 * DAY;

  constructor(now = Math.floor(Date.now() / 1000)) {
    const midnight = now - (now % DAY);
    const store1 = this.addDatastore({ name: 'store1', path: '/mnt/datastore/store1', comment: 'Main backup store', total: 4096 * GiB });
    store1['gc-schedule'] = 'daily';
    store1['prune-schedule'] = 'daily';
    Object.assign(store1.keep, { 'keep-last': 3, 'keep-daily': 7, 'keep-weekly': 4 });
    for (const ns of ['dev', 'dev/k8s', 'customers']) store1.namespaces.add(ns);
    // Nightly backups at 02:00 for the last 10 days; the newest of vm/101 failed verification.
    for (const g of PVE_GUESTS) {
      for (let d = 10; d >= 1; d--) {
        const time = midnight - d * DAY + 2 * 3600 + Number(g.id) * 7;
        this.snapshotsOf(store1, g.ns).push(makeSnapshot(g.type, g.id, time, g.disk, 'root@pam'));
      }
    }
    const newest101 = this.snapshotsOf(store1, '')
      .filter((s) => s.id === '101')
      .at(-1)!;
    newest101.verification = { state: 'failed', upid: fakeVerifyUpid(newest101.time) };
    this.snapshotsOf(store1, '').find((s) => s.id === '100')!.protected = true;
    const host = makeSnapshot('host', 'pve1', midnight - 2 * DAY + 3 * 3600, 4, 'root@pam');
    host.files = [
      { filename: 'etc.pxar.didx', size: 48 * 1024 ** 2, 'crypt-mode': 'encrypt' },
      { filename: 'index.json.blob', size: 512, 'crypt-mode': 'sign-only' },
    ];
    this.snapshotsOf(store1, '').push(host);
    this.snapshotsOf(store1, 'customers').push(makeSnapshot('vm', '4001', midnight - DAY + 4 * 3600, 20, 'sync@pbs'));

    const offsite = this.addDatastore({
      name: 'offsite',
      path: '/mnt/datastore/offsite',
      comment: 'Copy of store1 for the remote site',
      total: 8192 * GiB,
    });
    for (const s of this.snapshotsOf(store1, '').slice(0, 3))
      this.snapshotsOf(offsite, '').push({ ...s, files: s.files.map((f) => ({ ...f })), verification: undefined });

    this.remotes.set('offsite-pbs', {
      name: 'offsite-pbs',
      host: 'pbs2.simlab.local',
      'auth-id': 'sync@pbs',
      fingerprint: 'AB:'.repeat(31) + 'AB',
      comment: 'Second site',
    });
    this.addJob({
      kind: 'sync',
      id: 'pull-offsite',
      store: 'offsite',
      schedule: 'hourly',
      comment: 'Pull store1 from the second site',
      options: { remote: 'offsite-pbs', 'remote-store': 'store1', 'remove-vanished': false },
    });
    this.addJob({
      kind: 'verify',
      id: 'verify-store1',
      store: 'store1',
      schedule: 'daily',
      options: { 'ignore-verified': true, 'outdated-after': 30 },
    });
    this.addJob({
      kind: 'prune',
      id: 'prune-dev',
      store: 'store1',
      ns: 'dev',
      schedule: 'daily',
      options: { 'keep-last': 2, 'max-depth': 1 },
    });
  }

  addDatastore(d: { name: string; path: string; comment?: string; total?: number }): Datastore {
    const ds: Datastore = {
      name: d.name,
      path: d.path,
      comment: d.comment,
      keep: {},
      namespaces: new Set(['']),
      snapshots: new Map(),
      total: d.total ?? 1024 * GiB,
      gc: {
        'index-file-count': 0,
        'disk-chunks': 0,
        'disk-bytes': 0,
        'removed-chunks': 0,
        'removed-bytes': 0,
        'pending-chunks': 0,
        'pending-bytes': 0,
      },
    };
    this.datastores.set(d.name, ds);
    return ds;
  }

  addJob(job: Job): void {
    this.jobs.set(`${job.kind}/${job.id}`, job);
  }

  job(kind: JobKind, id: string): Job {
    const job = this.jobs.get(`${kind}/${id}`);
    if (!job) throw new PbsError(404, `job '${id}' does not exist.`);
    return job;
  }

  datastore(name: string): Datastore {
    const ds = this.datastores.get(name);
    if (!ds) throw new PbsError(400, `datastore '${name}' does not exist.`);
    return ds;
  }

  namespace(ds: Datastore, ns: string | undefined): string {
    const name = ns ?? '';
    if (!ds.namespaces.has(name)) throw new PbsError(400, `namespace '${name}' does not exist.`);
    return name;
  }

  snapshotsOf(ds: Datastore, ns: string): BackupSnapshot[] {
    let list = ds.snapshots.get(ns);
    if (!list) ds.snapshots.set(ns, (list = []));
    return list;
  }

  /** The namespace and the ones below it, down to `maxDepth` levels (all when undefined). */
  namespacesUnder(ds: Datastore, ns: string, maxDepth?: number): string[] {
    const depth = (n: string) => (n === '' ? 0 : n.split('/').length);
    return [...ds.namespaces]
      .filter((n) => (ns === '' || n === ns || n.startsWith(`${ns}/`)) && (maxDepth === undefined || depth(n) - depth(ns) <= maxDepth))
      .sort();
  }

  usedBytes(ds: Datastore): number {
    let sum = 0;
    for (const list of ds.snapshots.values()) for (const s of list) sum += snapshotSize(s);
    // Deduplication: chunks are shared between the snapshots of a group.
    return Math.round(sum * 0.18);
  }
}

export function snapshotSize(s: BackupSnapshot): number {
  return s.files.reduce((n, f) => n + f.size, 0);
}

function makeSnapshot(type: BackupType, id: string, time: number, diskGiB: number, owner: string): BackupSnapshot {
  const files: BackupFile[] =
    type === 'vm'
      ? [
          { filename: 'qemu-server.conf.blob', size: 704, 'crypt-mode': 'none' },
          { filename: 'drive-scsi0.img.fidx', size: Math.round(diskGiB * 0.6 * GiB), 'crypt-mode': 'none' },
          { filename: 'index.json.blob', size: 402, 'crypt-mode': 'none' },
        ]
      : [
          { filename: `${type === 'ct' ? 'pct' : 'host'}.conf.blob`, size: 388, 'crypt-mode': 'none' },
          { filename: 'root.pxar.didx', size: Math.round(diskGiB * 0.4 * GiB), 'crypt-mode': 'none' },
          { filename: 'index.json.blob', size: 390, 'crypt-mode': 'none' },
        ];
  return { type, id, time, files, protected: false, owner, verification: undefined };
}

function fakeVerifyUpid(time: number): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `UPID:pbs1:00000A11:000B0C0D:00000001:${hex(time + 3600)}:verificationjob:store1\\x3averify\\x2dstore1:root@pam:`;
}

/** RFC 3339 in UTC, as PBS names snapshot directories (`vm/100/2026-11-28T02:00:00Z`). */
export function backupTimeString(time: number): string {
  return new Date(time * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Which snapshots prune keeps, as PBS decides it: each keep option, in the order last, hourly, daily,
 * weekly, monthly, yearly, walks the snapshots newest first and keeps the newest of each period it has
 * not yet seen until it has kept its count; protected snapshots are always kept; with no keep option at
 * all everything is kept.
 */
export function pruneMarks(
  list: BackupSnapshot[],
  keep: Partial<Record<KeepOption, number>>,
): Map<BackupSnapshot, 'keep' | 'remove' | 'protected'> {
  const sorted = [...list].sort((a, b) => b.time - a.time);
  const mark = new Map<BackupSnapshot, 'keep' | 'remove' | 'protected'>();
  const any = KEEP_OPTIONS.some((k) => (keep[k] ?? 0) > 0);
  if (!any) {
    for (const s of sorted) mark.set(s, s.protected ? 'protected' : 'keep');
    return mark;
  }
  const periods: Record<KeepOption, (d: Date) => string> = {
    'keep-last': (d) => String(d.getTime()),
    'keep-hourly': (d) => d.toISOString().slice(0, 13),
    'keep-daily': (d) => d.toISOString().slice(0, 10),
    'keep-weekly': (d) => isoWeek(d),
    'keep-monthly': (d) => d.toISOString().slice(0, 7),
    'keep-yearly': (d) => d.toISOString().slice(0, 4),
  };
  for (const option of KEEP_OPTIONS) {
    const count = keep[option] ?? 0;
    if (count <= 0) continue;
    const key = (s: BackupSnapshot) => periods[option](new Date(s.time * 1000));
    const already = new Set(sorted.filter((s) => mark.get(s) === 'keep').map(key));
    const included = new Set<string>();
    for (const s of sorted) {
      if (mark.has(s)) continue;
      if (s.protected) {
        mark.set(s, 'protected');
        continue;
      }
      const k = key(s);
      if (already.has(k)) continue;
      if (!included.has(k)) {
        if (included.size >= count) break;
        included.add(k);
        mark.set(s, 'keep');
      } else mark.set(s, 'remove');
    }
  }
  for (const s of sorted) if (!mark.has(s)) mark.set(s, s.protected ? 'protected' : 'remove');
  return mark;
}

function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}/${String(week).padStart(2, '0')}`;
}

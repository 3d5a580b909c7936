/**
 * The operations the simulated Backup Server serves, each declared once: its schema (in PBS's own
 * dialect, so the catalog's reading of that dialect is exercised end to end) and what it does.
 * test/simulator/pbs.test.ts checks every declaration against the real PBS 4.2 schema.
 */
import {
  backupTimeString,
  BACKUP_TYPES,
  KEEP_OPTIONS,
  PbsError,
  pruneMarks,
  snapshotSize,
  type BackupSnapshot,
  type Datastore,
  type Job,
  type JobKind,
  type KeepOption,
  type PbsState,
} from './state.js';
import type { PbsTaskManager } from './tasks.js';

export type Schema = Record<string, unknown>;
export type Params = Record<string, string | string[]>;

export interface Who {
  authid: string;
  /** Audit-only identities may read, nothing else. */
  canModify: boolean;
}

export interface Ctx {
  state: PbsState;
  tasks: PbsTaskManager;
  params: Params;
  who: Who;
}

export interface PbsOperation {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  description: string;
  /** Path parameters included, as PBS lists them. */
  params: Record<string, Schema>;
  returns: Schema;
  permissions: Schema;
  /** PBS's streaming marker, when the answer may be a file. */
  streaming?: 'DOWNLOAD';
  handler(ctx: Ctx): unknown;
}

// Parameter schemas in PBS's form: Rust regexes written /.../, integers and booleans as JSON values.
const SAFE_ID = '/^(?:[A-Za-z0-9_][A-Za-z0-9._\\-]*)$/';
const NS_PATTERN = '/^(?:(?:(?:[A-Za-z0-9_][A-Za-z0-9._\\-]*)/){0,7}(?:[A-Za-z0-9_][A-Za-z0-9._\\-]*))?$/';
const UPID_PATTERN =
  '/^UPID:(?P<node>[a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?):(?P<pid>[0-9A-Fa-f]{8}):(?P<pstart>[0-9A-Fa-f]{8,9}):(?P<task_id>[0-9A-Fa-f]{8,16}):(?P<starttime>[0-9A-Fa-f]{8}):(?P<wtype>[^:\\s]+):(?P<wid>[^:\\s]*):(?P<authid>[^:\\s]+):$/';

const opt = (s: Schema): Schema => ({ ...s, optional: 1 });
const STORE: Schema = { type: 'string', description: 'Datastore name.', minLength: 3, maxLength: 32, pattern: SAFE_ID };
const NS: Schema = { type: 'string', description: 'Namespace, levels separated by "/".', maxLength: 256, pattern: NS_PATTERN };
const NODE: Schema = {
  type: 'string',
  description: "Node name (or 'localhost').",
  pattern: '/^(?:[a-zA-Z0-9](?:[a-zA-Z0-9\\-]*[a-zA-Z0-9])?)$/',
};
const UPID: Schema = { type: 'string', description: 'Task id (UPID).', minLength: 36, pattern: UPID_PATTERN };
const BTYPE: Schema = { type: 'string', description: 'Backup type.', enum: [...BACKUP_TYPES] };
const BID: Schema = { type: 'string', description: 'Backup id (a guest id or host name).', pattern: '/^[A-Za-z0-9_][A-Za-z0-9._\\-]*$/' };
const BTIME: Schema = { type: 'integer', description: 'Backup time (Unix epoch).', minimum: 1 };
const JOB_ID: Schema = { type: 'string', description: 'Job id.', minLength: 3, maxLength: 32, pattern: SAFE_ID };
const COMMENT: Schema = { type: 'string', description: 'Comment.', maxLength: 128, pattern: '/^[[:^cntrl:]]*$/' };
const SCHEDULE: Schema = {
  type: 'string',
  description: 'Calendar event (systemd style), e.g. daily or 02:30.',
  minLength: 1,
  maxLength: 256,
};
const BOOL = (description: string): Schema => ({ type: 'boolean', description });
const MAX_DEPTH: Schema = { type: 'integer', description: 'How many namespace levels below to include.', minimum: 0, maximum: 7 };
const DIGEST: Schema = {
  type: 'string',
  description: 'Refuse the change if the configuration changed since (SHA-256 digest).',
  pattern: '/^[a-f0-9]{64}$/',
};
const KEEP: Record<KeepOption, Schema> = Object.fromEntries(
  KEEP_OPTIONS.map((k) => [k, opt({ type: 'integer', description: `How many backups to keep (${k.slice(5)}).`, minimum: 1 })]),
) as Record<KeepOption, Schema>;
const MAINTENANCE: Schema = {
  type: 'string',
  description: 'Maintenance mode of the datastore.',
  format: {
    type: 'object',
    description: 'Maintenance mode.',
    default_key: 'type',
    additionalProperties: false,
    properties: {
      type: { type: 'string', description: 'Maintenance type.', enum: ['read-only', 'offline', 'delete', 'unmount', 's3-refresh'] },
      message: opt({ type: 'string', description: 'Why the datastore is in maintenance.', maxLength: 64, pattern: '/^[[:^cntrl:]]*$/' }),
    },
  },
};

const perm = (path: string[], privs: string[], partial = false): Schema => ({ check: { partial, path, privs } });
const anyUser = (description: string): Schema => ({ description, user: 'all' });
const UPID_RETURN: Schema = { type: 'string', description: 'Task id (UPID).', minLength: 36, pattern: UPID_PATTERN };
const NULL: Schema = { type: 'null' };
const list = (description: string): Schema => ({ type: 'array', description, items: { type: 'object', description, properties: {} } });
const object = (description: string): Schema => ({ type: 'object', description, properties: {} });

// ---------------------------------------------------------------------------------------------
// Reading parameters (already checked against the schema by the server)
// ---------------------------------------------------------------------------------------------

const one = (p: Params, k: string): string | undefined => (Array.isArray(p[k]) ? (p[k] as string[])[0] : (p[k] as string | undefined));
const str = (p: Params, k: string): string => one(p, k) ?? '';
const int = (p: Params, k: string): number | undefined => (one(p, k) === undefined ? undefined : Number(one(p, k)));
const bool = (p: Params, k: string): boolean => one(p, k) === '1';

function requireModify(ctx: Ctx): void {
  if (!ctx.who.canModify) throw new PbsError(403, 'permission check failed');
}

function snapshotRow(s: BackupSnapshot): Record<string, unknown> {
  return {
    'backup-type': s.type,
    'backup-id': s.id,
    'backup-time': s.time,
    files: s.files.map((f) => ({ filename: f.filename, size: f.size, 'crypt-mode': f['crypt-mode'] })),
    size: snapshotSize(s),
    owner: s.owner,
    protected: s.protected,
    ...(s.comment ? { comment: s.comment } : {}),
    ...(s.verification ? { verification: s.verification } : {}),
  };
}

function findSnapshot(ctx: Ctx, ds: Datastore, ns: string): BackupSnapshot {
  const type = str(ctx.params, 'backup-type');
  const id = str(ctx.params, 'backup-id');
  const time = int(ctx.params, 'backup-time');
  const found = ctx.state.snapshotsOf(ds, ns).find((s) => s.type === type && s.id === id && s.time === time);
  if (!found) throw new PbsError(400, `backup dir '${type}/${id}/${backupTimeString(time ?? 0)}' does not exist.`);
  return found;
}

function keepOf(p: Params): Partial<Record<KeepOption, number>> {
  const out: Partial<Record<KeepOption, number>> = {};
  for (const k of KEEP_OPTIONS) if (int(p, k) !== undefined) out[k] = int(p, k);
  return out;
}

/** Removes what prune does not keep; returns PBS's list of decisions. */
function prune(ctx: Ctx, ds: Datastore, ns: string, list: BackupSnapshot[], keep: Partial<Record<KeepOption, number>>, dryRun: boolean) {
  const marks = pruneMarks(list, keep);
  const rows = [...marks.entries()].map(([s, m]) => ({
    'backup-type': s.type,
    'backup-id': s.id,
    'backup-time': s.time,
    keep: m !== 'remove',
    protected: m === 'protected',
  }));
  if (!dryRun) {
    const all = ctx.state.snapshotsOf(ds, ns);
    for (const [s, m] of marks) if (m === 'remove') all.splice(all.indexOf(s), 1);
  }
  return rows;
}

function jobRow(job: Job): Record<string, unknown> {
  return {
    id: job.id,
    store: job.store,
    ...(job.ns ? { ns: job.ns } : {}),
    ...(job.schedule ? { schedule: job.schedule } : {}),
    ...(job.comment ? { comment: job.comment } : {}),
    ...job.options,
  };
}

function jobStatusRow(job: Job): Record<string, unknown> {
  return {
    ...jobRow(job),
    ...(job.lastRun
      ? { 'last-run-upid': job.lastRun.upid, 'last-run-state': job.lastRun.state, 'last-run-endtime': job.lastRun.endtime }
      : {}),
    'next-run': Math.floor(Date.now() / 1000) + 3600,
  };
}

/** Starts a verify over the given snapshots; each one's verification state is set when the task ends. */
function startVerify(ctx: Ctx, store: string, workerId: string, targets: BackupSnapshot[], type = 'verify'): string {
  const upid = ctx.tasks.start({
    type,
    id: workerId,
    authid: ctx.who.authid,
    log: [`verify datastore ${store}`, `found ${targets.length} snapshots`],
    effect: () => {
      const log = ctx.tasks.get(upid).log;
      let failed = 0;
      for (const s of targets) {
        // A snapshot that failed before stays failed: its chunks are still bad.
        const state = s.verification?.state === 'failed' ? 'failed' : 'ok';
        if (state === 'failed') failed++;
        s.verification = { state, upid };
        log.push(`verify ${store}:${s.type}/${s.id}/${backupTimeString(s.time)} - ${state}`);
      }
      if (failed) throw new Error(`verification failed - please check the log for details (${failed} snapshot${failed > 1 ? 's' : ''})`);
    },
  });
  return upid;
}

function runJob(ctx: Ctx, kind: JobKind, id: string): string {
  requireModify(ctx);
  const job = ctx.state.job(kind, id);
  const ds = ctx.state.datastore(job.store);
  let upid: string;
  if (kind === 'verify') {
    const nss = ctx.state.namespacesUnder(ds, job.ns ?? '');
    upid = startVerify(
      ctx,
      job.store,
      `${job.store}:${id}`,
      nss.flatMap((ns) => ctx.state.snapshotsOf(ds, ns)),
      'verificationjob',
    );
  } else if (kind === 'prune') {
    const keep = job.options as Partial<Record<KeepOption, number>>;
    upid = ctx.tasks.start({
      type: 'prunejob',
      id: `${job.store}:${id}`,
      authid: ctx.who.authid,
      effect: () => {
        const lines: string[] = [];
        for (const ns of ctx.state.namespacesUnder(ds, job.ns ?? '', Number(job.options['max-depth'] ?? 7))) {
          const groups = groupsOf(ctx.state.snapshotsOf(ds, ns));
          for (const g of groups.values())
            for (const row of prune(ctx, ds, ns, g, keep, false))
              if (!row.keep)
                lines.push(
                  `removed ${ns ? `ns/${ns}/` : ''}${row['backup-type']}/${row['backup-id']}/${backupTimeString(row['backup-time'])}`,
                );
        }
        return lines;
      },
    });
  } else {
    upid = ctx.tasks.start({
      type: 'syncjob',
      id: `${String(job.options.remote ?? 'local')}:${String(job.options['remote-store'])}:${job.store}::${id}`,
      authid: ctx.who.authid,
      log: [`sync datastore '${job.store}' from '${String(job.options.remote)}/${String(job.options['remote-store'])}'`],
      effect: () => pullFrom(ctx, ds, String(job.options['remote-store'] ?? ''), Boolean(job.options['remove-vanished'])),
    });
  }
  job.lastRun = { upid, state: 'running' };
  return upid;
}

/** Pulling copies the newest snapshot of each group of the named local datastore (standing in for the remote's). */
function pullFrom(ctx: Ctx, target: Datastore, remoteStore: string, removeVanished: boolean): string[] {
  const source = ctx.state.datastores.get(remoteStore);
  if (!source) throw new Error(`remote datastore '${remoteStore}' does not exist`);
  const lines: string[] = [];
  const have = ctx.state.snapshotsOf(target, '');
  const wanted = [...groupsOf(ctx.state.snapshotsOf(source, '')).values()].map((g) => g.sort((a, b) => b.time - a.time)[0]);
  for (const s of wanted) {
    if (have.some((h) => h.type === s.type && h.id === s.id && h.time === s.time)) continue;
    have.push({ ...s, files: s.files.map((f) => ({ ...f })), verification: undefined, protected: false });
    lines.push(`sync snapshot ${s.type}/${s.id}/${backupTimeString(s.time)} done`);
  }
  if (removeVanished) {
    for (const h of [...have]) {
      if (!ctx.state.snapshotsOf(source, '').some((s) => s.type === h.type && s.id === h.id)) {
        have.splice(have.indexOf(h), 1);
        lines.push(`delete vanished group ${h.type}/${h.id}`);
      }
    }
  }
  return lines.length ? lines : ['nothing new to sync'];
}

function groupsOf(list: BackupSnapshot[]): Map<string, BackupSnapshot[]> {
  const groups = new Map<string, BackupSnapshot[]>();
  for (const s of list) {
    const key = `${s.type}/${s.id}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return groups;
}

function jobConfig(kind: JobKind): Record<string, Schema> {
  const common = { id: JOB_ID, store: STORE, schedule: opt(SCHEDULE), comment: opt(COMMENT), ns: opt(NS) };
  if (kind === 'sync') {
    return {
      ...common,
      remote: opt({ type: 'string', description: 'Remote id (none for a local sync).', minLength: 3, maxLength: 32, pattern: SAFE_ID }),
      'remote-store': STORE,
      'remove-vanished': opt(BOOL('Delete local backups that vanished on the remote.')),
      'max-depth': opt(MAX_DEPTH),
    };
  }
  if (kind === 'verify') {
    return {
      ...common,
      'ignore-verified': opt(BOOL('Skip snapshots verified recently.')),
      'outdated-after': opt({ type: 'integer', description: 'Days after which a verification is outdated.', minimum: 1 }),
      'max-depth': opt(MAX_DEPTH),
    };
  }
  return { ...common, schedule: SCHEDULE, ...KEEP, 'max-depth': opt(MAX_DEPTH) };
}

function jobOps(kind: JobKind, label: string): PbsOperation[] {
  const base = `/config/${kind}`;
  const configPath = kind === 'sync' ? ['datastore', '{store}'] : ['datastore', '{store}'];
  return [
    {
      method: 'GET',
      path: base,
      description: `List ${label} jobs.`,
      params:
        kind === 'sync'
          ? { 'sync-direction': opt({ type: 'string', description: 'Which sync jobs.', enum: ['all', 'push', 'pull'] }) }
          : {},
      returns: list(`${label} jobs`),
      permissions: anyUser('Lists the jobs the user may see.'),
      handler: (ctx) => [...ctx.state.jobs.values()].filter((j) => j.kind === kind).map(jobRow),
    },
    {
      method: 'POST',
      path: base,
      description: `Create a ${label} job.`,
      params: jobConfig(kind),
      returns: NULL,
      permissions: perm(configPath, ['Datastore.Modify'], true),
      handler: (ctx) => {
        requireModify(ctx);
        const id = str(ctx.params, 'id');
        if (ctx.state.jobs.has(`${kind}/${id}`)) throw new PbsError(400, `job '${id}' already exists.`);
        ctx.state.datastore(str(ctx.params, 'store'));
        const options: Job['options'] = {};
        for (const [k, v] of Object.entries(ctx.params)) {
          if (['id', 'store', 'schedule', 'comment', 'ns'].includes(k)) continue;
          const spec = jobConfig(kind)[k];
          options[k] = spec?.type === 'integer' ? Number(v) : spec?.type === 'boolean' ? v === '1' : String(v);
        }
        if (kind === 'sync' && options.remote !== undefined && !ctx.state.remotes.has(String(options.remote)))
          throw new PbsError(400, `remote '${String(options.remote)}' does not exist.`);
        ctx.state.addJob({
          kind,
          id,
          store: str(ctx.params, 'store'),
          schedule: one(ctx.params, 'schedule'),
          comment: one(ctx.params, 'comment'),
          ns: one(ctx.params, 'ns'),
          options,
        });
        return null;
      },
    },
    {
      method: 'DELETE',
      path: `${base}/{id}`,
      description: `Remove a ${label} job.`,
      params: { id: JOB_ID, digest: opt(DIGEST) },
      returns: NULL,
      permissions: perm(configPath, ['Datastore.Modify'], true),
      handler: (ctx) => {
        requireModify(ctx);
        ctx.state.job(kind, str(ctx.params, 'id'));
        ctx.state.jobs.delete(`${kind}/${str(ctx.params, 'id')}`);
        return null;
      },
    },
    {
      method: 'POST',
      path: `/admin/${kind}/{id}/run`,
      description: `Run the ${label} job now (a task).`,
      params: { id: JOB_ID },
      returns: UPID_RETURN,
      permissions: perm(configPath, ['Datastore.Verify'], true),
      handler: (ctx) => runJob(ctx, kind, str(ctx.params, 'id')),
    },
  ];
}

export function pbsOperations(): PbsOperation[] {
  return [
    {
      method: 'GET',
      path: '/version',
      description: 'Backup Server version.',
      params: {},
      returns: object('version, release, repoid'),
      permissions: anyUser('Any authenticated user.'),
      handler: () => ({ version: '4.2', release: '1', repoid: 'a1b2c3d4' }),
    },
    {
      method: 'GET',
      path: '/ping',
      description: 'Check that the server answers.',
      params: {},
      returns: object('pong'),
      permissions: { user: 'world' },
      handler: () => ({ pong: true }),
    },
    {
      method: 'GET',
      path: '/nodes',
      description: 'The node (always one).',
      params: {},
      returns: list('nodes'),
      permissions: anyUser('Any authenticated user.'),
      handler: () => [{ node: 'localhost' }],
    },
    {
      method: 'GET',
      path: '/nodes/{node}/status',
      description: 'Node status: CPU, memory, uptime, versions.',
      params: { node: NODE },
      returns: object('node status'),
      permissions: perm(['system', 'status'], ['Sys.Audit']),
      handler: (ctx) => ({
        cpu: 0.07,
        wait: 0.01,
        memory: { total: 32 * 1024 ** 3, used: 9 * 1024 ** 3, free: 23 * 1024 ** 3 },
        uptime: Math.floor(Date.now() / 1000) - ctx.state.bootedAt,
        loadavg: [0.31, 0.27, 0.22],
        kversion: 'Linux 6.17.2-1-pve',
        info: { fingerprint: 'AB:'.repeat(31) + 'AB' },
        'current-kernel': { sysname: 'Linux', release: '6.17.2-1-pve', machine: 'x86_64' },
      }),
    },
    {
      method: 'GET',
      path: '/nodes/{node}/tasks',
      description: 'List tasks, newest first.',
      params: {
        node: NODE,
        running: opt(BOOL('Only running tasks.')),
        errors: opt(BOOL('Only failed tasks.')),
        start: opt({ type: 'integer', description: 'Skip this many.', minimum: 0, default: 0 }),
        limit: opt({ type: 'integer', description: 'At most this many.', minimum: 0, default: 50 }),
        typefilter: opt({ type: 'string', description: 'Only tasks whose type contains this.' }),
        store: opt(STORE),
      },
      returns: list('tasks'),
      permissions: anyUser('Own tasks, or all with Sys.Audit on /system/tasks.'),
      handler: (ctx) => {
        let rows = [...ctx.tasks.tasks].reverse();
        if (bool(ctx.params, 'running')) rows = rows.filter((t) => t.status === 'running');
        if (bool(ctx.params, 'errors')) rows = rows.filter((t) => t.status === 'stopped' && t.exitstatus !== 'OK');
        const tf = one(ctx.params, 'typefilter');
        if (tf) rows = rows.filter((t) => t.type.includes(tf));
        const store = one(ctx.params, 'store');
        if (store) rows = rows.filter((t) => t.id.split(':')[0] === store);
        const start = int(ctx.params, 'start') ?? 0;
        const limit = int(ctx.params, 'limit') ?? 50;
        return rows.slice(start, start + (limit || rows.length)).map((t) => ({
          upid: t.upid,
          node: t.node,
          pid: t.pid,
          pstart: t.pstart,
          starttime: t.starttime,
          worker_type: t.type,
          worker_id: t.id,
          user: t.user,
          ...(t.endtime ? { endtime: t.endtime, status: t.exitstatus } : {}),
        }));
      },
    },
    {
      method: 'GET',
      path: '/nodes/{node}/tasks/{upid}/status',
      description: 'Task status.',
      params: { node: NODE, upid: UPID },
      returns: object('task status'),
      permissions: anyUser('Own tasks, or all with Sys.Audit on /system/tasks.'),
      handler: (ctx) => {
        const t = ctx.tasks.get(str(ctx.params, 'upid'));
        return {
          upid: t.upid,
          node: t.node,
          pid: t.pid,
          pstart: t.pstart,
          starttime: t.starttime,
          type: t.type,
          id: t.id,
          user: t.user,
          ...(t.tokenid ? { tokenid: t.tokenid } : {}),
          status: t.status,
          ...(t.status === 'stopped' ? { exitstatus: t.exitstatus, endtime: t.endtime } : {}),
        };
      },
    },
    {
      method: 'GET',
      path: '/nodes/{node}/tasks/{upid}/log',
      description: 'Task log lines (start/limit), or the whole log as a file with download.',
      params: {
        node: NODE,
        upid: UPID,
        start: opt({ type: 'integer', description: 'First line.', minimum: 0, default: 0 }),
        limit: opt({ type: 'integer', description: 'Lines.', minimum: 0, default: 50 }),
        download: opt(BOOL('Answer with the log as a file.')),
      },
      returns: NULL,
      permissions: anyUser('Own tasks, or all with Sys.Audit on /system/tasks.'),
      streaming: 'DOWNLOAD',
      handler: (ctx) => {
        const t = ctx.tasks.get(str(ctx.params, 'upid'));
        if (bool(ctx.params, 'download')) return { file: t.log.join('\n') + '\n' };
        const start = int(ctx.params, 'start') ?? 0;
        const limit = int(ctx.params, 'limit') ?? 50;
        return {
          envelope: { total: t.log.length, active: t.status === 'running' },
          data: t.log.slice(start, start + limit).map((line, i) => ({ n: start + i + 1, t: line })),
        };
      },
    },
    {
      method: 'DELETE',
      path: '/nodes/{node}/tasks/{upid}',
      description: 'Abort a running task.',
      params: { node: NODE, upid: UPID },
      returns: NULL,
      permissions: anyUser('Own tasks, or all with Sys.Modify on /system/tasks.'),
      handler: (ctx) => {
        requireModify(ctx);
        ctx.tasks.stop(str(ctx.params, 'upid'));
        return null;
      },
    },
    {
      method: 'GET',
      path: '/status/datastore-usage',
      description: 'Usage of every datastore.',
      params: {},
      returns: list('usage per datastore'),
      permissions: anyUser('Datastores the user may audit.'),
      handler: (ctx) =>
        [...ctx.state.datastores.values()].map((ds) => ({
          store: ds.name,
          total: ds.total,
          used: ctx.state.usedBytes(ds),
          avail: ds.total - ctx.state.usedBytes(ds),
          'gc-status': ds.gc,
        })),
    },
    {
      method: 'GET',
      path: '/admin/datastore',
      description: 'List the datastores the user may access.',
      params: {},
      returns: list('datastores'),
      permissions: anyUser('Datastores with any privilege.'),
      handler: (ctx) =>
        [...ctx.state.datastores.values()].map((ds) => ({
          store: ds.name,
          ...(ds.comment ? { comment: ds.comment } : {}),
          'mount-status': 'nonremovable',
        })),
    },
    {
      method: 'GET',
      path: '/admin/datastore/{store}/status',
      description: 'Datastore usage and garbage collection status.',
      params: { store: STORE, verbose: opt(BOOL('Add GC status and per-type counts.')) },
      returns: object('status'),
      permissions: perm(['datastore', '{store}'], ['Datastore.Audit', 'Datastore.Backup'], true),
      handler: (ctx) => {
        const ds = ctx.state.datastore(str(ctx.params, 'store'));
        const used = ctx.state.usedBytes(ds);
        const out: Record<string, unknown> = { total: ds.total, used, avail: ds.total - used };
        if (bool(ctx.params, 'verbose')) {
          const counts: Record<string, { groups: number; snapshots: number }> = {};
          for (const list of ds.snapshots.values()) {
            for (const [key, g] of groupsOf(list)) {
              const c = (counts[key.split('/')[0]] ??= { groups: 0, snapshots: 0 });
              c.groups++;
              c.snapshots += g.length;
            }
          }
          out['gc-status'] = ds.gc;
          out.counts = counts;
        }
        return out;
      },
    },
    {
      method: 'GET',
      path: '/admin/datastore/{store}/namespace',
      description: 'List namespaces.',
      params: { store: STORE, parent: opt(NS), 'max-depth': opt(MAX_DEPTH) },
      returns: list('namespaces'),
      permissions: anyUser('Namespaces the user may see.'),
      handler: (ctx) => {
        const ds = ctx.state.datastore(str(ctx.params, 'store'));
        const parent = ctx.state.namespace(ds, one(ctx.params, 'parent'));
        return ctx.state.namespacesUnder(ds, parent, int(ctx.params, 'max-depth')).map((ns) => ({ ns }));
      },
    },
    {
      method: 'POST',
      path: '/admin/datastore/{store}/namespace',
      description: 'Create a namespace.',
      params: {
        store: STORE,
        name: { type: 'string', description: 'Name of the new namespace (one level).', pattern: SAFE_ID, maxLength: 31 },
        parent: opt(NS),
      },
      returns: { type: 'string', description: 'The new namespace.' },
      permissions: anyUser('Datastore.Modify on the parent namespace.'),
      handler: (ctx) => {
        requireModify(ctx);
        const ds = ctx.state.datastore(str(ctx.params, 'store'));
        const parent = ctx.state.namespace(ds, one(ctx.params, 'parent'));
        const ns = parent ? `${parent}/${str(ctx.params, 'name')}` : str(ctx.params, 'name');
        if (ns.split('/').length > 7) throw new PbsError(400, 'namespace too deep (at most 7 levels)');
        if (ds.namespaces.has(ns)) throw new PbsError(400, `namespace '${ns}' already exists`);
        ds.namespaces.add(ns);
        return ns;
      },
    },
    {
      method: 'DELETE',
      path: '/admin/datastore/{store}/namespace',
      description: 'Delete a namespace; with delete-groups, the backups in it too.',
      params: {
        store: STORE,
        ns: NS,
        'delete-groups': opt({ ...BOOL('Delete the backup groups in it too.'), default: false }),
        'error-on-protected': opt({ ...BOOL('Fail when a protected snapshot stays.'), default: true }),
      },
      returns: NULL,
      permissions: anyUser('Datastore.Modify on the parent namespace.'),
      handler: (ctx) => {
        requireModify(ctx);
        const ds = ctx.state.datastore(str(ctx.params, 'store'));
        const ns = ctx.state.namespace(ds, str(ctx.params, 'ns'));
        if (ns === '') throw new PbsError(400, 'cannot delete the root namespace');
        const under = ctx.state.namespacesUnder(ds, ns);
        const snaps = under.flatMap((n) => ctx.state.snapshotsOf(ds, n));
        if (snaps.length && !bool(ctx.params, 'delete-groups'))
          throw new PbsError(400, `namespace '${ns}' is not empty (use delete-groups to remove the backups in it)`);
        const protectedOnes = snaps.filter((s) => s.protected);
        for (const n of under) {
          const kept = ctx.state.snapshotsOf(ds, n).filter((s) => s.protected);
          if (kept.length) ds.snapshots.set(n, kept);
          else {
            ds.snapshots.delete(n);
            ds.namespaces.delete(n);
          }
        }
        if (protectedOnes.length && one(ctx.params, 'error-on-protected') !== '0')
          throw new PbsError(400, `failed to remove namespace '${ns}': ${protectedOnes.length} protected snapshot(s) kept`);
        return null;
      },
    },
    {
      method: 'GET',
      path: '/admin/datastore/{store}/groups',
      description: 'List backup groups (type/id) with their newest snapshot.',
      params: { store: STORE, ns: opt(NS) },
      returns: list('backup groups'),
      permissions: perm(['datastore', '{store}'], ['Datastore.Audit', 'Datastore.Backup'], true),
      handler: (ctx) => {
        const ds = ctx.state.datastore(str(ctx.params, 'store'));
        const ns = ctx.state.namespace(ds, one(ctx.params, 'ns'));
        return [...groupsOf(ctx.state.snapshotsOf(ds, ns)).values()].map((g) => {
          const last = g.reduce((a, b) => (b.time > a.time ? b : a));
          return {
            'backup-type': last.type,
            'backup-id': last.id,
            'last-backup': last.time,
            'backup-count': g.length,
            files: last.files.map((f) => f.filename),
            owner: last.owner,
          };
        });
      },
    },
    {
      method: 'DELETE',
      path: '/admin/datastore/{store}/groups',
      description: 'Delete a backup group with all its snapshots (protected ones stay).',
      params: {
        store: STORE,
        ns: opt(NS),
        'backup-type': BTYPE,
        'backup-id': BID,
        'error-on-protected': opt({ ...BOOL('Fail when a protected snapshot stays.'), default: true }),
      },
      returns: object('removed and protected snapshot counts'),
      permissions: anyUser('Datastore.Modify, or Datastore.Prune as the group owner.'),
      handler: (ctx) => {
        requireModify(ctx);
        const ds = ctx.state.datastore(str(ctx.params, 'store'));
        const ns = ctx.state.namespace(ds, one(ctx.params, 'ns'));
        const all = ctx.state.snapshotsOf(ds, ns);
        const group = all.filter((s) => s.type === str(ctx.params, 'backup-type') && s.id === str(ctx.params, 'backup-id'));
        if (!group.length)
          throw new PbsError(400, `group '${str(ctx.params, 'backup-type')}/${str(ctx.params, 'backup-id')}' does not exist.`);
        const prot = group.filter((s) => s.protected);
        ds.snapshots.set(
          ns,
          all.filter((s) => !group.includes(s) || s.protected),
        );
        if (prot.length && one(ctx.params, 'error-on-protected') !== '0')
          throw new PbsError(400, `could not remove ${prot.length} protected snapshot(s) of the group`);
        return {
          'removed-snapshots': group.length - prot.length,
          'protected-snapshots': prot.length,
          'removed-groups': prot.length ? 0 : 1,
        };
      },
    },
    {
      method: 'GET',
      path: '/admin/datastore/{store}/snapshots',
      description: 'List backup snapshots.',
      params: { store: STORE, ns: opt(NS), 'backup-type': opt(BTYPE), 'backup-id': opt(BID) },
      returns: list('snapshots'),
      permissions: perm(['datastore', '{store}'], ['Datastore.Audit', 'Datastore.Backup'], true),
      handler: (ctx) => {
        const ds = ctx.state.datastore(str(ctx.params, 'store'));
        const ns = ctx.state.namespace(ds, one(ctx.params, 'ns'));
        const type = one(ctx.params, 'backup-type');
        const id = one(ctx.params, 'backup-id');
        return ctx.state
          .snapshotsOf(ds, ns)
          .filter((s) => (!type || s.type === type) && (!id || s.id === id))
          .map(snapshotRow);
      },
    },
    {
      method: 'DELETE',
      path: '/admin/datastore/{store}/snapshots',
      description: 'Forget (delete) a backup snapshot.',
      params: { store: STORE, ns: opt(NS), 'backup-type': BTYPE, 'backup-id': BID, 'backup-time': BTIME },
      returns: NULL,
      permissions: anyUser('Datastore.Modify, or Datastore.Prune as the group owner.'),
      handler: (ctx) => {
        requireModify(ctx);
        const ds = ctx.state.datastore(str(ctx.params, 'store'));
        const ns = ctx.state.namespace(ds, one(ctx.params, 'ns'));
        const snap = findSnapshot(ctx, ds, ns);
        if (snap.protected)
          throw new PbsError(400, `cannot remove protected snapshot ${snap.type}/${snap.id}/${backupTimeString(snap.time)}`);
        const all = ctx.state.snapshotsOf(ds, ns);
        all.splice(all.indexOf(snap), 1);
        return null;
      },
    },
    {
      method: 'PUT',
      path: '/admin/datastore/{store}/protected',
      description: 'Protect a snapshot from prune and forget, or lift that.',
      params: { store: STORE, ns: opt(NS), 'backup-type': BTYPE, 'backup-id': BID, 'backup-time': BTIME, protected: BOOL('Protected.') },
      returns: NULL,
      permissions: anyUser('Datastore.Modify, or Datastore.Backup as the group owner.'),
      handler: (ctx) => {
        requireModify(ctx);
        const ds = ctx.state.datastore(str(ctx.params, 'store'));
        findSnapshot(ctx, ds, ctx.state.namespace(ds, one(ctx.params, 'ns'))).protected = bool(ctx.params, 'protected');
        return null;
      },
    },
    {
      method: 'POST',
      path: '/admin/datastore/{store}/prune',
      description: 'Prune one backup group by keep options; dry-run only reports.',
      params: {
        store: STORE,
        ns: opt(NS),
        'backup-type': BTYPE,
        'backup-id': BID,
        'dry-run': opt({ ...BOOL('Only report what would be removed.'), default: false }),
        ...KEEP,
      },
      returns: list('what prune keeps and removes'),
      permissions: anyUser('Datastore.Modify, or Datastore.Prune as the group owner.'),
      handler: (ctx) => {
        const dryRun = bool(ctx.params, 'dry-run');
        if (!dryRun) requireModify(ctx);
        const ds = ctx.state.datastore(str(ctx.params, 'store'));
        const ns = ctx.state.namespace(ds, one(ctx.params, 'ns'));
        const group = ctx.state
          .snapshotsOf(ds, ns)
          .filter((s) => s.type === str(ctx.params, 'backup-type') && s.id === str(ctx.params, 'backup-id'));
        if (!group.length)
          throw new PbsError(400, `group '${str(ctx.params, 'backup-type')}/${str(ctx.params, 'backup-id')}' does not exist.`);
        return prune(ctx, ds, ns, group, keepOf(ctx.params), dryRun);
      },
    },
    {
      method: 'POST',
      path: '/admin/datastore/{store}/prune-datastore',
      description: 'Prune every group of the datastore (or a namespace) as a task.',
      params: {
        store: STORE,
        ns: opt(NS),
        'max-depth': opt(MAX_DEPTH),
        'dry-run': opt({ ...BOOL('Only report what would be removed.'), default: false }),
        ...KEEP,
      },
      returns: UPID_RETURN,
      permissions: perm(['datastore', '{store}'], ['Datastore.Modify', 'Datastore.Prune'], true),
      handler: (ctx) => {
        requireModify(ctx);
        const ds = ctx.state.datastore(str(ctx.params, 'store'));
        const top = ctx.state.namespace(ds, one(ctx.params, 'ns'));
        const keep = keepOf(ctx.params);
        const dryRun = bool(ctx.params, 'dry-run');
        return ctx.tasks.start({
          type: 'prune',
          id: ds.name,
          authid: ctx.who.authid,
          log: [`prune datastore '${ds.name}'${dryRun ? ' (dry-run)' : ''}`],
          effect: () => {
            const lines: string[] = [];
            for (const ns of ctx.state.namespacesUnder(ds, top, int(ctx.params, 'max-depth'))) {
              for (const g of groupsOf(ctx.state.snapshotsOf(ds, ns)).values()) {
                for (const row of prune(ctx, ds, ns, g, keep, dryRun)) {
                  lines.push(
                    `${row.keep ? 'keep' : dryRun ? 'would remove' : 'remove'} ${ns ? `ns/${ns}/` : ''}${row['backup-type']}/${row['backup-id']}/${backupTimeString(row['backup-time'])}`,
                  );
                }
              }
            }
            return lines;
          },
        });
      },
    },
    {
      method: 'POST',
      path: '/admin/datastore/{store}/verify',
      description: 'Verify snapshots (all, a group, or one) as a task.',
      params: {
        store: STORE,
        ns: opt(NS),
        'backup-type': opt(BTYPE),
        'backup-id': opt(BID),
        'backup-time': opt(BTIME),
        'ignore-verified': opt(BOOL('Skip snapshots verified recently.')),
        'max-depth': opt(MAX_DEPTH),
      },
      returns: UPID_RETURN,
      permissions: perm(['datastore', '{store}'], ['Datastore.Verify', 'Datastore.Backup'], true),
      handler: (ctx) => {
        requireModify(ctx);
        const ds = ctx.state.datastore(str(ctx.params, 'store'));
        const top = ctx.state.namespace(ds, one(ctx.params, 'ns'));
        const type = one(ctx.params, 'backup-type');
        const id = one(ctx.params, 'backup-id');
        const time = int(ctx.params, 'backup-time');
        if (time !== undefined && (!type || !id)) throw new PbsError(400, 'backup-time needs backup-type and backup-id');
        const nss = type ? [top] : ctx.state.namespacesUnder(ds, top, int(ctx.params, 'max-depth'));
        let targets = nss
          .flatMap((ns) => ctx.state.snapshotsOf(ds, ns))
          .filter((s) => (!type || s.type === type) && (!id || s.id === id) && (time === undefined || s.time === time));
        if (type && !targets.length) throw new PbsError(400, `no such backup ${type}/${id ?? '*'}`);
        if (bool(ctx.params, 'ignore-verified')) targets = targets.filter((s) => !s.verification);
        const workerId = type ? `${ds.name}:${type}/${id ?? ''}${time !== undefined ? `/${backupTimeString(time)}` : ''}` : ds.name;
        return startVerify(ctx, ds.name, workerId, targets);
      },
    },
    {
      method: 'GET',
      path: '/admin/datastore/{store}/gc',
      description: 'Status of the last garbage collection.',
      params: { store: STORE },
      returns: object('garbage collection status'),
      permissions: perm(['datastore', '{store}'], ['Datastore.Audit']),
      handler: (ctx) => ctx.state.datastore(str(ctx.params, 'store')).gc,
    },
    {
      method: 'POST',
      path: '/admin/datastore/{store}/gc',
      description: 'Start garbage collection (a task).',
      params: { store: STORE },
      returns: UPID_RETURN,
      permissions: perm(['datastore', '{store}'], ['Datastore.Modify']),
      handler: (ctx) => {
        requireModify(ctx);
        const ds = ctx.state.datastore(str(ctx.params, 'store'));
        if (ctx.tasks.tasks.some((t) => t.type === 'garbage_collection' && t.id === ds.name && t.status === 'running')) {
          throw new PbsError(400, `unable to start garbage collection job on datastore ${ds.name} - already running`);
        }
        const upid = ctx.tasks.start({
          type: 'garbage_collection',
          id: ds.name,
          authid: ctx.who.authid,
          log: ['Start GC phase1 (mark used chunks)', 'Start GC phase2 (sweep unused chunks)'],
          effect: () => {
            const indexes = [...ds.snapshots.values()].reduce(
              (n, l) => n + l.reduce((m, s) => m + s.files.filter((f) => /\.(f|d)idx$/.test(f.filename)).length, 0),
              0,
            );
            const used = ctx.state.usedBytes(ds);
            const removed = Math.round(used * 0.03);
            ds.gc = {
              upid,
              'index-file-count': indexes,
              'disk-chunks': Math.round(used / (4 * 1024 ** 2)),
              'disk-bytes': used,
              'removed-chunks': Math.round(removed / (4 * 1024 ** 2)),
              'removed-bytes': removed,
              'pending-chunks': 0,
              'pending-bytes': 0,
            };
            return [
              `Removed garbage: ${(removed / 1024 ** 3).toFixed(2)} GiB`,
              `Original data usage: ${(used / 0.18 / 1024 ** 3).toFixed(2)} GiB`,
            ];
          },
        });
        return upid;
      },
    },
    {
      method: 'GET',
      path: '/config/datastore',
      description: 'List datastore configurations.',
      params: {},
      returns: list('datastore configurations'),
      permissions: anyUser('Datastores the user may audit.'),
      handler: (ctx) => [...ctx.state.datastores.values()].map(datastoreConfig),
    },
    {
      method: 'POST',
      path: '/config/datastore',
      description: 'Create a datastore (a task that prepares its chunk store).',
      params: {
        name: STORE,
        path: { type: 'string', description: 'Absolute path of the datastore directory.', minLength: 1, maxLength: 4096 },
        comment: opt(COMMENT),
        'gc-schedule': opt(SCHEDULE),
        'prune-schedule': opt(SCHEDULE),
        'verify-new': opt(BOOL('Verify new backups right after they finish.')),
        'maintenance-mode': opt(MAINTENANCE),
        ...KEEP,
      },
      returns: NULL,
      permissions: perm(['datastore'], ['Datastore.Allocate']),
      handler: (ctx) => {
        requireModify(ctx);
        const name = str(ctx.params, 'name');
        if (ctx.state.datastores.has(name)) throw new PbsError(400, `datastore '${name}' already exists.`);
        const path = str(ctx.params, 'path');
        if (!path.startsWith('/')) throw new PbsError(400, `datastore path '${path}' is not absolute`);
        if ([...ctx.state.datastores.values()].some((d) => d.path === path))
          throw new PbsError(400, `path '${path}' is already used by another datastore`);
        return ctx.tasks.start({
          type: 'create-datastore',
          id: name,
          authid: ctx.who.authid,
          log: [`Chunkstore create: 1% (32 of 65536 chunk directories)`],
          effect: () => {
            const ds = ctx.state.addDatastore({ name, path, comment: one(ctx.params, 'comment') });
            ds['gc-schedule'] = one(ctx.params, 'gc-schedule');
            ds['prune-schedule'] = one(ctx.params, 'prune-schedule');
            ds.keep = keepOf(ctx.params);
            return [`Chunkstore create: 100% (65536 of 65536 chunk directories)`];
          },
        });
      },
    },
    {
      method: 'GET',
      path: '/config/datastore/{name}',
      description: 'One datastore configuration.',
      params: { name: STORE },
      returns: object('datastore configuration'),
      permissions: perm(['datastore', '{name}'], ['Datastore.Audit']),
      handler: (ctx) => datastoreConfig(ctx.state.datastore(str(ctx.params, 'name'))),
    },
    {
      method: 'DELETE',
      path: '/config/datastore/{name}',
      description: 'Remove a datastore configuration; with destroy-data, its backups too (a task).',
      params: {
        name: STORE,
        'destroy-data': opt({ ...BOOL('Delete the data on disk too.'), default: false }),
        'keep-job-configs': opt({ ...BOOL('Keep the jobs that use the datastore.'), default: false }),
        digest: opt(DIGEST),
      },
      returns: UPID_RETURN,
      permissions: perm(['datastore', '{name}'], ['Datastore.Allocate']),
      handler: (ctx) => {
        requireModify(ctx);
        const ds = ctx.state.datastore(str(ctx.params, 'name'));
        ctx.state.datastores.delete(ds.name);
        if (!bool(ctx.params, 'keep-job-configs'))
          for (const [key, job] of ctx.state.jobs) if (job.store === ds.name) ctx.state.jobs.delete(key);
        const destroy = bool(ctx.params, 'destroy-data');
        return ctx.tasks.start({
          type: 'delete-datastore',
          id: ds.name,
          authid: ctx.who.authid,
          effect: () => [destroy ? `destroyed the data under ${ds.path}` : `data under ${ds.path} left in place`],
        });
      },
    },
    {
      method: 'GET',
      path: '/config/remote',
      description: 'List remotes (other Backup Servers to sync with).',
      params: {},
      returns: list('remotes'),
      permissions: anyUser('Remotes the user may audit.'),
      handler: (ctx) => [...ctx.state.remotes.values()].map((r) => ({ ...r })),
    },
    {
      method: 'POST',
      path: '/config/remote',
      description: 'Add a remote.',
      params: {
        name: { type: 'string', description: 'Remote id.', minLength: 3, maxLength: 32, pattern: SAFE_ID },
        host: { type: 'string', description: 'Host name or address.' },
        port: opt({ type: 'integer', description: 'Port (default 8007).', minimum: 1, maximum: 65535 }),
        'auth-id': { type: 'string', description: 'User or API token to log in as.', minLength: 3, maxLength: 64 },
        password: { type: 'string', description: 'Password or token secret.', maxLength: 1024 },
        fingerprint: opt({
          type: 'string',
          description: "The remote's certificate fingerprint (SHA-256).",
          pattern: '/^(?:[0-9a-fA-F][0-9a-fA-F])(?::[0-9a-fA-F][0-9a-fA-F]){31}$/',
        }),
        comment: opt(COMMENT),
      },
      returns: NULL,
      permissions: perm(['remote'], ['Remote.Modify']),
      handler: (ctx) => {
        requireModify(ctx);
        const name = str(ctx.params, 'name');
        if (ctx.state.remotes.has(name)) throw new PbsError(400, `remote '${name}' already exists.`);
        ctx.state.remotes.set(name, {
          name,
          host: str(ctx.params, 'host'),
          ...(int(ctx.params, 'port') ? { port: int(ctx.params, 'port') } : {}),
          'auth-id': str(ctx.params, 'auth-id'),
          ...(one(ctx.params, 'fingerprint') ? { fingerprint: one(ctx.params, 'fingerprint') } : {}),
          ...(one(ctx.params, 'comment') ? { comment: one(ctx.params, 'comment') } : {}),
        });
        return null;
      },
    },
    {
      method: 'DELETE',
      path: '/config/remote/{name}',
      description: 'Remove a remote.',
      params: { name: { type: 'string', description: 'Remote id.', minLength: 3, maxLength: 32, pattern: SAFE_ID }, digest: opt(DIGEST) },
      returns: NULL,
      permissions: perm(['remote'], ['Remote.Modify']),
      handler: (ctx) => {
        requireModify(ctx);
        const name = str(ctx.params, 'name');
        if (!ctx.state.remotes.delete(name)) throw new PbsError(404, `remote '${name}' does not exist.`);
        return null;
      },
    },
    ...jobOps('sync', 'sync'),
    {
      method: 'GET',
      path: '/admin/sync',
      description: 'Sync jobs with their last and next run.',
      params: {
        store: opt(STORE),
        'sync-direction': opt({ type: 'string', description: 'Which sync jobs.', enum: ['all', 'push', 'pull'] }),
      },
      returns: list('sync job status'),
      permissions: anyUser('Jobs the user may see.'),
      handler: (ctx) =>
        [...ctx.state.jobs.values()]
          .filter((j) => j.kind === 'sync' && (!one(ctx.params, 'store') || j.store === one(ctx.params, 'store')))
          .map(jobStatusRow),
    },
    ...jobOps('verify', 'verification'),
    ...jobOps('prune', 'prune'),
    {
      method: 'POST',
      path: '/pull',
      description: 'Pull backups from a remote datastore into a local one now (a task).',
      params: {
        store: STORE,
        remote: opt({ type: 'string', description: 'Remote id (none for a local pull).', minLength: 3, maxLength: 32, pattern: SAFE_ID }),
        'remote-store': STORE,
        ns: opt(NS),
        'remove-vanished': opt(BOOL('Delete local backups that vanished on the remote.')),
        'max-depth': opt(MAX_DEPTH),
      },
      returns: NULL,
      permissions: anyUser('Datastore.Backup on the target, Remote.Read on the remote.'),
      handler: (ctx) => {
        requireModify(ctx);
        const ds = ctx.state.datastore(str(ctx.params, 'store'));
        const remote = one(ctx.params, 'remote');
        if (remote && !ctx.state.remotes.has(remote)) throw new PbsError(400, `remote '${remote}' does not exist.`);
        const source = str(ctx.params, 'remote-store');
        return ctx.tasks.start({
          type: 'sync',
          id: `${remote ?? 'local'}:${source}:${ds.name}:`,
          authid: ctx.who.authid,
          log: [`sync datastore '${ds.name}' from '${remote ?? 'local'}/${source}'`],
          effect: () => pullFrom(ctx, ds, source, bool(ctx.params, 'remove-vanished')),
        });
      },
    },
  ];
}

function datastoreConfig(ds: Datastore): Record<string, unknown> {
  return {
    name: ds.name,
    path: ds.path,
    ...(ds.comment ? { comment: ds.comment } : {}),
    ...(ds['gc-schedule'] ? { 'gc-schedule': ds['gc-schedule'] } : {}),
    ...(ds['prune-schedule'] ? { 'prune-schedule': ds['prune-schedule'] } : {}),
    ...ds.keep,
  };
}

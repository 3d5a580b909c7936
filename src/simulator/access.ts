import { PveError, permError } from './errors.js';

/** Every privilege of PVE 9.x, in PVE's spelling. */
export const ALL_PRIVILEGES = [
  'Datastore.Allocate',
  'Datastore.AllocateSpace',
  'Datastore.AllocateTemplate',
  'Datastore.Audit',
  'Group.Allocate',
  'Mapping.Audit',
  'Mapping.Modify',
  'Mapping.Use',
  'Permissions.Modify',
  'Pool.Allocate',
  'Pool.Audit',
  'Realm.Allocate',
  'Realm.AllocateUser',
  'SDN.Allocate',
  'SDN.Audit',
  'SDN.Use',
  'Sys.AccessNetwork',
  'Sys.Audit',
  'Sys.Console',
  'Sys.Incoming',
  'Sys.Modify',
  'Sys.PowerMgmt',
  'Sys.Syslog',
  'User.Modify',
  'VM.Allocate',
  'VM.Audit',
  'VM.Backup',
  'VM.Clone',
  'VM.Config.CDROM',
  'VM.Config.CPU',
  'VM.Config.Cloudinit',
  'VM.Config.Disk',
  'VM.Config.HWType',
  'VM.Config.Memory',
  'VM.Config.Network',
  'VM.Config.Options',
  'VM.Console',
  'VM.GuestAgent.Audit',
  'VM.GuestAgent.FileRead',
  'VM.GuestAgent.FileSystemMgmt',
  'VM.GuestAgent.FileWrite',
  'VM.GuestAgent.Unrestricted',
  'VM.Migrate',
  'VM.PowerMgmt',
  'VM.Replicate',
  'VM.Snapshot',
  'VM.Snapshot.Rollback',
];

const vmPrivs = ALL_PRIVILEGES.filter((p) => p.startsWith('VM.'));

export const BUILTIN_ROLES: Record<string, string[]> = {
  Administrator: ALL_PRIVILEGES,
  NoAccess: [],
  PVEAdmin: ALL_PRIVILEGES.filter((p) => !['Permissions.Modify', 'Realm.Allocate', 'Sys.Modify', 'Sys.PowerMgmt'].includes(p)),
  PVEAuditor: ['Datastore.Audit', 'Mapping.Audit', 'Pool.Audit', 'SDN.Audit', 'Sys.Audit', 'VM.Audit', 'VM.GuestAgent.Audit'],
  PVEDatastoreAdmin: ['Datastore.Allocate', 'Datastore.AllocateSpace', 'Datastore.AllocateTemplate', 'Datastore.Audit'],
  PVEDatastoreUser: ['Datastore.AllocateSpace', 'Datastore.Audit'],
  PVEPoolAdmin: ['Pool.Allocate', 'Pool.Audit'],
  PVEPoolUser: ['Pool.Audit'],
  PVESysAdmin: ['Sys.AccessNetwork', 'Sys.Audit', 'Sys.Console', 'Sys.Incoming', 'Sys.Modify', 'Sys.PowerMgmt', 'Sys.Syslog'],
  PVETemplateUser: ['VM.Audit', 'VM.Clone'],
  PVEUserAdmin: ['Group.Allocate', 'Realm.AllocateUser', 'User.Modify'],
  PVEVMAdmin: vmPrivs,
  PVEVMUser: ['VM.Audit', 'VM.Backup', 'VM.Config.CDROM', 'VM.Config.Cloudinit', 'VM.Console', 'VM.PowerMgmt', 'VM.GuestAgent.Audit'],
};

/** Who is asking. The simulator grants roles on '/', so privileges do not depend on the path. */
export interface Identity {
  userid: string;
  tokenid?: string;
  privs: Set<string>;
}

export function hasPriv(who: Identity, priv: string): boolean {
  return who.privs.has(priv);
}

export function requirePriv(who: Identity, path: string, priv: string): void {
  if (!hasPriv(who, priv)) throw permError(path, priv);
}

function fill(path: string, params: Record<string, unknown>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => String(params[name] ?? ''));
}

/**
 * Evaluates a declared `check` like PVE's RPCEnvironment: `perm` with all privileges (or `any`),
 * `and`, `or`. Raises PVE's message naming the path and the privilege that failed.
 */
export function evaluateCheck(who: Identity, check: unknown[], params: Record<string, unknown>): void {
  const [kind, ...rest] = check as [string, ...unknown[]];
  if (kind === 'perm') {
    const [rawPath, privs, ...opts] = rest as [string, string[], ...unknown[]];
    const path = fill(rawPath, params);
    const requireParam = opts.indexOf('require_param');
    if (requireParam >= 0 && params[opts[requireParam + 1] as string] === undefined) throw permError(path, privs.join('|'));
    if (opts[0] === 'any') {
      if (!privs.some((p) => hasPriv(who, p))) throw permError(path, privs.join('|'));
      return;
    }
    for (const p of privs) requirePriv(who, path, p);
    return;
  }
  if (kind === 'userid-param' && rest[0] === 'self') {
    if (params.userid === who.userid) return;
    throw permError(`/access/users/${String(params.userid)}`, 'User.Modify');
  }
  if (kind === 'and') {
    for (const sub of rest) evaluateCheck(who, sub as unknown[], params);
    return;
  }
  if (kind === 'or') {
    let last: unknown;
    for (const sub of rest) {
      try {
        evaluateCheck(who, sub as unknown[], params);
        return;
      } catch (e) {
        last = e;
      }
    }
    throw last instanceof PveError ? last : new PveError(403, 'Permission check failed');
  }
  throw new PveError(500, `unknown permission check '${kind}'`);
}

/** The `cap` map of a login answer, grouped the way PVE groups it. */
export function capabilities(who: Identity): Record<string, Record<string, 1>> {
  const groups: Record<string, (p: string) => boolean> = {
    vms: (p) => p.startsWith('VM.') || p === 'Permissions.Modify',
    storage: (p) => p.startsWith('Datastore.') || p === 'Permissions.Modify',
    nodes: (p) => p.startsWith('Sys.') || p === 'Permissions.Modify',
    dc: (p) => p.startsWith('SDN.') || p === 'Sys.Audit' || p === 'Sys.Modify',
    access: (p) => ['User.Modify', 'Group.Allocate', 'Permissions.Modify'].includes(p),
    sdn: (p) => p.startsWith('SDN.') || p === 'Permissions.Modify',
    mapping: (p) => p.startsWith('Mapping.') || p === 'Permissions.Modify',
  };
  const cap: Record<string, Record<string, 1>> = {};
  for (const [group, test] of Object.entries(groups)) {
    cap[group] = {};
    for (const p of who.privs) if (test(p)) cap[group][p] = 1;
  }
  return cap;
}

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

/** What the ACL evaluation needs to know about the cluster (kept narrow so other products can reuse it). */
export interface AclSource {
  acl: ReadonlyArray<{ path: string; type: 'user' | 'group' | 'token'; ugid: string; roleid: string; propagate: 0 | 1 }>;
  roles: ReadonlyMap<string, string[]>;
  /** Groups of a user, undefined when the user does not exist. */
  groupsOf(userid: string): string[] | undefined;
  /** Whether a token exists and is privilege-separated; undefined when it does not exist. */
  tokenPrivsep(userid: string, tokenid: string): 0 | 1 | undefined;
  /** The pool a path's object belongs to (`/vms/101` -> `prod`), if any. */
  poolOf(path: string): string | undefined;
}

/** priv -> propagate flag, as `/access/permissions` reports it. */
export type PrivMap = Map<string, 0 | 1>;

/**
 * Roles of one ACL subject on a path, like PVE::AccessControl::roles: walk from `/` to the path; at each
 * level entries of the user (or token) replace what was inherited, else the union of its groups' entries
 * does; above the final level only propagating entries count.
 */
function rolesAt(src: AclSource, subject: { kind: 'user' | 'token'; id: string; groups: string[] }, path: string): Map<string, 0 | 1> {
  const parts = path.split('/').filter(Boolean);
  const levels = ['/', ...parts.map((_, i) => '/' + parts.slice(0, i + 1).join('/'))];
  let roles = new Map<string, 0 | 1>();
  levels.forEach((level, i) => {
    const final = i === levels.length - 1;
    const here = src.acl.filter((e) => e.path === level && (final || e.propagate));
    const own = here.filter((e) => e.type === subject.kind && e.ugid === subject.id);
    if (own.length) {
      roles = new Map(own.map((e) => [e.roleid, e.propagate]));
      return;
    }
    if (subject.kind === 'user') {
      const viaGroups = here.filter((e) => e.type === 'group' && subject.groups.includes(e.ugid));
      if (viaGroups.length) roles = new Map(viaGroups.map((e) => [e.roleid, e.propagate]));
    }
  });
  if (roles.has('NoAccess')) return new Map();
  return roles;
}

function privsOfRoles(src: AclSource, roles: Map<string, 0 | 1>): PrivMap {
  const out: PrivMap = new Map();
  for (const [roleid, propagate] of roles) {
    for (const p of src.roles.get(roleid) ?? []) out.set(p, (out.get(p) || propagate) as 0 | 1);
  }
  return out;
}

function subjectPrivs(src: AclSource, subject: { kind: 'user' | 'token'; id: string; groups: string[] }, path: string): PrivMap {
  const privs = privsOfRoles(src, rolesAt(src, subject, path));
  // Members of a pool also get what the pool's ACL grants (PVE checks /pool/<pool> for /vms/<id> and /storage/<id>).
  const pool = src.poolOf(path);
  if (pool) for (const [p, prop] of privsOfRoles(src, rolesAt(src, subject, `/pool/${pool}`))) if (!privs.has(p)) privs.set(p, prop);
  return privs;
}

/**
 * Effective privileges of a user or token on a path. root@pam has every privilege; a token without
 * privilege separation has its user's; a privilege-separated token has the intersection of its user's and
 * its own ACL entries.
 */
export function effectivePrivs(src: AclSource, userid: string, tokenid: string | undefined, path: string): PrivMap {
  const groups = src.groupsOf(userid);
  if (groups === undefined) return new Map();
  const userPrivs: PrivMap =
    userid === 'root@pam' ? new Map(ALL_PRIVILEGES.map((p) => [p, 1])) : subjectPrivs(src, { kind: 'user', id: userid, groups }, path);
  if (!tokenid) return userPrivs;
  const privsep = src.tokenPrivsep(userid, tokenid);
  if (privsep === undefined) return new Map();
  if (!privsep) return userPrivs;
  const tokenPrivs = subjectPrivs(src, { kind: 'token', id: `${userid}!${tokenid}`, groups: [] }, path);
  return new Map([...tokenPrivs].filter(([p]) => userPrivs.has(p)));
}

/** Who is asking, and what they may do where. */
export interface Identity {
  userid: string;
  tokenid?: string;
  privsAt(path: string): PrivMap;
}

export function identityFor(src: AclSource, userid: string, tokenid?: string): Identity {
  return { userid, tokenid, privsAt: (path) => effectivePrivs(src, userid, tokenid, path) };
}

/** The auth id PVE compares against (`user@realm` or `user@realm!token`). */
export function authId(who: Identity): string {
  return who.tokenid ? `${who.userid}!${who.tokenid}` : who.userid;
}

export function isRoot(who: Identity): boolean {
  return who.userid === 'root@pam';
}

export function hasPriv(who: Identity, path: string, priv: string): boolean {
  return who.privsAt(path).has(priv);
}

export function hasAnyPriv(who: Identity, path: string, privs: string[]): boolean {
  const have = who.privsAt(path);
  return privs.some((p) => have.has(p));
}

export function requirePriv(who: Identity, path: string, priv: string): void {
  if (!hasPriv(who, path, priv)) throw permError(path, priv);
}

/** Fills `{param}` in a permission path; a missing one leaves an empty segment, which PVE's path normalisation drops. */
function fill(path: string, params: Record<string, unknown>): string {
  const out = path.replace(/\{([^}]+)\}/g, (_, name: string) => String(params[name] ?? '')).replace(/\/+/g, '/');
  return out.length > 1 ? out.replace(/\/$/, '') : out;
}

function realmOf(userid: unknown): string {
  const s = String(userid ?? '');
  return s.slice(s.lastIndexOf('@') + 1).split('!')[0];
}

export interface CheckEnv {
  /** Groups the user named in the `userid` parameter belongs to. */
  groupsOf(userid: string): string[] | undefined;
}

/**
 * Evaluates a declared `check` like PVE's RPCEnvironment: `perm` (all privileges, or `any`; `require_param`),
 * `and`, `or`, `userid-param` (`self` or a privilege on the user's realm), `userid-group` (a privilege on
 * `/access/groups` or on a group the user belongs to) and `perm-modify`. Raises PVE's 403 naming the path and
 * the privilege that failed.
 */
export function evaluateCheck(who: Identity, check: unknown[], params: Record<string, unknown>, env: CheckEnv): void {
  const [kind, ...rest] = check as [string, ...unknown[]];
  switch (kind) {
    case 'perm': {
      const [rawPath, privs, ...opts] = rest as [string, string[], ...unknown[]];
      const path = fill(rawPath, params);
      const requireParam = opts.indexOf('require_param');
      if (requireParam >= 0 && params[opts[requireParam + 1] as string] === undefined) throw permError(path, privs.join('|'));
      const have = who.privsAt(path);
      if (opts[0] === 'any') {
        if (!privs.some((p) => have.has(p))) throw permError(path, privs.join('|'));
        return;
      }
      for (const p of privs) if (!have.has(p)) throw permError(path, p);
      return;
    }
    case 'userid-param': {
      if (rest[0] === 'self') {
        if (!who.tokenid && params.userid === who.userid) return;
        throw new PveError(403, 'Permission check failed (userid != authid)');
      }
      const path = `/access/realm/${realmOf(params.userid)}`;
      if (!hasPriv(who, path, rest[0] as string)) throw permError(path, rest[0] as string);
      return;
    }
    case 'userid-group': {
      const [privs, ...opts] = rest as [string[], ...unknown[]];
      const groupsParam = opts[0] === 'groups_param' ? opts[1] : undefined;
      const wanted = typeof params.groups === 'string' ? params.groups.split(/[,;\s]+/).filter(Boolean) : [];
      if (hasAnyPriv(who, '/access/groups', privs)) return;
      const allowedGroup = (g: string) => hasAnyPriv(who, `/access/groups/${g}`, privs);
      if (groupsParam && wanted.length) {
        const bad = wanted.find((g) => !allowedGroup(g));
        if (bad) throw permError(`/access/groups/${bad}`, privs.join('|'));
        if (groupsParam === 'create') return;
      }
      if (groupsParam === 'create' && !wanted.length) throw permError('/access/groups', privs.join('|'));
      const member = env.groupsOf(String(params.userid ?? '')) ?? [];
      if (member.some(allowedGroup)) return;
      throw permError('/access/groups', privs.join('|'));
    }
    case 'perm-modify': {
      const path = fill(rest[0] as string, params);
      if (hasPriv(who, path, 'Permissions.Modify')) return;
      throw permError(path, 'Permissions.Modify');
    }
    case 'and':
      for (const sub of rest) evaluateCheck(who, sub as unknown[], params, env);
      return;
    case 'or': {
      // The last alternative is usually the general privilege, the one worth naming in the refusal.
      let last: unknown;
      for (const sub of rest) {
        try {
          evaluateCheck(who, sub as unknown[], params, env);
          return;
        } catch (e) {
          last = e;
        }
      }
      throw last instanceof PveError ? last : new PveError(403, 'Permission check failed');
    }
    default:
      throw new PveError(500, `unknown permission check '${kind}'`);
  }
}

/** Applies an operation's whole declaration: `user: world|all`, a `check`, or (neither) root@pam only. */
export function checkPermissions(
  who: Identity,
  perms: { check?: unknown[]; user?: string },
  params: Record<string, unknown>,
  env: CheckEnv,
): void {
  if (perms.user === 'world' || perms.user === 'all') {
    if (perms.check) evaluateCheck(who, perms.check, params, env);
    return;
  }
  if (perms.check) {
    if (isRoot(who) && !who.tokenid) return;
    evaluateCheck(who, perms.check, params, env);
    return;
  }
  if (!isRoot(who)) throw new PveError(403, 'Permission check failed (user != root@pam)');
}

/** The paths `/access/permissions` reports: PVE's top-level ones, every ACL path and every pool member. */
export function permissionPaths(src: AclSource, extra: string[]): string[] {
  const paths = new Set(['/', '/access', '/access/groups', '/nodes', '/pool', '/sdn', '/storage', '/vms', '/mapping']);
  for (const e of src.acl) paths.add(e.path);
  for (const p of extra) paths.add(p);
  return [...paths].sort();
}

/** The `cap` map of a login answer, grouped the way PVE groups it (privileges on the top-level paths). */
export function capabilities(who: Identity): Record<string, Record<string, 1>> {
  const groups: Record<string, [string, (p: string) => boolean]> = {
    vms: ['/vms', (p) => p.startsWith('VM.') || p === 'Permissions.Modify'],
    storage: ['/storage', (p) => p.startsWith('Datastore.') || p === 'Permissions.Modify'],
    nodes: ['/nodes', (p) => p.startsWith('Sys.') || p === 'Permissions.Modify'],
    dc: ['/', (p) => p.startsWith('SDN.') || p === 'Sys.Audit' || p === 'Sys.Modify'],
    access: ['/access', (p) => ['User.Modify', 'Group.Allocate', 'Permissions.Modify'].includes(p)],
    sdn: ['/sdn', (p) => p.startsWith('SDN.') || p === 'Permissions.Modify'],
    mapping: ['/mapping', (p) => p.startsWith('Mapping.') || p === 'Permissions.Modify'],
  };
  const cap: Record<string, Record<string, 1>> = {};
  for (const [group, [path, test]] of Object.entries(groups)) {
    cap[group] = {};
    for (const p of who.privsAt(path).keys()) if (test(p)) cap[group][p] = 1;
  }
  return cap;
}

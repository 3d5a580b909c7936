/**
 * Knowing before calling whether the token may make a call. The token's effective privileges come from
 * `GET /access/permissions` (path → privilege → propagate flag, as PVE computes them for this user or
 * token); each operation's `permissions` in the schema says what it needs. A call is refused here only
 * when the schema's check certainly fails on what the node told us; whatever cannot be read or is not
 * understood (checks done in code, `perm-modify`, unknown kinds, a path with a value missing) leaves
 * the decision to the node. Never block on a guess.
 */

/** `GET /access/permissions`: path → privilege → 1 when it propagates to paths below, 0 when not. */
export type PermissionMap = Record<string, Record<string, unknown>>;

export type Verdict = { kind: 'allowed' } | { kind: 'denied'; missing: string } | { kind: 'unknown' };

const ALLOWED: Verdict = { kind: 'allowed' };
const UNKNOWN: Verdict = { kind: 'unknown' };
const denied = (missing: string): Verdict => ({ kind: 'denied', missing });

function normalizePath(path: string): string {
  const p = ('/' + path).replace(/\/{2,}/g, '/');
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

function ancestors(path: string): string[] {
  const out: string[] = [];
  let p = path;
  while (p !== '/' && p !== '') {
    p = p.slice(0, p.lastIndexOf('/')) || '/';
    out.push(p);
  }
  return out;
}

const own = (map: PermissionMap, path: string): Record<string, unknown> | undefined =>
  Object.prototype.hasOwnProperty.call(map, path) && map[path] && typeof map[path] === 'object' ? map[path] : undefined;

/**
 * The privileges the token may hold on a concrete path: those listed for it, plus every propagating
 * privilege of a listed path above it. PVE lists every path with an ACL (and pool members), so this is
 * never less than what the node will grant; it can be more (a NoAccess entry below hides nothing
 * here), which only means the node decides.
 */
export function privilegesAt(map: PermissionMap, path: string): Set<string> {
  const p = normalizePath(path);
  const out = new Set<string>();
  const exact = own(map, p);
  if (exact) for (const priv of Object.keys(exact)) out.add(priv);
  for (const a of ancestors(p)) {
    const listed = own(map, a);
    if (!listed) continue;
    for (const [priv, propagate] of Object.entries(listed)) if (propagate === 1 || propagate === true || propagate === '1') out.add(priv);
  }
  return out;
}

/** Whether any path at all grants the privilege: the question a template (`/vms/{vmid}`) can answer. */
function heldAnywhere(map: PermissionMap, priv: string): boolean {
  return Object.keys(map).some((path) => own(map, path)?.[priv] !== undefined);
}

/** `{vmid}` → the parameter's value; undefined when a value is missing (the path is then not concrete). */
function fillPath(template: string, params: Record<string, unknown>): string | undefined {
  let missing = false;
  const filled = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = Object.prototype.hasOwnProperty.call(params, name) ? params[name] : undefined;
    if (typeof v !== 'string' && typeof v !== 'number') {
      missing = true;
      return '';
    }
    return String(v);
  });
  return missing ? undefined : normalizePath(filled);
}

function options(rest: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < rest.length; i += 2) if (typeof rest[i] === 'string') out[rest[i] as string] = rest[i + 1];
  return out;
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
}

/** `perm` on a path: all privileges, or one of them with `any`. */
function checkPerm(
  map: PermissionMap,
  template: string,
  privs: string[],
  any: boolean,
  params: Record<string, unknown> | undefined,
): Verdict {
  const path = params ? fillPath(template, params) : undefined;
  if (path === undefined) {
    // No concrete path (discovery, or a value not given): only a privilege held nowhere is certain.
    const missing = privs.filter((p) => !heldAnywhere(map, p));
    if (any ? missing.length === privs.length : missing.length > 0)
      return denied(`${any && missing.length > 1 ? `one of ${missing.join(', ')}` : missing.join(', ')} on ${template}`);
    return UNKNOWN;
  }
  const held = privilegesAt(map, path);
  const missing = privs.filter((p) => !held.has(p));
  if (any ? missing.length < privs.length : missing.length === 0) return ALLOWED;
  return denied(`${any && missing.length > 1 ? `one of ${missing.join(', ')}` : missing.join(', ')} on ${path}`);
}

/**
 * Evaluates one `check` expression of the schema. `params` holds path and body parameters of the call;
 * without them (discovery) paths stay templates.
 */
export function evaluateCheck(check: unknown, map: PermissionMap, params?: Record<string, unknown>, depth = 0): Verdict {
  if (!Array.isArray(check) || typeof check[0] !== 'string' || depth > 16) return UNKNOWN;
  const [kind, ...rest] = check as [string, ...unknown[]];
  switch (kind) {
    case 'perm': {
      const [template, privs, ...more] = rest;
      if (typeof template !== 'string' || !isStringList(privs)) return UNKNOWN;
      const opts = options(more);
      const known = Object.keys(opts).every((k) => k === 'any' || k === 'require_param');
      if (!known) return UNKNOWN;
      // Without the named parameter PVE skips or fails this branch; which one is not certain here.
      if (typeof opts.require_param === 'string' && (!params || params[opts.require_param] === undefined)) return UNKNOWN;
      return checkPerm(map, template, privs, !!opts.any, params);
    }
    case 'and': {
      let unknown = false;
      for (const sub of rest) {
        const v = evaluateCheck(sub, map, params, depth + 1);
        if (v.kind === 'denied') return v;
        if (v.kind === 'unknown') unknown = true;
      }
      return unknown || rest.length === 0 ? UNKNOWN : ALLOWED;
    }
    case 'or': {
      const missing: string[] = [];
      for (const sub of rest) {
        const v = evaluateCheck(sub, map, params, depth + 1);
        if (v.kind === 'allowed') return ALLOWED;
        if (v.kind === 'unknown') return UNKNOWN;
        missing.push(v.missing);
      }
      return missing.length ? denied(missing.join(' or ')) : UNKNOWN;
    }
    case 'userid-param': {
      // `self` compares with the caller's own id, which a token's map does not name: left to the node.
      if (rest[0] !== 'Realm.AllocateUser') return UNKNOWN;
      const userid = params?.userid;
      const realm =
        typeof userid === 'string' && userid.includes('@') ? userid.slice(userid.lastIndexOf('@') + 1).split('!')[0] : undefined;
      if (!realm) return params ? UNKNOWN : checkPerm(map, '/access/realm/{realm}', ['Realm.AllocateUser'], false, undefined);
      return checkPerm(map, '/access/realm/{realm}', ['Realm.AllocateUser'], false, { realm });
    }
    case 'userid-group': {
      // Allowed with the privileges on /access/groups (all groups); else they are needed on a group of the
      // user, so only privileges held on no group at all are certainly missing.
      const privs = rest[0];
      if (!isStringList(privs)) return UNKNOWN;
      const onAll = privilegesAt(map, '/access/groups');
      if (privs.every((p) => onAll.has(p))) return ALLOWED;
      const nowhere = privs.filter(
        (p) => !onAll.has(p) && !Object.keys(map).some((path) => path.startsWith('/access/groups/') && own(map, path)?.[p] !== undefined),
      );
      return nowhere.length ? denied(`${nowhere.join(', ')} on /access/groups`) : UNKNOWN;
    }
    default:
      return UNKNOWN;
  }
}

/** An operation's whole `permissions` object: only its `check` can be evaluated. */
export function evaluatePermissions(permissions: unknown, map: PermissionMap, params?: Record<string, unknown>): Verdict {
  if (!permissions || typeof permissions !== 'object') return UNKNOWN;
  const check = (permissions as { check?: unknown }).check;
  if (check === undefined) return UNKNOWN;
  return evaluateCheck(check, map, params);
}

import { randomUUID } from 'node:crypto';
import { ALL_PRIVILEGES, BUILTIN_ROLES, authId, capabilities, effectivePrivs, hasAnyPriv, hasPriv, permissionPaths } from '../access.js';
import type { RequestContext } from '../context.js';
import { crudOperations, type Item } from '../crud.js';
import { PveError, paramError } from '../errors.js';
import { P, opt, type PropSchema, type Props } from '../params.js';
import { op, returns, type Operation } from '../schema.js';
import type { UserDef } from '../state.js';
import { index, now } from './common.js';
import { poolOperations } from './pools.js';

const USERID = P.str('Full User ID, in the `name@realm` format.', { format: 'pve-userid', maxLength: 64 }) satisfies PropSchema;
const TOKENID = P.str('User-specific token identifier.', { format: 'pve-tokenid' }) satisfies PropSchema;
const GROUPID = P.str('The group ID.', { format: 'pve-groupid' }) satisfies PropSchema;
const ROLEID = P.str('The role ID.', { format: 'pve-roleid' }) satisfies PropSchema;
const REALM = P.str('Authentication domain ID', { format: 'pve-realm', maxLength: 32 }) satisfies PropSchema;

const USER_FIELDS = {
  comment: opt(P.str('A comment.', { maxLength: 2048 })),
  email: opt(P.str('The e-mail address.', { format: 'email-opt', maxLength: 254 })),
  enable: opt(P.bool('Enable the account (default). You can set this to 0 to disable the account', { default: 1 })),
  expire: opt(P.int('Account expiration date (seconds since epoch). 0 means no expiration date.', { minimum: 0 })),
  firstname: opt(P.str('First name.')),
  lastname: opt(P.str('Last name.')),
  groups: opt(P.str('Groups of the user (comma separated).', { format: 'pve-groupid-list' })),
  keys: opt(P.str('Keys for two factor auth (yubico).')),
} satisfies Props;

const SELF_OR_USER_MODIFY = { check: ['or', ['userid-param', 'self'], ['userid-group', ['User.Modify']]] };
const SELF_OR_USER_AUDIT = { check: ['or', ['userid-param', 'self'], ['userid-group', ['User.Modify', 'Sys.Audit']]] };
const ACCESS_MODIFY = { check: ['perm', '/access', ['Sys.Modify']] };
const GROUP_ALLOCATE = { check: ['perm', '/access/groups', ['Group.Allocate']] };
const REALM_ALLOCATE = { check: ['perm', '/access/realm', ['Realm.Allocate']] };

const list = (v: unknown) =>
  String(v ?? '')
    .split(/[,;\s]+/)
    .filter(Boolean);

function userOr500(ctx: RequestContext, userid: string): UserDef {
  const user = ctx.sim.state.users.get(userid);
  if (!user) throw new PveError(500, `no such user ('${userid}')`);
  return user;
}

function checkGroups(ctx: RequestContext, groups: string[]): void {
  for (const g of groups) if (!ctx.sim.state.groups.has(g)) throw new PveError(500, `no such group '${g}'`);
}

function userRow(ctx: RequestContext, u: UserDef, full: boolean): Item {
  const row: Item = { userid: u.userid, enable: u.enable, expire: u.expire, 'realm-type': realmType(ctx, u.userid.split('@')[1]) };
  for (const k of ['firstname', 'lastname', 'email', 'comment', 'keys'] as const) if (u[k]) row[k] = u[k];
  if (full) {
    row.groups = u.groups.join(',');
    row.tokens = u.tokens.map((t) => ({ ...t }));
  }
  return row;
}

function realmType(ctx: RequestContext, realm: string): string {
  return String(ctx.sim.state.collections.get('/access/domains').get(realm)?.type ?? realm);
}

/** Who may see a user in the list: User.Modify or Sys.Audit on /access/groups or on one of their groups; yourself always. */
function mayAuditUser(ctx: RequestContext, u: UserDef): boolean {
  if (u.userid === ctx.who.userid) return true;
  const privs = ['User.Modify', 'Sys.Audit'];
  return hasAnyPriv(ctx.who, '/access/groups', privs) || u.groups.some((g) => hasAnyPriv(ctx.who, `/access/groups/${g}`, privs));
}

const ACL_PATH =
  /^\/(|access(\/(groups(\/[^/]+)?|realm(\/[^/]+)?))?|nodes(\/[^/]+)?|pool(\/[^/]+)?|sdn(\/(zones|vnets|fabrics)(\/[^/]+){0,2})?|storage(\/[^/]+)?|vms(\/\d+)?|mapping(\/(cpu|dir|notifications|pci|usb)(\/[^/]+)?)?)$/;

function userOperations(): Operation[] {
  return [
    op({
      method: 'GET',
      path: '/access/users',
      name: 'index',
      description: 'User index.',
      parameters: {
        enabled: opt(P.bool('Optional filter for enable property.')),
        full: opt(P.bool('Include group and token information.', { default: 0 })),
      },
      returns: returns.array({ userid: USERID }, 'userid'),
      permissions: {
        description:
          "The returned list is restricted to users where you have 'User.Modify' or 'Sys.Audit' permissions on '/access/groups' or on a group the user belongs too. But it always includes the current (authenticated) user.",
        user: 'all',
      },
      protected: 1,
      handler: (ctx) =>
        [...ctx.sim.state.users.values()]
          .filter((u) => mayAuditUser(ctx, u))
          .filter((u) => ctx.params.enabled === undefined || u.enable === ctx.params.enabled)
          .map((u) => userRow(ctx, u, Boolean(ctx.params.full))),
    }),
    op({
      method: 'POST',
      path: '/access/users',
      name: 'create_user',
      description: 'Create new user.',
      parameters: { userid: USERID, password: opt(P.str('Initial password.', { minLength: 8, maxLength: 64 })), ...USER_FIELDS },
      returns: returns.null,
      permissions: {
        check: ['and', ['userid-param', 'Realm.AllocateUser'], ['userid-group', ['User.Modify'], 'groups_param', 'create']],
        description:
          "You need 'Realm.AllocateUser' on '/access/realm/<realm>' on the realm of user <userid>, and 'User.Modify' permissions to '/access/groups/<group>' for any group specified (or 'User.Modify' on '/access/groups' if you pass no groups.",
      },
      protected: 1,
      handler: (ctx) => {
        const p = ctx.params;
        const state = ctx.sim.state;
        if (state.users.has(p.userid)) throw new PveError(500, `create user failed: user '${p.userid}' already exists`);
        const realm = String(p.userid).split('@')[1];
        if (!state.collections.get('/access/domains').has(realm)) throw new PveError(500, `create user failed: unknown realm '${realm}'`);
        const groups = list(p.groups);
        checkGroups(ctx, groups);
        const user: UserDef = { userid: p.userid, enable: p.enable ?? 1, expire: p.expire ?? 0, groups, tokens: [] };
        for (const k of ['firstname', 'lastname', 'email', 'comment', 'keys'] as const) if (p[k] !== undefined) user[k] = p[k];
        state.users.set(user.userid, user);
        if (p.password !== undefined) {
          if (realm !== 'pve') throw new PveError(500, `create user failed: can't set password for realm '${realm}'`);
          ctx.sim.auth.passwords.set(user.userid, p.password);
        }
        state.log('pve1', authId(ctx.who), 'pvedaemon', `create user '${user.userid}'`);
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/access/users/{userid}',
      name: 'read_user',
      description: 'Get user configuration.',
      parameters: { userid: USERID },
      returns: {
        type: 'object',
        properties: {
          enable: opt(P.bool('Enable the account')),
          groups: opt(P.arr('Groups', 'group')),
          tokens: { type: 'object', optional: 1 },
        },
      },
      permissions: { check: ['userid-group', ['User.Modify', 'Sys.Audit']] },
      handler: (ctx) => {
        const u = userOr500(ctx, ctx.params.userid);
        const row = userRow(ctx, u, false);
        delete row.userid;
        delete row['realm-type'];
        return {
          ...row,
          groups: [...u.groups],
          tokens: Object.fromEntries(
            u.tokens.map((t) => [t.tokenid, { privsep: t.privsep, expire: t.expire, ...(t.comment ? { comment: t.comment } : {}) }]),
          ),
        };
      },
    }),
    op({
      method: 'PUT',
      path: '/access/users/{userid}',
      name: 'update_user',
      description: 'Update user configuration.',
      parameters: {
        userid: USERID,
        append: opt(P.bool('Append groups to the existing ones instead of replacing them.', { requires: 'groups' })),
        ...USER_FIELDS,
      },
      returns: returns.null,
      permissions: { check: ['userid-group', ['User.Modify'], 'groups_param', 'update'] },
      protected: 1,
      handler: (ctx) => {
        const p = ctx.params;
        const u = userOr500(ctx, p.userid);
        if (p.groups !== undefined) {
          const groups = list(p.groups);
          checkGroups(ctx, groups);
          u.groups = p.append ? [...new Set([...u.groups, ...groups])] : groups;
        }
        if (p.enable !== undefined) u.enable = p.enable;
        if (p.expire !== undefined) u.expire = p.expire;
        for (const k of ['firstname', 'lastname', 'email', 'comment', 'keys'] as const) if (p[k] !== undefined) u[k] = p[k];
        return null;
      },
    }),
    op({
      method: 'DELETE',
      path: '/access/users/{userid}',
      name: 'delete_user',
      description: 'Delete user.',
      parameters: { userid: USERID },
      returns: returns.null,
      permissions: { check: ['and', ['userid-param', 'Realm.AllocateUser'], ['userid-group', ['User.Modify']]] },
      protected: 1,
      handler: (ctx) => {
        const state = ctx.sim.state;
        const u = userOr500(ctx, ctx.params.userid);
        if (u.userid === 'root@pam') throw new PveError(500, "delete user failed: can't delete root@pam");
        state.users.delete(u.userid);
        ctx.sim.auth.passwords.delete(u.userid);
        for (const t of u.tokens) ctx.sim.auth.tokenSecrets.delete(`${u.userid}!${t.tokenid}`);
        removeAcl(ctx, (e) => (e.type === 'user' && e.ugid === u.userid) || (e.type === 'token' && e.ugid.startsWith(`${u.userid}!`)));
        state.tfa.delete(u.userid);
        state.log('pve1', authId(ctx.who), 'pvedaemon', `delete user '${u.userid}'`);
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/access/users/{userid}/tfa',
      name: 'read_user_tfa_type',
      description: 'Get user TFA types (Personal and Realm).',
      parameters: { userid: USERID, multiple: opt(P.bool('Request all entries as an array.', { default: 0 })) },
      returns: { type: 'object', properties: { types: opt(P.arr('Array of the user configured TFA types, if any.', 'type')) } },
      permissions: SELF_OR_USER_AUDIT,
      protected: 1,
      handler: (ctx) => {
        userOr500(ctx, ctx.params.userid);
        const types = [...new Set((ctx.sim.state.tfa.get(ctx.params.userid) ?? []).map((e) => e.type))];
        if (ctx.params.multiple) return { types };
        return types.length ? { user: types[0] } : {};
      },
    }),
    op({
      method: 'PUT',
      path: '/access/users/{userid}/unlock-tfa',
      name: 'unlock_tfa',
      description: "Unlock a user's TFA authentication.",
      parameters: { userid: USERID },
      returns: { type: 'boolean' },
      permissions: { check: ['userid-group', ['User.Modify']] },
      protected: 1,
      handler: (ctx) => {
        userOr500(ctx, ctx.params.userid);
        return 0;
      },
    }),
    op({
      method: 'PUT',
      path: '/access/password',
      name: 'change_password',
      description: 'Change user password.',
      parameters: {
        userid: USERID,
        password: P.str('The new password.', { minLength: 8, maxLength: 64 }),
        'confirmation-password': opt(P.str('The current password of the user performing the change.', { minLength: 5, maxLength: 64 })),
      },
      returns: returns.null,
      permissions: {
        check: ['or', ['userid-param', 'self'], ['and', ['userid-param', 'Realm.AllocateUser'], ['userid-group', ['User.Modify']]]],
        description:
          "Each user is allowed to change their own password. A user can change the password of another user if they have 'Realm.AllocateUser' (on the realm of user <userid>) and 'User.Modify' permission on /access/groups/<group> on a group where user <userid> is member of. For the PAM realm, a password change does not take effect cluster-wide, but only applies to the local node.",
      },
      protected: 1,
      handler: (ctx) => {
        const u = userOr500(ctx, ctx.params.userid);
        if (ctx.who.tokenid) throw new PveError(403, 'Permission check failed (password change with API token)');
        const realm = u.userid.split('@')[1];
        if (realm !== 'pve' && realm !== 'pam') throw new PveError(500, `unable to change password for realm '${realm}'`);
        ctx.sim.auth.passwords.set(u.userid, ctx.params.password);
        return null;
      },
    }),
  ];
}

function tokenOperations(): Operation[] {
  const tokenOr500 = (ctx: RequestContext<{ readonly userid: string; readonly tokenid: string }>) => {
    const u = userOr500(ctx, ctx.params.userid);
    const t = u.tokens.find((x) => x.tokenid === ctx.params.tokenid);
    if (!t) throw new PveError(500, `no such token '${ctx.params.tokenid}' for user '${u.userid}'`);
    return { u, t };
  };
  const info = (t: UserDef['tokens'][number]) => ({ privsep: t.privsep, expire: t.expire, ...(t.comment ? { comment: t.comment } : {}) });
  const params = { userid: USERID, tokenid: TOKENID };
  const fields = {
    comment: opt(P.str('A comment.', { maxLength: 2048 })),
    expire: opt(P.int("API token expiration date (seconds since epoch). '0' means no expiration date.", { minimum: 0 })),
    privsep: opt(
      P.bool('Restrict API token privileges with separate ACLs (default), or give full privileges of corresponding user.', { default: 1 }),
    ),
  } satisfies Props;
  return [
    op({
      method: 'GET',
      path: '/access/users/{userid}/token',
      name: 'token_index',
      description: 'Get user API tokens.',
      parameters: { userid: USERID },
      returns: returns.array({ tokenid: TOKENID }, 'tokenid'),
      permissions: SELF_OR_USER_MODIFY,
      handler: (ctx) => userOr500(ctx, ctx.params.userid).tokens.map((t) => ({ tokenid: t.tokenid, ...info(t) })),
    }),
    op({
      method: 'GET',
      path: '/access/users/{userid}/token/{tokenid}',
      name: 'read_token',
      description: 'Get specific API token information.',
      parameters: params,
      returns: { type: 'object', properties: fields },
      permissions: SELF_OR_USER_MODIFY,
      handler: (ctx) => info(tokenOr500(ctx).t),
    }),
    op({
      method: 'POST',
      path: '/access/users/{userid}/token/{tokenid}',
      name: 'generate_token',
      description:
        'Generate a new API token for a specific user. NOTE: returns API token value, which needs to be stored as it cannot be retrieved afterwards!',
      parameters: { ...params, ...fields },
      returns: {
        type: 'object',
        properties: {
          'full-tokenid': P.str('The full token id.', { format: 'pve-tokenid' }),
          info: { type: 'object' },
          value: P.str('API token value used for authentication.'),
        },
      },
      permissions: SELF_OR_USER_MODIFY,
      protected: 1,
      handler: (ctx) => {
        const u = userOr500(ctx, ctx.params.userid);
        if (u.tokens.some((t) => t.tokenid === ctx.params.tokenid)) throw new PveError(500, `Token already exists.`);
        const t: UserDef['tokens'][number] = {
          tokenid: ctx.params.tokenid,
          privsep: ctx.params.privsep ?? 1,
          expire: ctx.params.expire ?? 0,
        };
        if (ctx.params.comment !== undefined) t.comment = ctx.params.comment;
        u.tokens.push(t);
        const value = randomUUID();
        ctx.sim.auth.setTokenSecret(u.userid, t.tokenid, value);
        return { 'full-tokenid': `${u.userid}!${t.tokenid}`, info: info(t), value };
      },
    }),
    op({
      method: 'PUT',
      path: '/access/users/{userid}/token/{tokenid}',
      name: 'update_token_info',
      description: 'Update API token for a specific user.',
      parameters: {
        ...params,
        ...fields,
        delete: opt(P.str('A list of settings you want to delete.', { format: 'pve-configid-list', maxLength: 4096 })),
        regenerate: opt(P.bool('Regenerate token secret while keeping ACLs and other settings.', { default: 0 })),
      },
      returns: { type: 'object', description: 'Updated token information.' },
      permissions: SELF_OR_USER_MODIFY,
      protected: 1,
      handler: (ctx) => {
        const { u, t } = tokenOr500(ctx);
        for (const k of list(ctx.params.delete)) {
          if (k === 'comment') delete t.comment;
          else if (k === 'expire') t.expire = 0;
          else throw paramError({ delete: `invalid format - cannot delete '${k}'` });
        }
        if (ctx.params.comment !== undefined) t.comment = ctx.params.comment;
        if (ctx.params.expire !== undefined) t.expire = ctx.params.expire;
        if (ctx.params.privsep !== undefined) t.privsep = ctx.params.privsep;
        const out: Item = { ...info(t) };
        if (ctx.params.regenerate) {
          const value = randomUUID();
          ctx.sim.auth.setTokenSecret(u.userid, t.tokenid, value);
          Object.assign(out, { 'full-tokenid': `${u.userid}!${t.tokenid}`, value });
        }
        return out;
      },
    }),
    op({
      method: 'DELETE',
      path: '/access/users/{userid}/token/{tokenid}',
      name: 'remove_token',
      description: 'Remove API token for a specific user.',
      parameters: params,
      returns: returns.null,
      permissions: SELF_OR_USER_MODIFY,
      protected: 1,
      handler: (ctx) => {
        const { u, t } = tokenOr500(ctx);
        u.tokens.splice(u.tokens.indexOf(t), 1);
        ctx.sim.auth.tokenSecrets.delete(`${u.userid}!${t.tokenid}`);
        removeAcl(ctx, (e) => e.type === 'token' && e.ugid === `${u.userid}!${t.tokenid}`);
        return null;
      },
    }),
  ];
}

function removeAcl(ctx: RequestContext, match: (e: { type: string; ugid: string; path: string; roleid: string }) => boolean): void {
  const acl = ctx.sim.state.acl;
  for (let i = acl.length - 1; i >= 0; i--) if (match(acl[i])) acl.splice(i, 1);
}

function groupOperations(): Operation[] {
  const groupOr500 = (ctx: RequestContext<{ readonly groupid: string }>) => {
    const g = ctx.sim.state.groups.get(ctx.params.groupid);
    if (!g) throw new PveError(500, `group '${ctx.params.groupid}' does not exist`);
    return g;
  };
  const members = (ctx: RequestContext, groupid: string) =>
    [...ctx.sim.state.users.values()].filter((u) => u.groups.includes(groupid)).map((u) => u.userid);
  const comment = opt(P.str('A comment.', { maxLength: 2048 }));
  return [
    op({
      method: 'GET',
      path: '/access/groups',
      name: 'index',
      description: 'Group index.',
      returns: returns.array({ groupid: GROUPID }, 'groupid'),
      permissions: {
        description:
          "The returned list is restricted to groups where you have 'User.Modify', 'Sys.Audit'  or 'Group.Allocate' permissions on /access/groups/<group>.",
        user: 'all',
      },
      handler: (ctx) =>
        [...ctx.sim.state.groups.values()]
          .filter((g) => hasAnyPriv(ctx.who, `/access/groups/${g.groupid}`, ['User.Modify', 'Sys.Audit', 'Group.Allocate']))
          .map((g) => ({ ...g, users: members(ctx, g.groupid).join(',') })),
    }),
    op({
      method: 'POST',
      path: '/access/groups',
      name: 'create_group',
      description: 'Create new group.',
      parameters: { groupid: GROUPID, comment },
      returns: returns.null,
      permissions: GROUP_ALLOCATE,
      protected: 1,
      handler: (ctx) => {
        if (ctx.sim.state.groups.has(ctx.params.groupid))
          throw new PveError(500, `create group failed: group '${ctx.params.groupid}' already exists`);
        ctx.sim.state.groups.set(ctx.params.groupid, {
          groupid: ctx.params.groupid,
          ...(ctx.params.comment ? { comment: ctx.params.comment } : {}),
        });
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/access/groups/{groupid}',
      name: 'read_group',
      description: 'Get group configuration.',
      parameters: { groupid: GROUPID },
      returns: { type: 'object', properties: { comment, members: P.arr('Members of the group.', 'userid') } },
      permissions: { check: ['perm', '/access/groups', ['Sys.Audit', 'Group.Allocate'], 'any', 1] },
      handler: (ctx) => {
        const g = groupOr500(ctx);
        return { ...(g.comment ? { comment: g.comment } : {}), members: members(ctx, g.groupid) };
      },
    }),
    op({
      method: 'PUT',
      path: '/access/groups/{groupid}',
      name: 'update_group',
      description: 'Update group data.',
      parameters: { groupid: GROUPID, comment },
      returns: returns.null,
      permissions: GROUP_ALLOCATE,
      protected: 1,
      handler: (ctx) => {
        const g = groupOr500(ctx);
        if (ctx.params.comment !== undefined) g.comment = ctx.params.comment;
        return null;
      },
    }),
    op({
      method: 'DELETE',
      path: '/access/groups/{groupid}',
      name: 'delete_group',
      description: 'Delete group.',
      parameters: { groupid: GROUPID },
      returns: returns.null,
      permissions: GROUP_ALLOCATE,
      protected: 1,
      handler: (ctx) => {
        const g = groupOr500(ctx);
        ctx.sim.state.groups.delete(g.groupid);
        for (const u of ctx.sim.state.users.values()) u.groups = u.groups.filter((x) => x !== g.groupid);
        removeAcl(ctx, (e) => e.type === 'group' && e.ugid === g.groupid);
        return null;
      },
    }),
  ];
}

function roleOperations(): Operation[] {
  const PRIVS = opt(P.str('Privileges of the role (comma separated).', { format: 'pve-priv-list' }));
  const checkPrivs = (v: unknown) => {
    const privs = list(v);
    const bad = privs.find((p) => !ALL_PRIVILEGES.includes(p));
    if (bad) throw paramError({ privs: `invalid format - invalid privilege '${bad}'` });
    return privs;
  };
  const roleOr500 = (ctx: RequestContext<{ readonly roleid: string }>) => {
    const r = ctx.sim.state.roles.get(ctx.params.roleid);
    if (!r) throw new PveError(500, `role '${ctx.params.roleid}' does not exist`);
    return r;
  };
  const builtin = (roleid: string) => roleid in BUILTIN_ROLES;
  return [
    op({
      method: 'GET',
      path: '/access/roles',
      name: 'index',
      description: 'Role index.',
      returns: returns.array({ roleid: ROLEID }, 'roleid'),
      permissions: { user: 'all' },
      handler: (ctx) =>
        [...ctx.sim.state.roles.entries()].map(([roleid, privs]) => ({ roleid, privs: privs.join(','), special: builtin(roleid) ? 1 : 0 })),
    }),
    op({
      method: 'POST',
      path: '/access/roles',
      name: 'create_role',
      description: 'Create new role.',
      parameters: { roleid: ROLEID, privs: PRIVS },
      returns: returns.null,
      permissions: ACCESS_MODIFY,
      protected: 1,
      handler: (ctx) => {
        if (ctx.sim.state.roles.has(ctx.params.roleid))
          throw new PveError(500, `create role failed: role '${ctx.params.roleid}' already exists`);
        if (/^PVE/i.test(ctx.params.roleid))
          throw new PveError(500, `create role failed: cannot use reserved role name '${ctx.params.roleid}'`);
        ctx.sim.state.roles.set(ctx.params.roleid, checkPrivs(ctx.params.privs));
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/access/roles/{roleid}',
      name: 'read_role',
      description: 'Get role configuration.',
      parameters: { roleid: ROLEID },
      returns: { type: 'object', description: 'Map of privileges of the role.' },
      permissions: { user: 'all' },
      handler: (ctx) => Object.fromEntries(roleOr500(ctx).map((p) => [p, 1])),
    }),
    op({
      method: 'PUT',
      path: '/access/roles/{roleid}',
      name: 'update_role',
      description: 'Update an existing role.',
      parameters: {
        roleid: ROLEID,
        privs: PRIVS,
        append: opt(P.bool('Append the privileges to the existing ones.', { requires: 'privs' })),
      },
      returns: returns.null,
      permissions: ACCESS_MODIFY,
      protected: 1,
      handler: (ctx) => {
        const current = roleOr500(ctx);
        if (builtin(ctx.params.roleid)) throw new PveError(500, `update role failed: cannot modify special role '${ctx.params.roleid}'`);
        const privs = checkPrivs(ctx.params.privs);
        ctx.sim.state.roles.set(ctx.params.roleid, ctx.params.append ? [...new Set([...current, ...privs])] : privs);
        return null;
      },
    }),
    op({
      method: 'DELETE',
      path: '/access/roles/{roleid}',
      name: 'delete_role',
      description: 'Delete role.',
      parameters: { roleid: ROLEID },
      returns: returns.null,
      permissions: ACCESS_MODIFY,
      protected: 1,
      handler: (ctx) => {
        roleOr500(ctx);
        if (builtin(ctx.params.roleid)) throw new PveError(500, `cannot delete role '${ctx.params.roleid}': this is a built-in role`);
        ctx.sim.state.roles.delete(ctx.params.roleid);
        removeAcl(ctx, (e) => e.roleid === ctx.params.roleid);
        return null;
      },
    }),
  ];
}

function aclOperations(): Operation[] {
  return [
    op({
      method: 'GET',
      path: '/access/acl',
      name: 'read_acl',
      description: 'Get Access Control List (ACLs).',
      returns: returns.array({
        path: P.str('Access control path'),
        roleid: ROLEID,
        type: P.enum("Type of 'ugid' property.", ['user', 'group', 'token']),
        ugid: P.str('User or Group ID.'),
        propagate: opt(P.bool('Allow to propagate (inherit) permissions.')),
      }),
      permissions: { description: 'The returned list is restricted to objects where you have rights to modify permissions.', user: 'all' },
      handler: (ctx) =>
        ctx.sim.state.acl.filter((e) => hasAnyPriv(ctx.who, e.path, ['Permissions.Modify', 'Sys.Audit'])).map((e) => ({ ...e })),
    }),
    op({
      method: 'PUT',
      path: '/access/acl',
      name: 'update_acl',
      description: 'Update Access Control List (add or remove permissions).',
      parameters: {
        path: P.str('Access control path'),
        roles: P.str('List of roles.', { format: 'pve-roleid-list' }),
        users: opt(P.str('List of users.', { format: 'pve-userid-list' })),
        groups: opt(P.str('List of groups.', { format: 'pve-groupid-list' })),
        tokens: opt(P.str('List of API tokens.', { format: 'pve-tokenid-list' })),
        propagate: opt(P.bool('Allow to propagate (inherit) permissions.', { default: 1 })),
        delete: opt(P.bool('Remove permissions (instead of adding it).')),
      },
      returns: returns.null,
      permissions: { check: ['perm-modify', '{path}'] },
      protected: 1,
      handler: (ctx) => {
        const p = ctx.params;
        const state = ctx.sim.state;
        const path = String(p.path).replace(/\/+$/, '') || '/';
        if (!ACL_PATH.test(path)) throw new PveError(500, `invalid ACL path '${p.path}'`);
        const roles = list(p.roles);
        for (const r of roles) if (!state.roles.has(r)) throw new PveError(500, `role '${r}' does not exist`);
        const subjects: Array<{ type: 'user' | 'group' | 'token'; ugid: string }> = [];
        for (const u of list(p.users)) {
          if (!p.delete && !state.users.has(u)) throw new PveError(500, `user '${u}' does not exist`);
          subjects.push({ type: 'user', ugid: u });
        }
        for (const g of list(p.groups)) {
          if (!p.delete && !state.groups.has(g)) throw new PveError(500, `group '${g}' does not exist`);
          subjects.push({ type: 'group', ugid: g });
        }
        for (const t of list(p.tokens)) {
          const [userid, tokenid] = t.split('!');
          if (!p.delete && !state.users.get(userid)?.tokens.some((x) => x.tokenid === tokenid))
            throw new PveError(500, `no such token '${tokenid}' for user '${userid}'`);
          subjects.push({ type: 'token', ugid: t });
        }
        if (!subjects.length) throw new PveError(400, 'either users, groups or tokens is required');
        for (const s of subjects) {
          for (const roleid of roles) {
            removeAcl(ctx, (e) => e.path === path && e.type === s.type && e.ugid === s.ugid && e.roleid === roleid);
            if (!p.delete) state.acl.push({ path, type: s.type, ugid: s.ugid, roleid, propagate: p.propagate ?? 1 });
          }
        }
        state.log(
          'pve1',
          authId(ctx.who),
          'pvedaemon',
          `${p.delete ? 'remove' : 'add'} ACL on '${path}': ${roles.join(',')} for ${subjects.map((s) => s.ugid).join(',')}`,
        );
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/access/permissions',
      name: 'permissions',
      description: 'Retrieve effective permissions of given user/token.',
      parameters: {
        path: opt(P.str('Only dump this specific path, not the whole tree.')),
        userid: opt(
          P.str('User ID or full API token ID', {
            pattern: '(?:(?:[^\\s:/]+)\\@(?:[A-Za-z][A-Za-z0-9\\.\\-_]+)(?:!(?:[A-Za-z][A-Za-z0-9\\.\\-_]+))?)',
          }),
        ),
      },
      returns: { type: 'object', description: 'Map of "path" => (Map of "privilege" => "propagate boolean").' },
      permissions: {
        description:
          "Each user/token is allowed to dump their own permissions (or that of owned tokens). A user can dump the permissions of another user or their tokens if they have 'Sys.Audit' permission on /access.",
        user: 'all',
      },
      handler: (ctx) => {
        const state = ctx.sim.state;
        let userid = ctx.who.userid;
        let tokenid = ctx.who.tokenid;
        const asked: string | undefined = ctx.params.userid;
        if (asked) {
          [userid, tokenid] = asked.split('!') as [string, string | undefined];
          const self = userid === ctx.who.userid && (!ctx.who.tokenid || tokenid === ctx.who.tokenid);
          if (!self && !hasPriv(ctx.who, '/access', 'Sys.Audit')) throw new PveError(403, 'Permission check failed (/access, Sys.Audit)');
          if (!state.users.has(userid)) throw new PveError(500, `no such user ('${userid}')`);
        }
        const members: string[] = [];
        for (const g of state.guests.values()) if (g.pool) members.push(`/vms/${g.vmid}`);
        for (const p of state.pools.values()) for (const s of p.storage) members.push(`/storage/${s}`);
        const wanted: string | undefined = ctx.params.path;
        const out: Record<string, Record<string, 0 | 1>> = {};
        for (const path of wanted ? [wanted] : permissionPaths(state.aclSource, members)) {
          const privs = effectivePrivs(state.aclSource, userid, tokenid, path);
          if (privs.size || wanted) out[path] = Object.fromEntries([...privs].sort(([a], [b]) => a.localeCompare(b)));
        }
        return out;
      },
    }),
  ];
}

/** Realms: `pam` and `pve` always exist; LDAP/AD/OpenID ones can be added (they sync nothing here). */
function realmOperations(): Operation[] {
  const realmFields = {
    comment: opt(P.str('Description.', { maxLength: 4096 })),
    default: opt(P.bool('Use this as default realm')),
    tfa: opt(P.str('Use Two-factor authentication.', { format: 'pve-tfa-config', maxLength: 128 })),
    server1: opt(P.str('Server IP address (or DNS name)', { format: 'address', maxLength: 256 })),
    server2: opt(P.str('Fallback Server IP address (or DNS name)', { format: 'address', maxLength: 256 })),
    port: opt(P.int('Server port.', { minimum: 1, maximum: 65535 })),
    base_dn: opt(P.str('LDAP base domain name', { maxLength: 256 })),
    user_attr: opt(P.str('LDAP user attribute name', { maxLength: 256 })),
    bind_dn: opt(P.str('LDAP bind domain name', { maxLength: 256 })),
    mode: opt(P.enum('LDAP protocol mode.', ['ldap', 'ldaps', 'ldap+starttls'], { default: 'ldap' })),
    domain: opt(P.str('AD domain name', { maxLength: 256 })),
    'issuer-url': opt(P.str('OpenID Issuer Url', { maxLength: 256 })),
    'client-id': opt(P.str('OpenID Client ID', { maxLength: 256 })),
    'client-key': opt(P.str('OpenID Client Key', { maxLength: 256 })),
    autocreate: opt(P.bool('Automatically create users if they do not exist.', { default: 0 })),
    'case-sensitive': opt(P.bool('username is case-sensitive', { default: 1 })),
  } satisfies Props;
  return [
    ...crudOperations({
      base: '/access/domains',
      key: 'realm',
      keySchema: REALM,
      fields: realmFields,
      createOnly: { type: P.enum('Realm type.', ['ad', 'ldap', 'openid', 'pam', 'pve']) },
      deleteKeys: true,
      digest: true,
      noun: 'authentication domain',
      names: { list: 'index', create: 'create', read: 'read', update: 'update', delete: 'delete' },
      perms: {
        list: {
          description: 'Anyone can access that, because we need that list for the login box (before the user is authenticated).',
          user: 'world',
        },
        create: REALM_ALLOCATE,
        read: { check: ['perm', '/access/realm', ['Realm.Allocate', 'Sys.Audit'], 'any', 1] },
        update: REALM_ALLOCATE,
        delete: REALM_ALLOCATE,
      },
      hooks: {
        validate: (_ctx, item, before) => {
          if (!before && (item.type === 'pam' || item.type === 'pve'))
            throw new PveError(500, `create realm failed: a '${String(item.type)}' realm exists already`);
          if (item.type === 'openid' && (!item['issuer-url'] || !item['client-id']))
            throw paramError({ 'issuer-url': 'OpenID realms need issuer-url and client-id' });
          if ((item.type === 'ldap' || item.type === 'ad') && !item.server1)
            throw paramError({ server1: 'property is missing and it is not optional' });
        },
        deleting: (_ctx, item) => {
          if (item.type === 'pam' || item.type === 'pve') throw new PveError(500, `can't delete the built-in '${String(item.type)}' realm`);
        },
        row: (_ctx, item) => ({
          type: item.type,
          ...(item.comment ? { comment: item.comment } : {}),
          ...(item.tfa ? { tfa: item.tfa } : {}),
          ...(item.default ? { default: 1 } : {}),
        }),
      },
    }),
    op({
      method: 'POST',
      path: '/access/domains/{realm}/sync',
      name: 'sync',
      description:
        "Syncs users and/or groups from the configured LDAP to user.cfg. NOTE: Synced groups will have the name 'name-$realm', so make sure those groups do not overwrite manually created ones.",
      parameters: {
        realm: REALM,
        'dry-run': opt(P.bool('If set, does not write anything.', { default: 0 })),
        'enable-new': opt(P.bool('Enable newly synced users immediately.', { default: 1 })),
        scope: opt(P.enum('Select what to sync.', ['users', 'groups', 'both'])),
        'remove-vanished': opt(
          P.str('A semicolon-separated list of things to remove when they or the user vanishes during a sync.', { maxLength: 128 }),
        ),
      },
      returns: { type: 'string', description: 'Worker UPID.' },
      permissions: {
        check: ['and', ['perm', '/access/realm/{realm}', ['Realm.AllocateUser']], ['perm', '/access/groups', ['User.Modify']]],
        description: "'Realm.AllocateUser' on '/access/realm/<realm>' and  'User.Modify' permissions to '/access/groups/'.",
      },
      protected: 1,
      handler: (ctx) => {
        const realm = ctx.sim.state.collections.get('/access/domains').get(ctx.params.realm);
        if (!realm) throw new PveError(500, `domain '${ctx.params.realm}' does not exist`);
        if (realm.type !== 'ldap' && realm.type !== 'ad') throw new PveError(500, `Cannot sync realm of type '${String(realm.type)}'`);
        return ctx.sim.tasks.start({
          node: 'pve1',
          type: 'auth-realm-sync',
          id: ctx.params.realm,
          who: ctx.who,
          log: [`starting sync for realm ${ctx.params.realm}`],
          effect: () => {
            throw new Error(`could not connect to server '${String(realm.server1)}': Connection refused`);
          },
        });
      },
    }),
    op({
      method: 'GET',
      path: '/access/openid',
      name: 'index',
      description: 'Directory index.',
      returns: returns.array({ subdir: P.str('') }, 'subdir'),
      permissions: { user: 'all' },
      handler: () => index(['auth-url', 'login']),
    }),
    op({
      method: 'POST',
      path: '/access/openid/auth-url',
      name: 'auth_url',
      description: 'Get the OpenId Authorization Url for the specified realm.',
      parameters: {
        realm: REALM,
        'redirect-url': P.str('Redirection Url. The client should set this to the used server url (location.origin).', { maxLength: 255 }),
      },
      returns: { type: 'string', description: 'Redirection URL.' },
      permissions: { user: 'world' },
      protected: 1,
      handler: (ctx) => {
        const realm = ctx.sim.state.collections.get('/access/domains').get(ctx.params.realm);
        if (!realm || realm.type !== 'openid') throw new PveError(500, `realm '${ctx.params.realm}' is not an OpenID realm`);
        const q = new URLSearchParams({
          client_id: String(realm['client-id']),
          redirect_uri: ctx.params['redirect-url'],
          response_type: 'code',
          scope: 'openid email profile',
          state: randomUUID(),
        });
        return `${String(realm['issuer-url']).replace(/\/$/, '')}/authorize?${q}`;
      },
    }),
  ];
}

/** Second factors: entries per user (TOTP, recovery keys, ...), no real verification behind them. */
function tfaOperations(): Operation[] {
  const entryOr500 = (ctx: RequestContext<{ readonly userid: string; readonly id: string }>) => {
    const e = (ctx.sim.state.tfa.get(ctx.params.userid) ?? []).find((x) => x.id === ctx.params.id);
    if (!e) throw new PveError(500, 'no such tfa entry');
    return e;
  };
  const TFA_ID = P.str('A TFA entry id.');
  const PASSWORD = opt(P.str('The current password of the user performing the change.'));
  return [
    op({
      method: 'GET',
      path: '/access/tfa',
      name: 'list_tfa',
      description: 'List TFA configurations of users.',
      returns: returns.array({ userid: P.str('The user this entry belongs to.') }, 'userid'),
      permissions: { description: "Returns all or just the logged-in user's TFA entries, depending on the privileges.", user: 'all' },
      protected: 1,
      handler: (ctx) =>
        [...ctx.sim.state.users.values()]
          .filter((u) => u.userid === ctx.who.userid || mayAuditUser(ctx, u))
          .map((u) => ({ userid: u.userid, entries: (ctx.sim.state.tfa.get(u.userid) ?? []).map((e) => ({ ...e })) })),
    }),
    op({
      method: 'GET',
      path: '/access/tfa/{userid}',
      name: 'list_user_tfa',
      description: 'List TFA configurations of a user.',
      parameters: { userid: USERID },
      returns: returns.array({ id: TFA_ID }, 'id'),
      permissions: SELF_OR_USER_AUDIT,
      protected: 1,
      handler: (ctx) => {
        userOr500(ctx, ctx.params.userid);
        return (ctx.sim.state.tfa.get(ctx.params.userid) ?? []).map((e) => ({ ...e }));
      },
    }),
    op({
      method: 'POST',
      path: '/access/tfa/{userid}',
      name: 'add_tfa_entry',
      description: 'Add a TFA entry for a user.',
      parameters: {
        userid: USERID,
        type: P.enum('TFA Entry Type.', ['totp', 'u2f', 'webauthn', 'recovery', 'yubico']),
        description: opt(P.str('A description to distinguish multiple entries from one another', { maxLength: 255 })),
        totp: opt(P.str('A totp URI.')),
        value: opt(P.str('The current value for the provided totp URI, or a Webauthn/U2F challenge response')),
        password: PASSWORD,
      },
      returns: {
        type: 'object',
        properties: {
          id: TFA_ID,
          recovery: opt(P.arr('When adding recovery codes, this contains the list of codes to be displayed to the user', 'code')),
        },
      },
      permissions: SELF_OR_USER_MODIFY,
      protected: 1,
      handler: (ctx) => {
        const u = userOr500(ctx, ctx.params.userid);
        const p = ctx.params;
        const entries = ctx.sim.state.tfa.get(u.userid) ?? [];
        if (p.type === 'totp') {
          if (!p.totp || !p.value) throw paramError({ totp: 'totp and value are required for a TOTP entry' });
          if (!/^otpauth:\/\/totp\//.test(p.totp)) throw paramError({ totp: 'not a valid otpauth:// TOTP URI' });
          if (!/^\d{6}$/.test(p.value)) throw new PveError(400, 'failed to verify TOTP challenge');
        } else if (p.type === 'recovery') {
          if (entries.some((e) => e.type === 'recovery')) throw new PveError(400, 'user already has recovery keys');
        } else if (p.type !== 'yubico') {
          throw new PveError(400, `${p.type} entries need a browser challenge and cannot be added here`);
        }
        const id = randomUUID();
        entries.push({ id, type: p.type, description: p.description ?? '', created: now(), enable: 1 });
        ctx.sim.state.tfa.set(u.userid, entries);
        if (p.type === 'recovery')
          return { id, recovery: Array.from({ length: 10 }, (_, i) => `${i}${randomUUID().slice(0, 8)}`.slice(0, 9)) };
        return { id };
      },
    }),
    op({
      method: 'GET',
      path: '/access/tfa/{userid}/{id}',
      name: 'get_tfa_entry',
      description: 'Fetch a requested TFA entry if present.',
      parameters: { userid: USERID, id: TFA_ID },
      returns: { type: 'object', properties: { id: TFA_ID } },
      permissions: SELF_OR_USER_AUDIT,
      protected: 1,
      handler: (ctx) => ({ ...entryOr500(ctx) }),
    }),
    op({
      method: 'PUT',
      path: '/access/tfa/{userid}/{id}',
      name: 'update_tfa_entry',
      description: 'Add a TFA entry for a user.',
      parameters: {
        userid: USERID,
        id: TFA_ID,
        description: opt(P.str('A description to distinguish multiple entries from one another', { maxLength: 255 })),
        enable: opt(P.bool('Whether the entry should be enabled for login.')),
        password: PASSWORD,
      },
      returns: returns.null,
      permissions: SELF_OR_USER_MODIFY,
      protected: 1,
      handler: (ctx) => {
        const e = entryOr500(ctx);
        if (ctx.params.description !== undefined) e.description = ctx.params.description;
        if (ctx.params.enable !== undefined) e.enable = ctx.params.enable;
        return null;
      },
    }),
    op({
      method: 'DELETE',
      path: '/access/tfa/{userid}/{id}',
      name: 'delete_tfa',
      description: 'Delete a TFA entry by ID.',
      parameters: { userid: USERID, id: TFA_ID, password: PASSWORD },
      returns: returns.null,
      permissions: SELF_OR_USER_MODIFY,
      protected: 1,
      handler: (ctx) => {
        const e = entryOr500(ctx);
        const entries = ctx.sim.state.tfa.get(ctx.params.userid)!;
        entries.splice(entries.indexOf(e), 1);
        return null;
      },
    }),
  ];
}

export function accessOperations(): Operation[] {
  return [
    op({
      method: 'GET',
      path: '/access',
      name: 'index',
      description: 'Directory index.',
      returns: returns.array({ subdir: P.str('') }, 'subdir'),
      permissions: { description: 'All users can access this.', user: 'all' },
      handler: () => index(['users', 'groups', 'roles', 'acl', 'domains', 'openid', 'tfa', 'ticket', 'password', 'permissions']),
    }),
    op({
      method: 'GET',
      path: '/access/ticket',
      name: 'get_ticket',
      description: 'Dummy. Useful for formatters which want to provide a login page.',
      returns: { type: 'null' },
      permissions: { user: 'world' },
      handler: () => null,
    }),
    op({
      method: 'POST',
      path: '/access/ticket',
      name: 'create_ticket',
      description: 'Create or verify authentication ticket.',
      parameters: {
        username: P.str('User name', { maxLength: 64 }),
        password: P.str('The secret password. This can also be a valid ticket.'),
        realm: opt(
          P.str(
            'You can optionally pass the realm using this parameter. Normally the realm is simply added to the username <username>@<realm>.',
            { format: 'pve-realm', maxLength: 32 },
          ),
        ),
        otp: opt(P.str('One-time password for Two-factor authentication.')),
        path: opt(P.str("Verify ticket, and check if user have access 'privs' on 'path'", { maxLength: 64 })),
        privs: opt(
          P.str("Verify ticket, and check if user have access 'privs' on 'path'", {
            format: 'pve-priv-list',
            maxLength: 64,
            requires: 'path',
          }),
        ),
        'new-format': opt(P.bool('This parameter is now ignored and assumed to be 1.', { default: 1 })),
        'tfa-challenge': opt(P.str('The signed TFA challenge string the user wants to respond to.')),
      },
      returns: {
        type: 'object',
        properties: {
          username: { type: 'string' },
          ticket: { type: 'string', optional: 1 },
          CSRFPreventionToken: { type: 'string', optional: 1 },
          clustername: { type: 'string', optional: 1 },
        },
      },
      permissions: { description: 'You need to pass valid credientials.', user: 'world' },
      protected: 1,
      handler: (ctx) => {
        const auth = ctx.sim.auth;
        const userid = auth.login(ctx.params.username, ctx.params.password, ctx.params.realm);
        const who = auth.identity(userid);
        const { path, privs } = ctx.params;
        if (path !== undefined && privs !== undefined) {
          const missing = list(privs).find((p) => !hasPriv(who, path, p));
          if (missing) throw new PveError(401, 'authentication failure');
        }
        const { ticket, csrf } = auth.issueTicket(userid);
        return { username: userid, ticket, CSRFPreventionToken: csrf, cap: capabilities(who), clustername: ctx.sim.state.clusterName };
      },
    }),
    ...userOperations(),
    ...tokenOperations(),
    ...groupOperations(),
    ...roleOperations(),
    ...aclOperations(),
    ...realmOperations(),
    ...tfaOperations(),
    ...poolOperations(),
  ];
}

import { capabilities, hasPriv } from '../access.js';
import { PveError } from '../errors.js';
import { P, opt } from '../params.js';
import { op, type Operation } from '../schema.js';
import { apiStatus } from './common.js';

export function accessOperations(): Operation[] {
  return [
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
        realm: opt(P.str('You can optionally pass the realm using this parameter. Normally the realm is simply added to the username <username>@<realm>.', { format: 'pve-realm', maxLength: 32 })),
        otp: opt(P.str('One-time password for Two-factor authentication.')),
        path: opt(P.str('Verify ticket, and check if user have access \'privs\' on \'path\'', { maxLength: 64 })),
        privs: opt(P.str('Verify ticket, and check if user have access \'privs\' on \'path\'', { format: 'pve-priv-list', maxLength: 64, requires: 'path' })),
        'new-format': opt(P.bool('This parameter is now ignored and assumed to be 1.', { default: 1 })),
        'tfa-challenge': opt(P.str('The signed TFA challenge string the user wants to respond to.')),
      },
      returns: { type: 'object', properties: { username: { type: 'string' }, ticket: { type: 'string', optional: 1 }, CSRFPreventionToken: { type: 'string', optional: 1 }, clustername: { type: 'string', optional: 1 } } },
      permissions: { description: 'You need to pass valid credientials.', user: 'world' },
      protected: 1,
      handler: (ctx) => {
        const auth = ctx.sim.auth;
        const userid = auth.login(ctx.params.username, ctx.params.password, ctx.params.realm);
        const { ticket, csrf } = auth.issueTicket(userid);
        return { username: userid, ticket, CSRFPreventionToken: csrf, cap: capabilities(auth.identity(userid)), clustername: ctx.sim.state.clusterName };
      },
    }),
    op({
      method: 'GET',
      path: '/access/users',
      name: 'index',
      description: 'User index.',
      parameters: {
        enabled: opt(P.bool('Optional filter for enable property.')),
        full: opt(P.bool('Include group and token information.', { default: 0 })),
      },
      returns: { type: 'array', items: { type: 'object', properties: { userid: { type: 'string', format: 'pve-userid' } } }, links: [{ rel: 'child', href: '{userid}' }] },
      permissions: { description: "The returned list is restricted to users where you have 'User.Modify' or 'Sys.Audit' permissions on '/access/groups' or on a group the user belongs too. But it always includes the current (authenticated) user.", user: 'all' },
      protected: 1,
      handler: (ctx) => {
        const all = hasPriv(ctx.who, 'User.Modify') || hasPriv(ctx.who, 'Sys.Audit');
        return [...ctx.sim.state.users.values()]
          .filter((u) => all || u.userid === ctx.who.userid)
          .filter((u) => ctx.params.enabled === undefined || u.enable === ctx.params.enabled)
          .map((u) => {
            const row: Record<string, unknown> = { userid: u.userid, enable: u.enable, expire: u.expire, 'realm-type': u.userid.split('@')[1] };
            for (const k of ['firstname', 'lastname', 'email', 'comment'] as const) if (u[k]) row[k] = u[k];
            if (ctx.params.full) {
              row.groups = u.groups.join(',');
              row.tokens = u.tokens.map((t) => ({ ...t }));
            }
            return row;
          });
      },
    }),
    op({
      method: 'GET',
      path: '/access/users/{userid}/token',
      name: 'token_index',
      description: 'Get user API tokens.',
      parameters: { userid: P.str('Full User ID, in the `name@realm` format.', { format: 'pve-userid', maxLength: 64 }) },
      returns: { type: 'array', items: { type: 'object', properties: { tokenid: { type: 'string', format: 'pve-tokenid' } } }, links: [{ rel: 'child', href: '{tokenid}' }] },
      permissions: { check: ['or', ['userid-param', 'self'], ['perm', '/access/users/{userid}', ['User.Modify']]] },
      handler: (ctx) => {
        const user = ctx.sim.state.users.get(ctx.params.userid);
        if (!user) throw new PveError(500, `no such user ('${ctx.params.userid}')`);
        if (user.userid !== ctx.who.userid && !hasPriv(ctx.who, 'User.Modify') && !hasPriv(ctx.who, 'Sys.Audit')) {
          throw new PveError(403, `Permission check failed (/access/users/${user.userid}, User.Modify)`);
        }
        return user.tokens.map((t) => ({ ...t }));
      },
    }),
    op({
      method: 'GET',
      path: '/access/groups',
      name: 'index',
      description: 'Group index.',
      returns: { type: 'array', items: { type: 'object', properties: { groupid: { type: 'string', format: 'pve-groupid' } } }, links: [{ rel: 'child', href: '{groupid}' }] },
      permissions: { description: "The returned list is restricted to groups where you have 'User.Modify', 'Sys.Audit'  or 'Group.Allocate' permissions on /access/groups/<group>.", user: 'all' },
      handler: (ctx) => {
        if (!['User.Modify', 'Sys.Audit', 'Group.Allocate'].some((p) => hasPriv(ctx.who, p))) return [];
        return [...ctx.sim.state.groups.values()].map((g) => ({
          ...g,
          users: [...ctx.sim.state.users.values()].filter((u) => u.groups.includes(g.groupid)).map((u) => u.userid).join(','),
        }));
      },
    }),
    op({
      method: 'GET',
      path: '/access/roles',
      name: 'index',
      description: 'Role index.',
      returns: { type: 'array', items: { type: 'object', properties: { roleid: { type: 'string' } } }, links: [{ rel: 'child', href: '{roleid}' }] },
      permissions: { user: 'all' },
      handler: (ctx) => [...ctx.sim.state.roles.entries()].map(([roleid, privs]) => ({ roleid, privs: privs.join(','), special: 1 })),
    }),
    op({
      method: 'GET',
      path: '/access/acl',
      name: 'read_acl',
      description: 'Get Access Control List (ACLs).',
      returns: { type: 'array', items: { type: 'object', properties: { path: { type: 'string', description: 'Access control path' }, roleid: { type: 'string' }, type: { type: 'string', enum: ['user', 'group', 'token'] }, ugid: { type: 'string' } } } },
      permissions: { description: 'The returned list is restricted to objects where you have rights to modify permissions.', user: 'all' },
      handler: (ctx) => (hasPriv(ctx.who, 'Permissions.Modify') || hasPriv(ctx.who, 'Sys.Audit') ? ctx.sim.state.acl.map((e) => ({ ...e })) : []),
    }),
    op({
      method: 'GET',
      path: '/access/permissions',
      name: 'permissions',
      description: 'Retrieve effective permissions of given user/token.',
      parameters: {
        path: opt(P.str('Only dump this specific path, not the whole tree.')),
        userid: opt(P.str('User ID or full API token ID')),
      },
      returns: { type: 'object', description: 'Map of "path" => (Map of "privilege" => "propagate boolean").' },
      permissions: { description: "Each user/token is allowed to dump their own permissions (or that of owned tokens). A user can dump the permissions of another user or their tokens if they have 'Sys.Audit' permission on /access.", user: 'all' },
      handler: (ctx) => {
        let who = ctx.who;
        const asked: string | undefined = ctx.params.userid;
        if (asked) {
          const [userid, tokenid] = asked.split('!');
          const self = userid === ctx.who.userid && (!ctx.who.tokenid || tokenid === ctx.who.tokenid);
          if (!self && !hasPriv(ctx.who, 'Sys.Audit')) throw new PveError(403, 'Permission check failed (/access, Sys.Audit)');
          if (!ctx.sim.state.users.has(userid)) throw new PveError(500, `no such user ('${userid}')`);
          who = ctx.sim.auth.identity(userid, tokenid);
        }
        const privs = Object.fromEntries([...who.privs].sort().map((p) => [p, 1]));
        const paths = ['/', '/access', '/nodes', '/storage', '/vms', '/pool', '/sdn', '/mapping'];
        const wanted: string | undefined = ctx.params.path;
        return Object.fromEntries((wanted ? [wanted] : paths).map((p) => [p, privs]));
      },
    }),
    op({
      method: 'GET',
      path: '/pools',
      name: 'index',
      description: 'List pools or get pool configuration.',
      parameters: {
        poolid: opt(P.str('', { format: 'pve-poolid' })),
        type: opt(P.enum('', ['qemu', 'lxc', 'storage'], { requires: 'poolid' })),
      },
      returns: { type: 'array', items: { type: 'object', properties: { poolid: { type: 'string' } } }, links: [{ rel: 'child', href: '{poolid}' }] },
      permissions: { description: 'List all pools where you have Pool.Audit permissions on /pool/<pool>, or the pool specific with {poolid}', user: 'all' },
      handler: (ctx) => {
        if (!hasPriv(ctx.who, 'Pool.Audit')) return [];
        const state = ctx.sim.state;
        const pools = [...state.pools.values()].filter((p) => !ctx.params.poolid || p.poolid === ctx.params.poolid);
        if (ctx.params.poolid && !pools.length) throw new PveError(500, `pool '${ctx.params.poolid}' does not exist`);
        return pools.map((p) => {
          const row: Record<string, unknown> = { poolid: p.poolid };
          if (p.comment) row.comment = p.comment;
          if (ctx.params.poolid) {
            const members: unknown[] = [];
            for (const g of state.guests.values()) {
              if (g.pool !== p.poolid || (ctx.params.type && ctx.params.type !== g.type)) continue;
              members.push({ id: `${g.type}/${g.vmid}`, type: g.type, vmid: g.vmid, node: g.node, name: state.guestName(g), status: apiStatus(g) });
            }
            if (!ctx.params.type || ctx.params.type === 'storage') {
              for (const s of p.storage) for (const n of state.nodes) members.push({ id: `storage/${n.node}/${s}`, type: 'storage', storage: s, node: n.node });
            }
            row.members = members;
          }
          return row;
        });
      },
    }),
  ];
}

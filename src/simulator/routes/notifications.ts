import type { RequestContext } from '../context.js';
import { crudOperations, type Item } from '../crud.js';
import { PveError, paramError } from '../errors.js';
import { P, opt, type Props } from '../params.js';
import { op, returns, type Operation } from '../schema.js';
import { index } from './common.js';

const NAME = P.str('The name of the endpoint.', { format: 'pve-configid' });
const MODIFY = ['perm', '/mapping/notifications', ['Mapping.Modify']];
const AUDIT = ['perm', '/mapping/notifications', ['Mapping.Audit']];
const USE = ['perm', '/mapping/notifications', ['Mapping.Use']];
const NETWORK_WRITE = { check: ['and', MODIFY, ['or', ['perm', '/', ['Sys.Audit', 'Sys.Modify']], ['perm', '/', ['Sys.AccessNetwork']]]] };
const READ = { check: ['or', MODIFY, AUDIT] };
const READ_OR_USE = { check: ['or', MODIFY, AUDIT, USE] };

const ENDPOINT_TYPES = ['sendmail', 'gotify', 'smtp', 'webhook'] as const;
type EndpointType = (typeof ENDPOINT_TYPES)[number];

const common = {
  comment: opt(P.str('Comment', { maxLength: 256 })),
  disable: opt(P.bool('Disable this target', { default: 0 })),
} satisfies Props;
const mail = {
  mailto: opt(P.arr('List of email recipients', 'email')),
  'mailto-user': opt(P.arr('List of users', 'userid')),
  author: opt(P.str("Author of the mail. Defaults to 'Proxmox VE'.")),
} satisfies Props;

const CREATE_FIELDS: Record<EndpointType, Props> = {
  sendmail: { ...common, ...mail, 'from-address': opt(P.str('`From` address for the mail')) },
  gotify: { ...common, server: P.str('Server URL'), token: P.str('Secret token') },
  smtp: {
    ...common,
    ...mail,
    'from-address': P.str('`From` address for the mail'),
    server: P.str('The address of the SMTP server.'),
    port: opt(
      P.int(
        'The port to be used. Defaults to 465 for TLS based connections, 587 for STARTTLS based connections and port 25 for insecure plain-text connections.',
        { minimum: 1, maximum: 65535 },
      ),
    ),
    mode: opt(
      P.enum('Determine which encryption method shall be used for the connection.', ['insecure', 'starttls', 'tls'], { default: 'tls' }),
    ),
    username: opt(P.str('Username for SMTP authentication')),
    password: opt(P.str('Password for SMTP authentication')),
  },
  webhook: {
    ...common,
    url: P.str('Server URL'),
    method: P.enum('HTTP method', ['post', 'put', 'get']),
    body: opt(P.str('HTTP body, base64 encoded')),
    header: opt(
      P.arr(
        'HTTP headers to set. These have to be formatted as a property string in the format name=<name>,value=<base64 of value>',
        'header',
      ),
    ),
    secret: opt(
      P.arr('Secrets to set. These have to be formatted as a property string in the format name=<name>,value=<base64 of value>', 'secret'),
    ),
  },
};

/** Secrets never come back from the API (PVE answers without them). */
const SECRET_FIELDS = new Set(['token', 'password', 'secret']);

function allTargets(ctx: RequestContext): Array<{ name: string; type: string; item: Item }> {
  const out: Array<{ name: string; type: string; item: Item }> = [];
  for (const type of ENDPOINT_TYPES)
    for (const [name, item] of ctx.sim.collections.get(`/cluster/notifications/endpoints/${type}`)) out.push({ name, type, item });
  return out;
}

function endpointFamily(type: EndpointType): Operation[] {
  const readPerm = type === 'gotify' || type === 'webhook' ? { check: AUDIT } : READ;
  return crudOperations({
    base: `/cluster/notifications/endpoints/${type}`,
    key: 'name',
    keySchema: NAME,
    fields: CREATE_FIELDS[type],
    deleteKeys: 'array',
    digest: true,
    noun: `${type} endpoint`,
    names: {
      list: `get_${type}_endpoints`,
      create: `create_${type}_endpoint`,
      read: `get_${type}_endpoint`,
      update: `update_${type}_endpoint`,
      delete: `delete_${type}_endpoint`,
    },
    perms: { list: readPerm, create: NETWORK_WRITE, read: READ, update: NETWORK_WRITE, delete: { check: MODIFY } },
    protect: { list: true, read: true },
    hooks: {
      validate: (ctx, item, before, id) => {
        if (!before && allTargets(ctx).some((t) => t.name === id)) throw new PveError(400, `target '${id}' already exists`);
        if (
          type === 'sendmail' &&
          !(item.mailto as unknown[] | undefined)?.length &&
          !(item['mailto-user'] as unknown[] | undefined)?.length
        ) {
          throw paramError({ mailto: 'at least one recipient (mailto or mailto-user) is needed' });
        }
        if ((type === 'gotify' || type === 'webhook') && !/^https?:\/\//.test(String(item.server ?? item.url)))
          throw paramError({ [type === 'gotify' ? 'server' : 'url']: 'must be an http(s) URL' });
      },
      deleting: (ctx, _item, id) => {
        const users = [...ctx.sim.collections.get('/cluster/notifications/matchers')].filter(([, m]) =>
          ((m.target as string[] | undefined) ?? []).includes(id),
        );
        if (users.length) throw new PveError(400, `cannot delete '${id}', referenced by matcher '${users[0][0]}'`);
      },
      row: (_ctx, item) => Object.fromEntries(Object.entries(item).filter(([k]) => !SECRET_FIELDS.has(k))),
      read: (_ctx, item, id) => ({ name: id, ...Object.fromEntries(Object.entries(item).filter(([k]) => !SECRET_FIELDS.has(k))) }),
    },
  });
}

export function notificationOperations(): Operation[] {
  const matcherFields = {
    comment: opt(P.str('Comment', { maxLength: 256 })),
    disable: opt(P.bool('Disable this matcher', { default: 0 })),
    'invert-match': opt(P.bool('Invert match of the whole matcher')),
    'match-calendar': opt(P.arr('Match notification timestamp', 'calendar event')),
    'match-field': opt(
      P.arr('Metadata fields to match (regex or exact match). Must be in the form (regex|exact):<field>=<value>', 'field matcher'),
    ),
    'match-severity': opt(P.arr('Notification severities to match', 'severity')),
    mode: opt(P.enum("Choose between 'all' and 'any' for when multiple properties are specified", ['all', 'any'], { default: 'all' })),
    target: opt(P.arr('Targets to notify on match', 'target name')),
  } satisfies Props;
  return [
    op({
      method: 'GET',
      path: '/cluster/notifications',
      name: 'index',
      description: 'Index for notification-related API endpoints.',
      returns: returns.array({}),
      permissions: { user: 'all' },
      handler: () => index(['endpoints', 'matchers', 'targets', 'matcher-fields', 'matcher-field-values'], 'name'),
    }),
    op({
      method: 'GET',
      path: '/cluster/notifications/endpoints',
      name: 'endpoints_index',
      description: 'Index for all available endpoint types.',
      returns: returns.array({}),
      permissions: { user: 'all' },
      handler: () => index([...ENDPOINT_TYPES], 'name'),
    }),
    ...ENDPOINT_TYPES.flatMap(endpointFamily),
    ...crudOperations({
      base: '/cluster/notifications/matchers',
      key: 'name',
      keySchema: P.str('Name of the matcher.', { format: 'pve-configid' }),
      fields: matcherFields,
      deleteKeys: 'array',
      digest: true,
      noun: 'matcher',
      names: { list: 'get_matchers', create: 'create_matcher', read: 'get_matcher', update: 'update_matcher', delete: 'delete_matcher' },
      perms: { list: READ_OR_USE, create: { check: MODIFY }, read: READ, update: { check: MODIFY }, delete: { check: MODIFY } },
      protect: { list: true, read: true },
      hooks: {
        validate: (ctx, item) => {
          const known = new Set(allTargets(ctx).map((t) => t.name));
          for (const t of (item.target as string[] | undefined) ?? [])
            if (!known.has(t)) throw paramError({ target: `target '${t}' does not exist` });
          for (const sev of (item['match-severity'] as string[] | undefined) ?? []) {
            for (const s of sev.split(','))
              if (!['info', 'notice', 'warning', 'error', 'unknown'].includes(s))
                throw paramError({ 'match-severity': `unknown severity '${s}'` });
          }
          for (const f of (item['match-field'] as string[] | undefined) ?? [])
            if (!/^(regex|exact):[\w-]+=.+$/.test(f)) throw paramError({ 'match-field': `invalid field matcher '${f}'` });
        },
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/notifications/targets',
      name: 'get_all_targets',
      description: 'Returns a list of all entities that can be used as notification targets.',
      returns: returns.array({ name: NAME, type: P.enum('Type of the target.', [...ENDPOINT_TYPES]) }, 'name'),
      permissions: READ_OR_USE,
      protected: 1,
      handler: (ctx) =>
        allTargets(ctx).map((t) => ({
          name: t.name,
          type: t.type,
          disable: t.item.disable ?? 0,
          origin: t.item.origin ?? 'user-created',
          ...(t.item.comment ? { comment: t.item.comment } : {}),
        })),
    }),
    op({
      method: 'POST',
      path: '/cluster/notifications/targets/{name}/test',
      name: 'test_target',
      description: 'Send a test notification to a provided target.',
      parameters: { name: P.str('Name of the target.', { format: 'pve-configid' }) },
      returns: returns.null,
      permissions: READ_OR_USE,
      protected: 1,
      handler: (ctx) => {
        const t = allTargets(ctx).find((x) => x.name === ctx.params.name);
        if (!t) throw new PveError(404, `could not notify via target '${ctx.params.name}': target does not exist`);
        if (t.type === 'sendmail') return null;
        const host = String(t.item.server ?? t.item.url ?? '');
        throw new PveError(
          500,
          `could not notify via target \`${t.name}\`: could not notify via endpoint(s): ${t.name}: HTTP request to ${host} failed: Connection refused`,
        );
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/notifications/matcher-fields',
      name: 'get_matcher_fields',
      description: 'Returns known notification metadata fields',
      returns: returns.array({ name: P.str('Name of the field.') }),
      permissions: READ,
      handler: () => ['type', 'hostname', 'job-id'].map((name) => ({ name })),
    }),
    op({
      method: 'GET',
      path: '/cluster/notifications/matcher-field-values',
      name: 'get_matcher_field_values',
      description: 'Returns known notification metadata fields and their known values',
      returns: returns.array({
        field: P.str('Field this value belongs to.'),
        value: P.str('Notification metadata value known by the system.'),
      }),
      permissions: READ,
      protected: 1,
      handler: (ctx) => [
        ...['package-updates', 'vzdump', 'replication', 'fencing', 'system-mail'].map((value) => ({ field: 'type', value })),
        ...ctx.sim.state.nodes.map((n) => ({ field: 'hostname', value: n.node })),
        ...[...ctx.sim.collections.get('/cluster/backup').keys()].map((value) => ({ field: 'job-id', value })),
      ],
    }),
  ];
}

/** What a fresh PVE has: mail to root and the default matcher sending everything there. */
export function seedNotifications(get: (scope: string) => Map<string, Item>): void {
  get('/cluster/notifications/endpoints/sendmail').set('mail-to-root', {
    'mailto-user': ['root@pam'],
    comment: "Send mails to root@pam's email address",
    origin: 'builtin',
  });
  get('/cluster/notifications/endpoints/gotify').set('ops-gotify', {
    server: 'https://gotify.simlab.example',
    token: 'not-a-real-token',
    comment: 'ops phone alerts',
  });
  get('/cluster/notifications/matchers').set('default-matcher', {
    target: ['mail-to-root'],
    comment: 'Route all notifications to mail-to-root',
    origin: 'builtin',
  });
  get('/cluster/notifications/matchers').set('backup-failures', {
    'match-field': ['exact:type=vzdump'],
    'match-severity': ['error'],
    target: ['ops-gotify'],
    mode: 'all',
  });
}

import { createHash } from 'node:crypto';
import type { RequestContext } from '../context.js';
import { PveError, paramError } from '../errors.js';
import { P, opt, type Of, type PropSchema, scalarsOf } from '../params.js';
import { op, returns, taskOp, type Operation } from '../schema.js';
import { parsePropertyString } from '../state.js';
import { now } from './common.js';

const LE = 'https://acme-v02.api.letsencrypt.org/directory';
const LE_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';
const DIRECTORIES = [
  { name: "Let's Encrypt V2", url: LE },
  { name: "Let's Encrypt V2 Staging", url: LE_STAGING },
];
const TOS = 'https://letsencrypt.org/documents/LE-SA-v1.5-February-24-2025.pdf';

const DIRECTORY = opt({ type: 'string', pattern: '^https?://.*', default: LE, description: 'URL of ACME CA directory endpoint.' });
const ACCOUNT_NAME = opt({
  type: 'string',
  format: 'pve-configid',
  default: 'default',
  typetext: '<name>',
  description: 'ACME account config file name.',
}) satisfies PropSchema;
const PLUGIN_ID = (description: string): Of<'string'> => ({ type: 'string', format: 'pve-configid', typetext: '<string>', description });
const PLUGIN_OPTS = {
  api: opt(P.str('API plugin name')),
  data: opt(P.str('DNS plugin data. (base64 encoded)')),
  disable: opt(P.bool('Flag to disable the config.')),
  nodes: opt(P.str('List of cluster node names.', { format: 'pve-node-list' })),
  'validation-delay': opt(
    P.int('Extra delay in seconds to wait before requesting validation. Allows to cope with a long TTL of DNS records.', {
      minimum: 0,
      maximum: 172800,
      default: 30,
    }),
  ),
};
const SYS_MODIFY = { check: ['perm', '/', ['Sys.Modify']] };
const NODE_MODIFY = { check: ['perm', '/nodes/{node}', ['Sys.Modify']] };
/** Operations PVE declares without permissions: only root@pam (and its tokens) may call them. */
const ROOT_ONLY = { description: 'Only root@pam may use this.' };

function rootOnly(ctx: RequestContext): void {
  if (ctx.who.userid !== 'root@pam') throw new PveError(403, 'Permission check failed (user != root@pam)');
}

function meta(directory: string): Record<string, unknown> {
  if (directory === LE)
    return {
      termsOfService: TOS,
      website: 'https://letsencrypt.org',
      caaIdentities: ['letsencrypt.org'],
      profiles: {
        classic: 'https://letsencrypt.org/docs/profiles#classic',
        shortlived: 'https://letsencrypt.org/docs/profiles#shortlived',
        tlsserver: 'https://letsencrypt.org/docs/profiles#tlsserver',
      },
    };
  if (directory === LE_STAGING)
    return {
      termsOfService: TOS,
      website: 'https://letsencrypt.org/docs/staging-environment/',
      caaIdentities: ['letsencrypt.org'],
      profiles: {
        classic: 'https://letsencrypt.org/docs/profiles#classic',
        shortlived: 'https://letsencrypt.org/docs/profiles#shortlived',
        tlsserver: 'https://letsencrypt.org/docs/profiles#tlsserver',
      },
    };
  throw new PveError(500, `Failed to load ACME directory '${directory}': 404 Not Found\n`);
}

function accountOr400(ctx: RequestContext, name: string) {
  const acc = ctx.sim.state.acme.accounts.get(name);
  if (!acc) throw paramError({ name: `ACME account config file '${name}' does not exist.` });
  return acc;
}

function pluginDigest(ctx: RequestContext): string {
  return createHash('sha1')
    .update(JSON.stringify([...ctx.sim.state.acme.plugins]))
    .digest('hex');
}

function pluginRow(ctx: RequestContext, id: string, p: Record<string, unknown>): Record<string, unknown> {
  return { plugin: id, ...p, digest: pluginDigest(ctx) };
}

/** The domains and account of a node's ACME config (`acme`, `acmedomain0..5`). */
function nodeAcme(ctx: RequestContext<{ readonly node: string }>): { account: string; domains: Array<{ domain: string; plugin: string }> } {
  const cfg = ctx.sim.state.nodeConfigs.get(ctx.params.node) ?? {};
  const acme = parsePropertyString(String(cfg.acme ?? ''), 'account');
  const domains: Array<{ domain: string; plugin: string }> = [];
  for (const d of (acme.domains ?? '').split(';').filter(Boolean)) domains.push({ domain: d, plugin: 'standalone' });
  for (let i = 0; i < 6; i++) {
    const v = cfg[`acmedomain${i}`];
    if (v === undefined) continue;
    const parsed = parsePropertyString(String(v), 'domain');
    domains.push({ domain: parsed.domain, plugin: parsed.plugin ?? 'standalone' });
  }
  return { account: acme.account ?? 'default', domains };
}

export function acmeOperations(): Operation[] {
  return [
    op({
      method: 'GET',
      path: '/cluster/acme',
      name: 'index',
      description: 'ACMEAccount index.',
      returns: { type: 'array', items: { type: 'object', properties: {} }, links: [{ rel: 'child', href: '{name}' }] },
      permissions: { user: 'all' },
      handler: () => [
        { name: 'account' },
        { name: 'tos' },
        { name: 'meta' },
        { name: 'directories' },
        { name: 'plugins' },
        { name: 'challenge-schema' },
      ],
    }),
    op({
      method: 'GET',
      path: '/cluster/acme/directories',
      name: 'get_directories',
      description: 'Get named known ACME directory endpoints.',
      returns: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: 0,
          properties: {
            name: { type: 'string' },
            url: { type: 'string', pattern: '^https?://.*', description: 'URL of ACME CA directory endpoint.' },
          },
        },
      },
      permissions: { user: 'all' },
      handler: () => DIRECTORIES.map((d) => ({ ...d })),
    }),
    op({
      method: 'GET',
      path: '/cluster/acme/meta',
      name: 'get_meta',
      description: 'Retrieve ACME Directory Meta Information',
      parameters: { directory: DIRECTORY },
      returns: {
        type: 'object',
        additionalProperties: 1,
        properties: {
          termsOfService: opt(P.str('ACME TermsOfService URL.')),
          website: opt(P.str('URL to more information about the ACME server.')),
          caaIdentities: opt({ type: 'array', items: { type: 'string' }, description: 'Hostnames referring to the ACME servers.' }),
        },
      },
      permissions: { check: ['perm', '/nodes/{node}', ['Sys.Audit']] },
      handler: (ctx) => meta(ctx.params.directory ?? LE),
    }),
    op({
      method: 'GET',
      path: '/cluster/acme/tos',
      name: 'get_tos',
      description: 'Retrieve ACME TermsOfService URL from CA. Deprecated, please use /cluster/acme/meta.',
      parameters: { directory: DIRECTORY },
      returns: { type: 'string', optional: 1, description: 'ACME TermsOfService URL.' },
      permissions: { user: 'all' },
      handler: (ctx) => meta(ctx.params.directory ?? LE).termsOfService,
    }),
    op({
      method: 'GET',
      path: '/cluster/acme/account',
      name: 'account_index',
      description: 'ACMEAccount index.',
      returns: { type: 'array', items: { type: 'object', properties: {} }, links: [{ rel: 'child', href: '{name}' }] },
      permissions: { user: 'all' },
      protected: 1,
      handler: (ctx) => [...ctx.sim.state.acme.accounts.keys()].sort().map((name) => ({ name })),
    }),
    op({
      method: 'POST',
      path: '/cluster/acme/account',
      name: 'register_account',
      description: 'Register a new ACME account with CA.',
      parameters: {
        contact: P.str('Contact email addresses.', { format: 'email-list' }),
        directory: DIRECTORY,
        'eab-hmac-key': opt(P.str('HMAC key for External Account Binding.', { requires: 'eab-kid' })),
        'eab-kid': opt(P.str('Key Identifier for External Account Binding.', { requires: 'eab-hmac-key' })),
        name: ACCOUNT_NAME,
        tos_url: opt(P.str('URL of CA TermsOfService - setting this indicates agreement.')),
      },
      returns: { type: 'string' },
      permissions: ROOT_ONLY,
      protected: 1,
      handler: (ctx) => {
        rootOnly(ctx);
        const name: string = ctx.params.name ?? 'default';
        const accounts = ctx.sim.state.acme.accounts;
        if (accounts.has(name)) throw paramError({ name: `ACME account config file '${name}' already exists.` });
        const directory: string = ctx.params.directory ?? LE;
        const m = meta(directory);
        const contact = String(ctx.params.contact)
          .split(/[,;\s]+/)
          .filter(Boolean);
        return ctx.sim.tasks.start({
          node: ctx.sim.state.nodes[0].node,
          type: 'acmeregister',
          id: '',
          who: ctx.who,
          log: ['Registering new ACME account..'],
          effect: () => {
            if (accounts.has(name)) throw new Error(`ACME account config file '${name}' already exists.`);
            const id = 100000000 + accounts.size;
            accounts.set(name, {
              directory,
              contact,
              tos: ctx.params.tos_url ?? (m.termsOfService as string),
              location: directory.replace(/\/directory$/, `/acme/acct/${id}`),
              createdAt: new Date().toISOString(),
            });
            return [`Registration successful, account URL: '${accounts.get(name)!.location}'`];
          },
        });
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/acme/account/{name}',
      name: 'get_account',
      description: 'Return existing ACME account information.',
      parameters: { name: ACCOUNT_NAME },
      returns: {
        type: 'object',
        additionalProperties: 0,
        properties: {
          account: opt({ type: 'object' }),
          directory: opt(P.str('URL of ACME CA directory endpoint.')),
          location: opt(P.str('')),
          tos: opt(P.str('')),
        },
      },
      permissions: ROOT_ONLY,
      protected: 1,
      handler: (ctx) => {
        rootOnly(ctx);
        const acc = accountOr400(ctx, ctx.params.name ?? 'default');
        return {
          account: { status: 'valid', contact: acc.contact.map((c) => `mailto:${c}`), createdAt: acc.createdAt },
          directory: acc.directory,
          location: acc.location,
          tos: acc.tos,
        };
      },
    }),
    op({
      method: 'DELETE',
      path: '/cluster/acme/account/{name}',
      name: 'deactivate_account',
      description: 'Deactivate existing ACME account at CA.',
      parameters: { name: ACCOUNT_NAME },
      returns: { type: 'string' },
      permissions: ROOT_ONLY,
      protected: 1,
      handler: (ctx) => {
        rootOnly(ctx);
        const name: string = ctx.params.name ?? 'default';
        accountOr400(ctx, name);
        return ctx.sim.tasks.start({
          node: ctx.sim.state.nodes[0].node,
          type: 'acmedeactivate',
          id: '',
          who: ctx.who,
          effect: () => void ctx.sim.state.acme.accounts.delete(name),
        });
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/acme/plugins',
      name: 'index',
      description: 'ACME plugin index.',
      parameters: { type: opt(P.enum('Only list ACME plugins of a specific type', ['dns', 'standalone'])) },
      returns: returns.array({ plugin: P.str('Unique identifier for ACME plugin instance.') }, 'plugin'),
      permissions: SYS_MODIFY,
      protected: 1,
      handler: (ctx) =>
        [...ctx.sim.state.acme.plugins]
          .filter(([, p]) => !ctx.params.type || p.type === ctx.params.type)
          .map(([id, p]) => pluginRow(ctx, id, p)),
    }),
    op({
      method: 'POST',
      path: '/cluster/acme/plugins',
      name: 'add_plugin',
      description: 'Add ACME plugin configuration.',
      parameters: { id: PLUGIN_ID('ACME Plugin ID name'), type: P.enum('ACME challenge type.', ['dns', 'standalone']), ...PLUGIN_OPTS },
      returns: returns.null,
      permissions: SYS_MODIFY,
      protected: 1,
      handler: (ctx) => {
        const plugins = ctx.sim.state.acme.plugins;
        const id: string = ctx.params.id;
        if (plugins.has(id)) throw new PveError(500, `ACME plugin ID '${id}' already exists\n`);
        if (ctx.params.type === 'dns' && !ctx.params.api) throw paramError({ api: 'property is missing and it is not optional' });
        const p: Record<string, string | number> = { type: ctx.params.type };
        Object.assign(p, scalarsOf(ctx.params, Object.keys(PLUGIN_OPTS)));
        plugins.set(id, p);
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/acme/plugins/{id}',
      name: 'get_plugin_config',
      description: 'Get ACME plugin configuration.',
      parameters: { id: PLUGIN_ID('Unique identifier for ACME plugin instance.') },
      returns: returns.object({
        plugin: P.str('Unique identifier for ACME plugin instance.'),
        type: P.enum('ACME challenge type.', ['dns', 'standalone']),
        digest: opt(P.str('Prevent changes if current configuration file has a different digest.')),
      }),
      permissions: SYS_MODIFY,
      protected: 1,
      handler: (ctx) => {
        const p = ctx.sim.state.acme.plugins.get(ctx.params.id);
        if (!p) throw new PveError(500, `ACME plugin '${ctx.params.id}' not defined\n`);
        return pluginRow(ctx, ctx.params.id, p);
      },
    }),
    op({
      method: 'PUT',
      path: '/cluster/acme/plugins/{id}',
      name: 'update_plugin',
      description: 'Update ACME plugin configuration.',
      parameters: {
        id: PLUGIN_ID('ACME Plugin ID name'),
        ...PLUGIN_OPTS,
        delete: opt(P.str('A list of settings you want to delete.', { format: 'pve-configid-list', maxLength: 4096 })),
        digest: opt(
          P.str(
            'Prevent changes if current configuration file has a different digest. This can be used to prevent concurrent modifications.',
            { maxLength: 64 },
          ),
        ),
      },
      returns: returns.null,
      permissions: SYS_MODIFY,
      protected: 1,
      handler: (ctx) => {
        const p = ctx.sim.state.acme.plugins.get(ctx.params.id);
        if (!p) throw new PveError(500, `ACME plugin '${ctx.params.id}' not defined\n`);
        if (ctx.params.digest && ctx.params.digest !== pluginDigest(ctx))
          throw new PveError(500, 'detected modified configuration - file changed by other user? Try again.\n');
        for (const k of String(ctx.params.delete ?? '')
          .split(/[,;\s]+/)
          .filter(Boolean))
          delete p[k];
        Object.assign(p, scalarsOf(ctx.params, Object.keys(PLUGIN_OPTS)));
        return null;
      },
    }),
    op({
      method: 'DELETE',
      path: '/cluster/acme/plugins/{id}',
      name: 'delete_plugin',
      description: 'Delete ACME plugin configuration.',
      parameters: { id: PLUGIN_ID('Unique identifier for ACME plugin instance.') },
      returns: returns.null,
      permissions: SYS_MODIFY,
      protected: 1,
      handler: (ctx) => {
        ctx.sim.state.acme.plugins.delete(ctx.params.id);
        return null;
      },
    }),
    ...(['POST', 'PUT'] as const).map((method) =>
      taskOp({
        method,
        path: '/nodes/{node}/certificates/acme/certificate',
        name: method === 'POST' ? 'new_certificate' : 'renew_certificate',
        description: method === 'POST' ? 'Order a new certificate from ACME-compatible CA.' : 'Renew existing certificate from CA.',
        parameters: {
          node: P.node(),
          force: opt(
            P.bool(
              method === 'POST' ? 'Overwrite existing custom certificate.' : 'Force renewal even if expiry is more than 30 days away.',
              { default: 0 },
            ),
          ),
        },
        returns: { type: 'string' },
        permissions: NODE_MODIFY,
        handler: (ctx) => {
          const node: string = ctx.params.node;
          const acme = ctx.sim.state.acme;
          const { account, domains } = nodeAcme(ctx);
          if (!domains.length) throw new PveError(500, 'no ACME domains configured for this node!\n');
          if (!acme.accounts.has(account)) throw new PveError(500, `ACME account config file '${account}' does not exist.\n`);
          for (const d of domains)
            if (!acme.plugins.has(d.plugin)) throw new PveError(500, `plugin '${d.plugin}' for domain '${d.domain}' not found!\n`);
          const current = acme.certs.get(node);
          if (method === 'PUT') {
            if (!current) throw new PveError(500, 'no ACME certificate found, please order a new one\n');
            if (!ctx.params.force && current.notafter - now() > 30 * 86400)
              throw new PveError(500, 'Certificate does not expire within the next 30 days, and force is not set.\n');
          }
          return ctx.sim.tasks.start({
            node,
            type: method === 'POST' ? 'acmenewcert' : 'acmerenew',
            id: '',
            who: ctx.who,
            log: [
              'Loading ACME account details',
              'Placing ACME order',
              ...domains.map((d) => `Getting authorization details for '${d.domain}'`),
            ],
            effect: () => {
              const t = now();
              const fingerprint = createHash('sha256').update(`${node}-${t}`).digest('hex').toUpperCase().match(/../g)!.join(':');
              acme.certs.set(node, { domains: domains.map((d) => d.domain), notbefore: t, notafter: t + 90 * 86400, fingerprint });
              return [
                'Creating CSR',
                'Checking order status',
                'valid!',
                'Downloading certificate',
                'Setting pveproxy certificate and key',
                'Restarting pveproxy',
              ];
            },
          });
        },
      }),
    ),
    taskOp({
      method: 'DELETE',
      path: '/nodes/{node}/certificates/acme/certificate',
      name: 'revoke_certificate',
      description: 'Revoke existing certificate from CA.',
      parameters: { node: P.node() },
      returns: { type: 'string' },
      permissions: NODE_MODIFY,
      handler: (ctx) => {
        const node: string = ctx.params.node;
        const acme = ctx.sim.state.acme;
        if (!acme.certs.has(node)) throw new PveError(500, 'no ACME certificate found for this node\n');
        return ctx.sim.tasks.start({
          node,
          type: 'acmerevoke',
          id: '',
          who: ctx.who,
          log: ['Loading ACME account details', 'Revoking old certificate'],
          effect: () => {
            acme.certs.delete(node);
            return [
              'Revoke request to CA successful',
              'Deleting certificate files',
              'Restarting pveproxy to revert to self-signed certificates',
            ];
          },
        });
      },
    }),
  ];
}

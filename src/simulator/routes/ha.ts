import { createHash } from 'node:crypto';
import type { RequestContext } from '../context.js';
import { PveError, paramError } from '../errors.js';
import { parseSid, type HaResource, type HaRule } from '../ha.js';
import { P, opt, type PropSchema, type Props, scalarsOf, type WireParams } from '../params.js';
import { op, returns, type Operation } from '../schema.js';

const AUDIT = { check: ['perm', '/', ['Sys.Audit']] };
const CONSOLE = { check: ['perm', '/', ['Sys.Console']] };

const SID = {
  type: 'string',
  format: 'pve-ha-resource-or-vm-id',
  typetext: '<type>:<name>',
  description:
    'HA resource ID. This consists of a resource type followed by a resource specific name, separated with colon (example: vm:100 / ct:100). For virtual machines and containers, you can simply use the VM or CT id as a shortcut (example: 100).',
} satisfies PropSchema;
const RULE = { type: 'string', format: 'pve-configid', typetext: '<string>', description: 'HA rule identifier.' } satisfies PropSchema;
const STATE = P.enum('Requested resource state.', ['started', 'stopped', 'enabled', 'disabled', 'ignored'], { default: 'started' });
const DIGEST = (max: number) =>
  opt(
    P.str('Prevent changes if current configuration file has a different digest. This can be used to prevent concurrent modifications.', {
      maxLength: max,
    }),
  );

const RESOURCE_OPTS = {
  'auto-rebalance': opt(P.bool('HA resource may be migrated during automatic rebalancing', { default: 1 })),
  comment: opt(P.str('Description.', { maxLength: 4096 })),
  failback: opt(
    P.bool(
      'Automatically migrate HA resource to the node with the highest priority according to their node affinity rules, if a node with a higher priority than the current node comes online.',
      { default: 1 },
    ),
  ),
  group: opt(P.str('The HA group identifier.', { format: 'pve-configid' })),
  max_relocate: opt(P.int('Maximal number of resource relocate tries when a resource fails to start.', { minimum: 0, default: 1 })),
  max_restart: opt(
    P.int(
      'Maximal number of tries to restart the resource on a node after its start failed. When reached, the HA manager will try to relocate the resource to an other node.',
      { minimum: 0, default: 1 },
    ),
  ),
  state: opt(STATE),
} satisfies Props;

const RULE_OPTS = {
  affinity: opt({
    ...P.enum(
      "Describes whether the HA resources are supposed to be kept on the same node ('positive'), or are supposed to be kept on separate nodes ('negative').",
      ['positive', 'negative'],
    ),
    'instance-types': ['resource-affinity'],
    'type-property': 'type',
  } as PropSchema),
  comment: opt(P.str('HA rule description.', { maxLength: 4096 })),
  disable: opt(P.bool('Whether the HA rule is disabled.')),
  nodes: opt({
    ...P.str('List of cluster node names with optional priority.', {
      format: 'pve-ha-node-list',
      typetext: '<node>[:<pri>]{,<node>[:<pri>]}*',
    }),
    'instance-types': ['node-affinity'],
    'type-property': 'type',
  } as PropSchema),
  strict: opt({
    ...P.bool('Describes whether the node affinity rule is strict or non-strict.', { default: 0 }),
    'instance-types': ['node-affinity'],
    'type-property': 'type',
  } as PropSchema),
  type: P.enum('HA rule type.', ['node-affinity', 'resource-affinity']),
} satisfies Props;
const RESOURCES = P.str(
  'List of HA resource IDs. This consists of a list of resource types followed by a resource specific name separated with a colon (example: vm:100,ct:101).',
  {
    format: 'pve-ha-resource-id-list',
    typetext: '<type>:<name>{,<type>:<name>}*',
  },
);

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

function resourcesDigest(ctx: RequestContext): string {
  return sha1(JSON.stringify([...ctx.sim.state.ha.resources.values()]));
}

function rulesDigest(ctx: RequestContext): string {
  return sha1(JSON.stringify([...ctx.sim.state.ha.rules.values()]));
}

function resourceRow(ctx: RequestContext, r: HaResource): Record<string, unknown> {
  const row: Record<string, unknown> = { sid: r.sid, type: r.type, state: r.state, digest: resourcesDigest(ctx) };
  for (const k of ['comment', 'max_restart', 'max_relocate', 'failback', 'auto-rebalance', 'group'] as const)
    if (r[k] !== undefined) row[k] = r[k];
  return row;
}

function ruleRow(ctx: RequestContext, r: HaRule): Record<string, unknown> {
  const row: Record<string, unknown> = {
    rule: r.rule,
    type: r.type,
    resources: r.resources.join(','),
    order: r.order,
    digest: rulesDigest(ctx),
  };
  for (const k of ['affinity', 'nodes', 'strict', 'comment', 'disable'] as const) if (r[k] !== undefined) row[k] = r[k];
  return row;
}

function getResource(ctx: RequestContext<{ readonly sid: string }>): HaResource {
  const { sid } = parseSid(ctx.sim.state, ctx.params.sid, false);
  const r = ctx.sim.state.ha.resources.get(sid);
  if (!r) throw new PveError(500, `no such resource '${sid}'\n`);
  return r;
}

function quorate(ctx: RequestContext): boolean {
  const nodes = ctx.sim.state.nodes;
  return nodes.filter((n) => !ctx.sim.faults.offlineNodes.has(n.node)).length * 2 > nodes.length;
}

function checkDigest(given: string | undefined, current: string): void {
  if (given && given !== current) throw new PveError(500, 'detected modified configuration - file changed by other user? Try again.\n');
}

/** Properties only one rule type knows; PVE's `type-property` schema rejects them for the other. */
function checkRuleTypeProps(params: WireParams, type: HaRule['type']): void {
  const foreign = type === 'node-affinity' ? ['affinity'] : ['nodes', 'strict'];
  const errors: Record<string, string> = {};
  for (const k of foreign)
    if (params[k] !== undefined) errors[k] = 'property is not defined in schema and the schema does not allow additional properties';
  if (Object.keys(errors).length) throw paramError(errors);
}

function parseResourceList(ctx: RequestContext, list: string): string[] {
  const out: string[] = [];
  for (const part of list.split(/[,;\s]+/).filter(Boolean)) {
    const m = /^(vm|ct):(\d+)$/.exec(part);
    if (!m) throw paramError({ resources: `invalid format - unable to parse HA resource ID '${part}'\n` });
    if (!out.includes(part)) out.push(part);
  }
  if (!out.length) throw paramError({ resources: 'property is missing and it is not optional' });
  return out;
}

/** PVE's rule feasibility checks, with the message format of the recorded failure. */
function checkRule(ctx: RequestContext, rule: HaRule, verb: 'create' | 'update'): void {
  const problems: string[] = [];
  if (rule.type === 'resource-affinity') {
    if (!rule.affinity) throw paramError({ affinity: 'property is missing and it is not optional' });
    if (rule.affinity === 'negative' && rule.resources.length > ctx.sim.state.ha.availableNodes()) {
      problems.push('resources: rule defines more resources than available nodes');
    }
  } else {
    if (!rule.nodes) throw paramError({ nodes: 'property is missing and it is not optional' });
    for (const part of rule.nodes.split(',')) {
      const [node, pri] = part.split(':');
      if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(node) || (pri !== undefined && !/^\d+$/.test(pri))) {
        throw paramError({ nodes: `invalid format - value '${part}' does not look like a valid node name with optional priority\n` });
      }
    }
  }
  if (problems.length) throw new PveError(500, `${verb} ha rule failed: 400 Rule '${rule.rule}' is invalid.\n${problems.join('\n')}\n`);
}

export function haOperations(): Operation[] {
  return [
    op({
      method: 'GET',
      path: '/cluster/ha',
      name: 'index',
      description: 'Directory index.',
      returns: {
        type: 'array',
        items: { type: 'object', properties: { id: { type: 'string' } } },
        links: [{ rel: 'child', href: '{id}' }],
      },
      permissions: AUDIT,
      handler: () => [{ id: 'resources' }, { id: 'rules' }, { id: 'status' }],
    }),
    op({
      method: 'GET',
      path: '/cluster/ha/resources',
      name: 'index',
      description: 'List HA resources.',
      parameters: { type: opt(P.enum('Only list resources of specific type', ['ct', 'vm'])) },
      returns: returns.array({ sid: { type: 'string' } }, 'sid'),
      permissions: AUDIT,
      handler: (ctx) =>
        [...ctx.sim.state.ha.resources.values()]
          .filter((r) => !ctx.params.type || r.type === ctx.params.type)
          .sort((a, b) => a.sid.localeCompare(b.sid))
          .map((r) => resourceRow(ctx, r)),
    }),
    op({
      method: 'POST',
      path: '/cluster/ha/resources',
      name: 'create',
      description: 'Create a new HA resource.',
      parameters: { sid: SID, type: opt(P.enum('Resource type.', ['ct', 'vm'])), ...RESOURCE_OPTS },
      returns: returns.null,
      permissions: CONSOLE,
      protected: 1,
      handler: (ctx) => {
        const ha = ctx.sim.state.ha;
        const { sid, type, vmid } = parseSid(ctx.sim.state, ctx.params.sid);
        if (ctx.params.type && ctx.params.type !== type) throw new PveError(500, `types does not match\n`);
        if (ha.resources.has(sid)) throw new PveError(500, `resource ID '${sid}' already defined\n`);
        const res: HaResource = { sid, type, vmid, state: ctx.params.state ?? 'started' };
        for (const k of ['comment', 'max_restart', 'max_relocate', 'failback', 'auto-rebalance', 'group'] as const) {
          if (ctx.params[k] !== undefined) (res as unknown as Record<string, unknown>)[k] = ctx.params[k];
        }
        ha.addResource(res);
        ha.syncGuests();
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/ha/resources/{sid}',
      name: 'read',
      description: 'Read resource configuration.',
      parameters: { sid: SID },
      returns: returns.object({
        sid: SID,
        type: P.str('The type of the resources.'),
        state: opt(STATE),
        digest: P.str('Can be used to prevent concurrent modifications.'),
      }),
      permissions: AUDIT,
      handler: (ctx) => resourceRow(ctx, getResource(ctx)),
    }),
    op({
      method: 'PUT',
      path: '/cluster/ha/resources/{sid}',
      name: 'update',
      description: 'Update resource configuration.',
      parameters: {
        sid: SID,
        ...RESOURCE_OPTS,
        delete: opt(P.str('A list of settings you want to delete.', { format: 'pve-configid-list', maxLength: 4096 })),
        digest: DIGEST(64),
      },
      returns: returns.null,
      permissions: CONSOLE,
      protected: 1,
      handler: (ctx) => {
        const r = getResource(ctx);
        checkDigest(ctx.params.digest, resourcesDigest(ctx));
        const rec = r as unknown as Record<string, unknown>;
        for (const k of String(ctx.params.delete ?? '')
          .split(/[,;\s]+/)
          .filter(Boolean)) {
          if (!(k in RESOURCE_OPTS)) throw paramError({ delete: `invalid option '${k}'` });
          if (k === 'state') r.state = 'started';
          else delete rec[k];
        }
        Object.assign(rec, scalarsOf(ctx.params, Object.keys(RESOURCE_OPTS)));
        ctx.sim.state.ha.syncGuests();
        return null;
      },
    }),
    op({
      method: 'DELETE',
      path: '/cluster/ha/resources/{sid}',
      name: 'delete',
      description: 'Delete resource configuration.',
      parameters: {
        sid: SID,
        purge: opt(
          P.bool('Remove this resource from rules that reference it, deleting the rule if this resource is the only resource in the rule', {
            default: 1,
          }),
        ),
      },
      returns: returns.null,
      permissions: CONSOLE,
      protected: 1,
      handler: (ctx) => {
        const r = getResource(ctx);
        ctx.sim.state.ha.removeResource(r.sid, ctx.params.purge !== 0);
        return null;
      },
    }),
    ...(['migrate', 'relocate'] as const).map((kind) =>
      op({
        method: 'POST',
        path: `/cluster/ha/resources/{sid}/${kind}`,
        name: kind,
        description:
          kind === 'migrate'
            ? 'Request resource migration (online) to another node.'
            : 'Request resource relocation to another node. This stops the service on the old node, and restarts it on the target node.',
        parameters: { sid: SID, node: P.node('Target node.') },
        returns: returns.object({
          sid: P.str(`HA resource, which is requested to be ${kind}d.`),
          'requested-node': P.str(`Node, which was requested to be ${kind}d to.`),
          'blocking-resources': opt({
            type: 'array',
            description: `HA resources, which are blocking the given HA resource from being ${kind}d to the requested target node.`,
            items: { type: 'object', description: 'A blocking HA resource' } as PropSchema,
          }),
          'comigrated-resources': opt({
            type: 'array',
            description: `HA resources, which are ${kind}d to the same requested target node as the given HA resource, because these are in positive affinity with the HA resource.`,
            items: { type: 'string' },
          }),
        }),
        permissions: CONSOLE,
        protected: 1,
        handler: (ctx) => {
          const r = getResource(ctx);
          const node: string = ctx.params.node;
          if (!ctx.sim.state.node(node)) throw new PveError(500, `no such cluster node '${node}'\n`);
          if (r.state === 'disabled' || r.state === 'ignored')
            throw new PveError(500, `service '${r.sid}' in state '${r.state}' cannot be ${kind}d\n`);
          const out = ctx.sim.state.ha.requestMove(r.sid, node, kind);
          ctx.sim.state.ha.syncGuests();
          return out;
        },
      }),
    ),
    op({
      method: 'GET',
      path: '/cluster/ha/rules',
      name: 'index',
      description: 'Get HA rules.',
      parameters: {
        resource: opt(P.str('Limit the returned list to rules affecting the specified resource.')),
        type: opt(P.enum('Limit the returned list to the specified rule type.', ['node-affinity', 'resource-affinity'])),
      },
      returns: {
        type: 'array',
        items: { type: 'object', properties: { rule: { type: 'string' } }, links: [{ rel: 'child', href: '{rule}' }] },
      },
      permissions: AUDIT,
      handler: (ctx) => {
        const want: string | undefined = ctx.params.resource;
        const sid = want ? parseSid(ctx.sim.state, want, false).sid : undefined;
        return [...ctx.sim.state.ha.rules.values()]
          .filter((r) => !ctx.params.type || r.type === ctx.params.type)
          .filter((r) => !sid || r.resources.includes(sid))
          .sort((a, b) => a.order - b.order)
          .map((r) => ruleRow(ctx, r));
      },
    }),
    op({
      method: 'POST',
      path: '/cluster/ha/rules',
      name: 'create_rule',
      description: 'Create HA rule.',
      parameters: { rule: RULE, resources: RESOURCES, ...RULE_OPTS },
      returns: returns.null,
      permissions: CONSOLE,
      protected: 1,
      handler: (ctx) => {
        const ha = ctx.sim.state.ha;
        const id: string = ctx.params.rule;
        checkRuleTypeProps(ctx.params, ctx.params.type);
        if (ha.rules.has(id)) throw new PveError(500, `create ha rule failed: rule '${id}' already defined\n`);
        const rule: HaRule = { rule: id, type: ctx.params.type, resources: parseResourceList(ctx, ctx.params.resources), order: 0 };
        for (const k of ['affinity', 'nodes', 'strict', 'comment', 'disable'] as const) {
          if (ctx.params[k] !== undefined) (rule as unknown as Record<string, unknown>)[k] = ctx.params[k];
        }
        checkRule(ctx, rule, 'create');
        rule.order = ha.nextRuleOrder();
        ha.rules.set(id, rule);
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/ha/rules/{rule}',
      name: 'read_rule',
      description: 'Read HA rule.',
      parameters: { rule: RULE },
      returns: returns.object({ rule: RULE, type: RULE_OPTS.type }),
      permissions: AUDIT,
      handler: (ctx) => {
        const r = ctx.sim.state.ha.rules.get(ctx.params.rule);
        if (!r) throw new PveError(500, `HA rule '${ctx.params.rule}' does not exist\n`);
        return ruleRow(ctx, r);
      },
    }),
    op({
      method: 'PUT',
      path: '/cluster/ha/rules/{rule}',
      name: 'update_rule',
      description: 'Update HA rule.',
      parameters: {
        rule: RULE,
        resources: opt(RESOURCES),
        ...RULE_OPTS,
        delete: opt(P.str('A list of settings you want to delete.', { format: 'pve-configid-list', maxLength: 4096 })),
        digest: DIGEST(64),
      },
      returns: returns.null,
      permissions: CONSOLE,
      protected: 1,
      handler: (ctx) => {
        const ha = ctx.sim.state.ha;
        const current = ha.rules.get(ctx.params.rule);
        if (!current) throw new PveError(500, `update ha rule failed: HA rule '${ctx.params.rule}' does not exist\n`);
        if (ctx.params.type !== current.type)
          throw new PveError(
            500,
            `update ha rule failed: rule type '${ctx.params.type}' does not match the rule's type '${current.type}'\n`,
          );
        checkRuleTypeProps(ctx.params, current.type);
        checkDigest(ctx.params.digest, rulesDigest(ctx));
        const next: HaRule = { ...current, resources: [...current.resources] };
        const rec = next as unknown as Record<string, unknown>;
        for (const k of String(ctx.params.delete ?? '')
          .split(/[,;\s]+/)
          .filter(Boolean)) {
          if (!['comment', 'disable', 'strict', 'affinity', 'nodes'].includes(k)) throw paramError({ delete: `invalid option '${k}'` });
          delete rec[k];
        }
        if (ctx.params.resources !== undefined) next.resources = parseResourceList(ctx, ctx.params.resources);
        for (const k of ['affinity', 'nodes', 'strict', 'comment', 'disable'] as const)
          if (ctx.params[k] !== undefined) rec[k] = ctx.params[k];
        checkRule(ctx, next, 'update');
        ha.rules.set(next.rule, next);
        return null;
      },
    }),
    op({
      method: 'DELETE',
      path: '/cluster/ha/rules/{rule}',
      name: 'delete_rule',
      description: 'Delete HA rule.',
      parameters: { rule: RULE },
      returns: returns.null,
      permissions: CONSOLE,
      protected: 1,
      handler: (ctx) => {
        if (!ctx.sim.state.ha.rules.delete(ctx.params.rule))
          throw new PveError(500, `delete ha rule failed: HA rule '${ctx.params.rule}' does not exist\n`);
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/cluster/ha/status',
      name: 'index',
      description: 'Directory index.',
      returns: { type: 'array', items: { type: 'object', properties: {} }, links: [{ rel: 'child', href: '{name}' }] },
      permissions: { user: 'all' },
      handler: () => [{ name: 'current' }, { name: 'manager_status' }],
    }),
    op({
      method: 'GET',
      path: '/cluster/ha/status/current',
      name: 'status',
      description: 'Get HA manager status.',
      returns: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: P.str('Status entry ID (quorum, master, lrm:<node>, service:<sid>).'),
            node: P.str('Node associated to status entry.'),
            status: P.str('Status of the entry (value depends on type).'),
            type: { type: 'string', enum: ['quorum', 'master', 'lrm', 'service', 'fencing'], description: 'Type of status entry.' },
            'armed-state': opt(
              P.enum("For type 'fencing'. Whether HA is armed, on standby, disarming or disarmed.", [
                'armed',
                'standby',
                'disarming',
                'disarmed',
              ]),
            ),
          },
        },
      },
      permissions: AUDIT,
      handler: (ctx) => ctx.sim.state.ha.statusRows(quorate(ctx)),
    }),
    op({
      method: 'GET',
      path: '/cluster/ha/status/manager_status',
      name: 'manager_status',
      description: 'Get full HA manager status, including LRM status.',
      returns: { type: 'object' },
      permissions: AUDIT,
      handler: (ctx) => ctx.sim.state.ha.managerStatus(quorate(ctx)),
    }),
    op({
      method: 'POST',
      path: '/cluster/ha/status/arm-ha',
      name: 'arm-ha',
      description: 'Request re-arming the HA stack after it was disarmed.',
      returns: returns.null,
      permissions: CONSOLE,
      protected: 1,
      handler: (ctx) => {
        ctx.sim.state.ha.arm();
        return null;
      },
    }),
    op({
      method: 'POST',
      path: '/cluster/ha/status/disarm-ha',
      name: 'disarm-ha',
      description: 'Request disarming the HA stack, releasing all watchdogs cluster-wide.',
      parameters: {
        'resource-mode': P.enum(
          "Controls how HA managed resources are handled while disarmed. The current state of resources is not affected. 'freeze': new commands and state changes are not applied. 'ignore': resources are removed from HA tracking and can be managed as if they were not HA managed.",
          ['freeze', 'ignore'],
        ),
      },
      returns: returns.null,
      permissions: CONSOLE,
      protected: 1,
      handler: (ctx) => {
        ctx.sim.state.ha.disarm(ctx.params['resource-mode']);
        return null;
      },
    }),
  ];
}

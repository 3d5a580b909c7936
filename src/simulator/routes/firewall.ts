import { createHash } from 'node:crypto';
import type { RequestContext } from '../context.js';
import { checkDigest, type Item } from '../crud.js';
import { PveError, paramError } from '../errors.js';
import { P, opt, type Props, type WireParams } from '../params.js';
import { op, returns, type Operation, type Permissions } from '../schema.js';
import type { GuestType } from '../state.js';
import { newFirewallScope, type FirewallScope, type Rule } from '../firewall.js';
import { index } from './common.js';

const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug', 'nolog'];
const MACROS: Record<string, string> = {
  BGP: 'Border Gateway Protocol traffic',
  Ceph: 'Ceph Storage Cluster traffic (Ceph Monitors, OSD & MDS Daemons)',
  DHCPfwd: 'Forwarded DHCP traffic',
  DNS: 'Domain Name System traffic (upd and tcp)',
  HTTP: 'Hypertext Transfer Protocol (WWW)',
  HTTPS: 'Hypertext Transfer Protocol (WWW) over SSL',
  ICMP: 'Internet Control Message Protocol',
  IMAPS: 'Internet Message Access Protocol over SSL',
  MySQL: 'MySQL server',
  NTP: 'Network Time Protocol (ntpd)',
  Ping: 'ICMP echo request',
  PostgreSQL: 'PostgreSQL server',
  SMTP: 'Simple Mail Transfer Protocol',
  SNMP: 'Simple Network Management Protocol',
  SSH: 'Secure shell traffic',
  Web: 'WWW traffic (HTTP and HTTPS)',
};

const DIGEST = opt(
  P.str('Prevent changes if current configuration file has a different digest. This can be used to prevent concurrent modifications.', {
    maxLength: 64,
  }),
);
const DELETE = opt(P.str('A list of settings you want to delete.', { format: 'pve-configid-list', maxLength: 4096 }));
const POS = opt(P.int('Update rule at position <pos>.', { minimum: 0 }));
const NAME = P.str('Alias name.', { maxLength: 64, minLength: 2, pattern: '[A-Za-z][A-Za-z0-9\\-\\_]+' });
const IPSET = P.str('IP set name.', { maxLength: 64, minLength: 2, pattern: '[A-Za-z][A-Za-z0-9\\-\\_]+' });
const GROUP = P.str('Security Group name.', { maxLength: 18, minLength: 2, pattern: '[A-Za-z][A-Za-z0-9\\-\\_]+' });
const CIDR = P.str('Network/IP specification in CIDR format.', { format: 'IPorCIDRorAlias' });
const COMMENT = opt(P.str('Descriptive comment.'));

const RULE_FIELDS = {
  action: P.str("Rule action ('ACCEPT', 'DROP', 'REJECT') or security group name.", {
    maxLength: 20,
    minLength: 2,
    pattern: '[A-Za-z][A-Za-z0-9\\-\\_]+',
  }),
  type: P.enum('Rule type.', ['in', 'out', 'forward', 'group']),
  comment: COMMENT,
  dest: opt(
    P.str(
      "Restrict packet destination address. This can refer to a single IP address, an IP set ('+ipsetname') or an IP alias definition.",
      { format: 'pve-fw-addr-spec', maxLength: 512 },
    ),
  ),
  source: opt(
    P.str("Restrict packet source address. This can refer to a single IP address, an IP set ('+ipsetname') or an IP alias definition.", {
      format: 'pve-fw-addr-spec',
      maxLength: 512,
    }),
  ),
  dport: opt(
    P.str('Restrict TCP/UDP destination port. You can use service names or simple numbers (0-65535).', { format: 'pve-fw-dport-spec' }),
  ),
  sport: opt(P.str('Restrict TCP/UDP source port.', { format: 'pve-fw-sport-spec' })),
  proto: opt(
    P.str("IP protocol. You can use protocol names ('tcp'/'udp') or simple numbers, as defined in '/etc/protocols'.", {
      format: 'pve-fw-protocol-spec',
    }),
  ),
  enable: opt(P.int('Flag to enable/disable a rule.', { minimum: 0 })),
  iface: opt(
    P.str("Network interface name. You have to use network configuration key names for VMs and containers ('net\\d+').", {
      format: 'pve-iface',
      maxLength: 20,
      minLength: 2,
    }),
  ),
  log: opt(P.enum('Log level for firewall rule.', LOG_LEVELS)),
  macro: opt(P.str('Use predefined standard macro.', { maxLength: 128 })),
  'icmp-type': opt(
    P.str("Specify icmp-type. Only valid if proto equals 'icmp' or 'icmpv6'/'ipv6-icmp'.", { format: 'pve-fw-icmp-type-spec' }),
  ),
} satisfies Props;

const CLUSTER_OPTIONS = {
  enable: opt(P.int('Enable or disable the firewall cluster wide.', { minimum: 0 })),
  ebtables: opt(P.bool('Enable ebtables rules cluster wide.', { default: 1 })),
  log_ratelimit: opt(P.str('Log ratelimiting settings', { typetext: '[enable=]<1|0> [,burst=<integer>] [,rate=<rate>]' })),
  policy_in: opt(P.enum('Input policy.', ['ACCEPT', 'REJECT', 'DROP'])),
  policy_out: opt(P.enum('Output policy.', ['ACCEPT', 'REJECT', 'DROP'])),
  policy_forward: opt(P.enum('Forward policy.', ['ACCEPT', 'DROP'])),
} satisfies Props;
const NODE_OPTIONS = {
  enable: opt(P.bool('Enable host firewall rules.')),
  log_level_in: opt(P.enum('Log level for incoming traffic.', LOG_LEVELS)),
  log_level_out: opt(P.enum('Log level for outgoing traffic.', LOG_LEVELS)),
  log_level_forward: opt(P.enum('Log level for forwarded traffic.', LOG_LEVELS)),
  nftables: opt(P.bool('Enable nftables based firewall (tech preview)', { default: 0 })),
  nosmurfs: opt(P.bool('Enable SMURFS filter.')),
  tcpflags: opt(P.bool('Filter illegal combinations of TCP flags.', { default: 0 })),
  nf_conntrack_max: opt(P.int('Maximum number of tracked connections.', { minimum: 32768, default: 262144 })),
  ndp: opt(P.bool('Enable NDP (Neighbor Discovery Protocol).', { default: 0 })),
} satisfies Props;
const GUEST_OPTIONS = {
  enable: opt(P.bool('Enable/disable firewall rules.', { default: 0 })),
  dhcp: opt(P.bool('Enable DHCP.', { default: 0 })),
  ipfilter: opt(P.bool('Enable default IP filters. This is equivalent to adding an empty ipfilter-net<id> ipset for every interface.')),
  macfilter: opt(P.bool('Enable/disable MAC address filter.', { default: 1 })),
  ndp: opt(P.bool('Enable NDP (Neighbor Discovery Protocol).', { default: 0 })),
  radv: opt(P.bool('Allow sending Router Advertisement.')),
  policy_in: opt(P.enum('Input policy.', ['ACCEPT', 'REJECT', 'DROP'])),
  policy_out: opt(P.enum('Output policy.', ['ACCEPT', 'REJECT', 'DROP'])),
  log_level_in: opt(P.enum('Log level for incoming traffic.', LOG_LEVELS)),
  log_level_out: opt(P.enum('Log level for outgoing traffic.', LOG_LEVELS)),
} satisfies Props;

interface ScopeSpec {
  base: string;
  params: Props;
  audit: Permissions;
  modify: Permissions;
  logPerm?: Permissions;
  options: Props;
  /** Which parts the scope has. */
  parts: { aliases: boolean; ipsets: boolean; groups: boolean; log: boolean; refs: boolean; macros: boolean };
  /** The state key of the scope for a request; checks the guest/node exists. */
  /** The scope's path parameters are data here (`params`), so it reads them through the wire's index type. */
  resolve: (ctx: RequestContext<WireParams>) => FirewallScope;
  /** Options and log run on the node (proxyto). */
  proxied: boolean;
  index: string[];
  /** The name PVE uses in refs for this scope. */
  refScope: 'dc' | 'guest';
}

function digestOf(value: unknown): string {
  return createHash('sha1')
    .update(JSON.stringify(value, (_k, v: unknown) => (v instanceof Map ? [...v] : v)))
    .digest('hex');
}

const ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|[0-9a-fA-F:]+:[0-9a-fA-F:]*(\/\d{1,3})?)$/;

function checkAddress(kind: 'source' | 'dest', value: string, fw: FirewallScope, dc: FirewallScope): void {
  for (const part of value.split(',')) {
    const v = part.trim();
    if (v.startsWith('+')) {
      const name = v.replace(/^\+(dc\/|guest\/)?/, '');
      if (!fw.ipsets.has(name) && !dc.ipsets.has(name)) throw paramError({ [kind]: `no such ipset '${name}'` });
    } else if (!ADDRESS.test(v.replace(/^(dc|guest)\//, '')) && !/^[\d.]+-[\d.]+$/.test(v)) {
      const name = v.replace(/^(dc|guest)\//, '');
      if (!fw.aliases.has(name) && !dc.aliases.has(name)) throw paramError({ [kind]: `no such alias '${name}'` });
    }
  }
}

function checkRule(ctx: RequestContext, rule: Rule, fw: FirewallScope, inGroup: boolean): void {
  const dc = clusterScope(ctx);
  if (rule.type === 'group') {
    if (inGroup) throw paramError({ type: 'security groups cannot contain group rules' });
    if (!dc.groups.has(rule.action)) throw paramError({ action: `security group '${rule.action}' does not exist` });
  } else if (!['ACCEPT', 'DROP', 'REJECT'].includes(rule.action)) {
    throw paramError({ action: `value '${rule.action}' does not have a value in the enumeration 'ACCEPT, DROP, REJECT'` });
  }
  if (rule.macro !== undefined && !Object.keys(MACROS).some((m) => m.toLowerCase() === String(rule.macro).toLowerCase())) {
    throw paramError({ macro: `unknown macro '${String(rule.macro)}'` });
  }
  if ((rule.dport !== undefined || rule.sport !== undefined) && rule.proto === undefined && rule.macro === undefined) {
    throw paramError({ proto: 'missing property - protocol is required when using ports' });
  }
  if (
    rule.proto !== undefined &&
    (rule.dport !== undefined || rule.sport !== undefined) &&
    !['tcp', 'udp', 'dccp', 'sctp', '6', '17'].includes(String(rule.proto))
  ) {
    throw paramError({ proto: `protocol '${String(rule.proto)}' does not support ports` });
  }
  if (rule.source !== undefined) checkAddress('source', String(rule.source), fw, dc);
  if (rule.dest !== undefined) checkAddress('dest', String(rule.dest), fw, dc);
}

export function clusterScope(ctx: RequestContext): FirewallScope {
  return ctx.sim.state.firewall.get('cluster')!;
}

/** The rule list operations (`.../rules`, `.../rules/{pos}`, and a security group's). */
function ruleOperations(
  s: ScopeSpec,
  listPath: string,
  extra: Props,
  rulesOf: (ctx: RequestContext<WireParams>) => { rules: Rule[]; fw: FirewallScope },
  inGroup: boolean,
  names: { list: string; create: string; read: string; update: string; remove: string },
): Operation[] {
  const px = s.proxied ? { proxyto: 'node' as const } : {};
  const row = (r: Rule, pos: number, digest: string) => ({ pos, ...r, digest });
  const itemPath = `${listPath}/{pos}`;
  const find = (ctx: RequestContext<WireParams & { readonly pos?: number }>) => {
    const { rules, fw } = rulesOf(ctx);
    const pos = ctx.params.pos;
    if (pos === undefined || pos >= rules.length) throw new PveError(400, `no rule at position ${pos ?? ''}`);
    return { rules, fw, pos: pos as number };
  };
  const ruleFromParams = (ctx: RequestContext<WireParams>, base: Item = {}): Rule => {
    const r: Item = { ...base };
    for (const k of Object.keys(RULE_FIELDS)) if (ctx.params[k] !== undefined) r[k] = ctx.params[k];
    return r as Rule;
  };
  return [
    op({
      method: 'GET',
      path: listPath,
      name: names.list,
      description: 'List rules.',
      parameters: { ...s.params, ...extra },
      returns: returns.array({ pos: P.int('Rule position.'), action: P.str('Rule action'), type: P.str('Rule type') }, 'pos'),
      permissions: s.audit,
      ...px,
      handler: (ctx) => {
        const { rules } = rulesOf(ctx);
        const digest = digestOf(rules);
        return rules.map((r, i) => row(r, i, digest));
      },
    }),
    op({
      method: 'POST',
      path: listPath,
      name: names.create,
      description: 'Create new rule.',
      parameters: {
        ...s.params,
        ...extra,
        ...RULE_FIELDS,
        pos: opt(P.int('Update rule at position <pos>.', { minimum: 0 })),
        digest: DIGEST,
      },
      returns: returns.null,
      permissions: s.modify,
      protected: 1,
      ...px,
      handler: (ctx) => {
        const { rules, fw } = rulesOf(ctx);
        checkDigest(ctx, digestOf(rules));
        const rule = ruleFromParams(ctx);
        checkRule(ctx, rule, fw, inGroup);
        const at = Math.min(ctx.params.pos ?? 0, rules.length);
        rules.splice(at, 0, rule);
        return null;
      },
    }),
    op({
      method: 'GET',
      path: itemPath,
      name: names.read,
      description: 'Get single rule data.',
      parameters: { ...s.params, ...extra, pos: POS },
      returns: { type: 'object', properties: { pos: P.int('Rule position.'), action: P.str('Rule action') } },
      permissions: s.audit,
      ...px,
      handler: (ctx) => {
        const { rules, pos } = find(ctx);
        return row(rules[pos], pos, digestOf(rules));
      },
    }),
    op({
      method: 'PUT',
      path: itemPath,
      name: names.update,
      description: 'Modify rule data.',
      parameters: {
        ...s.params,
        ...extra,
        ...Object.fromEntries(Object.entries(RULE_FIELDS).map(([k, v]) => [k, opt(v)])),
        pos: POS,
        moveto: opt(P.int('Move rule to new position <moveto>. Other arguments are ignored.', { minimum: 0 })),
        delete: DELETE,
        digest: DIGEST,
      },
      returns: returns.null,
      permissions: s.modify,
      protected: 1,
      ...px,
      handler: (ctx) => {
        const { rules, fw, pos } = find(ctx);
        checkDigest(ctx, digestOf(rules));
        if (ctx.params.moveto !== undefined) {
          // PVE puts the rule before the one that was at <moveto> (or last), counting the old positions.
          const moved = rules[pos];
          const target = rules[ctx.params.moveto];
          rules.splice(pos, 1);
          const at =
            target && target !== moved
              ? rules.indexOf(target)
              : ctx.params.moveto >= rules.length + 1
                ? rules.length
                : Math.min(ctx.params.moveto, rules.length);
          rules.splice(at, 0, moved);
          return null;
        }
        const next = ruleFromParams(ctx, rules[pos]);
        for (const k of String(ctx.params.delete ?? '')
          .split(/[,;\s]+/)
          .filter(Boolean)) {
          if (!(RULE_FIELDS as Props)[k]?.optional) throw paramError({ delete: `unable to delete '${k}'` });
          delete next[k];
        }
        checkRule(ctx, next, fw, inGroup);
        rules[pos] = next;
        return null;
      },
    }),
    op({
      method: 'DELETE',
      path: itemPath,
      name: names.remove,
      description: 'Delete rule.',
      parameters: { ...s.params, ...extra, pos: POS, digest: DIGEST },
      returns: returns.null,
      permissions: s.modify,
      protected: 1,
      ...px,
      handler: (ctx) => {
        const { rules, pos } = find(ctx);
        checkDigest(ctx, digestOf(rules));
        rules.splice(pos, 1);
        return null;
      },
    }),
  ];
}

function aliasOperations(s: ScopeSpec): Operation[] {
  const base = `${s.base}/aliases`;
  const find = (ctx: RequestContext<WireParams & { readonly name: string }>) => {
    const fw = s.resolve(ctx);
    const a = fw.aliases.get(String(ctx.params.name).toLowerCase());
    if (!a) throw new PveError(400, `no such alias '${ctx.params.name}'`);
    return { fw, a };
  };
  const cidr = P.str('Network/IP specification in CIDR format.', { format: 'IPorCIDR' });
  const checkCidr = (v: string) => {
    if (!ADDRESS.test(v)) throw paramError({ cidr: `value does not look like a valid IP address or CIDR network` });
  };
  return [
    op({
      method: 'GET',
      path: base,
      name: 'get_aliases',
      description: 'List aliases',
      parameters: s.params,
      returns: returns.array({ name: P.str('Alias name.'), cidr: P.str('IP or CIDR.') }, 'name'),
      permissions: s.audit,
      handler: (ctx) => {
        const fw = s.resolve(ctx);
        const digest = digestOf(fw.aliases);
        return [...fw.aliases].map(([name, a]) => ({ name, ...a, digest, ipversion: a.cidr.includes(':') ? 6 : 4 }));
      },
    }),
    op({
      method: 'POST',
      path: base,
      name: 'create_alias',
      description: 'Create IP or Network Alias.',
      parameters: { ...s.params, name: NAME, cidr, comment: COMMENT },
      returns: returns.null,
      permissions: s.modify,
      protected: 1,
      handler: (ctx) => {
        const fw = s.resolve(ctx);
        const name = String(ctx.params.name).toLowerCase();
        if (fw.aliases.has(name)) throw new PveError(400, `alias '${ctx.params.name}' already exists`);
        checkCidr(ctx.params.cidr);
        fw.aliases.set(name, { cidr: ctx.params.cidr, ...(ctx.params.comment ? { comment: ctx.params.comment } : {}) });
        return null;
      },
    }),
    op({
      method: 'GET',
      path: `${base}/{name}`,
      name: 'read_alias',
      description: 'Read alias.',
      parameters: { ...s.params, name: NAME },
      returns: { type: 'object' },
      permissions: s.audit,
      handler: (ctx) => {
        const { fw, a } = find(ctx);
        return { name: String(ctx.params.name).toLowerCase(), ...a, digest: digestOf(fw.aliases) };
      },
    }),
    op({
      method: 'PUT',
      path: `${base}/{name}`,
      name: 'update_alias',
      description: 'Update IP or Network alias.',
      parameters: {
        ...s.params,
        name: NAME,
        cidr,
        comment: COMMENT,
        rename: opt(P.str('Rename an existing alias.', { maxLength: 64, minLength: 2, pattern: '[A-Za-z][A-Za-z0-9\\-\\_]+' })),
        digest: DIGEST,
      },
      returns: returns.null,
      permissions: s.modify,
      protected: 1,
      handler: (ctx) => {
        const { fw, a } = find(ctx);
        checkDigest(ctx, digestOf(fw.aliases));
        checkCidr(ctx.params.cidr);
        a.cidr = ctx.params.cidr;
        if (ctx.params.comment !== undefined) a.comment = ctx.params.comment;
        if (ctx.params.rename) {
          const to = String(ctx.params.rename).toLowerCase();
          if (fw.aliases.has(to)) throw new PveError(400, `alias '${ctx.params.rename}' already exists`);
          fw.aliases.delete(String(ctx.params.name).toLowerCase());
          fw.aliases.set(to, a);
        }
        return null;
      },
    }),
    op({
      method: 'DELETE',
      path: `${base}/{name}`,
      name: 'remove_alias',
      description: 'Remove IP or Network alias.',
      parameters: { ...s.params, name: NAME, digest: DIGEST },
      returns: returns.null,
      permissions: s.modify,
      protected: 1,
      handler: (ctx) => {
        const { fw } = find(ctx);
        checkDigest(ctx, digestOf(fw.aliases));
        const name = String(ctx.params.name).toLowerCase();
        const used = fw.rules.some((r) =>
          [r.source, r.dest].some((v) =>
            String(v ?? '')
              .split(',')
              .includes(name),
          ),
        );
        if (used) throw new PveError(400, `alias '${name}' is used by a firewall rule`);
        fw.aliases.delete(name);
        return null;
      },
    }),
  ];
}

function ipsetOperations(s: ScopeSpec): Operation[] {
  const base = `${s.base}/ipset`;
  const setOf = (ctx: RequestContext<WireParams & { readonly name: string }>) => {
    const fw = s.resolve(ctx);
    const set = fw.ipsets.get(ctx.params.name);
    if (!set) throw new PveError(400, `no such IPSet '${ctx.params.name}'`);
    return { fw, set };
  };
  const entryOf = (ctx: RequestContext<WireParams & { readonly name: string; readonly cidr: string }>) => {
    const { set } = setOf(ctx);
    const e = set.entries.get(ctx.params.cidr);
    if (!e) throw new PveError(400, `no such IP/Network '${ctx.params.cidr}'`);
    return { set, e };
  };
  const checkCidr = (ctx: RequestContext, fw: FirewallScope, v: string) => {
    if (!ADDRESS.test(v) && !fw.aliases.has(v.toLowerCase()) && !clusterScope(ctx).aliases.has(v.toLowerCase().replace(/^dc\//, ''))) {
      throw paramError({ cidr: `value does not look like a valid IP address, CIDR network or alias` });
    }
  };
  return [
    op({
      method: 'GET',
      path: base,
      name: 'ipset_index',
      description: 'List IPSets',
      parameters: s.params,
      returns: returns.array({ name: IPSET }, 'name'),
      permissions: s.audit,
      handler: (ctx) => {
        const fw = s.resolve(ctx);
        const digest = digestOf(fw.ipsets);
        return [...fw.ipsets].map(([name, set]) => ({ name, ...(set.comment ? { comment: set.comment } : {}), digest }));
      },
    }),
    op({
      method: 'POST',
      path: base,
      name: 'create_ipset',
      description: 'Create new IPSet',
      parameters: {
        ...s.params,
        name: IPSET,
        comment: COMMENT,
        digest: DIGEST,
        rename: opt(
          P.str(
            "Rename an existing IPSet. You can set 'rename' to the same value as 'name' to update the 'comment' of an existing IPSet.",
            { maxLength: 64, minLength: 2, pattern: '[A-Za-z][A-Za-z0-9\\-\\_]+' },
          ),
        ),
      },
      returns: returns.null,
      permissions: s.modify,
      protected: 1,
      handler: (ctx) => {
        const fw = s.resolve(ctx);
        checkDigest(ctx, digestOf(fw.ipsets));
        if (ctx.params.rename) {
          const set = fw.ipsets.get(ctx.params.rename);
          if (!set) throw new PveError(400, `no such IPSet '${ctx.params.rename}'`);
          if (ctx.params.rename !== ctx.params.name && fw.ipsets.has(ctx.params.name))
            throw new PveError(400, `IPSet '${ctx.params.name}' already exists`);
          if (ctx.params.comment !== undefined) set.comment = ctx.params.comment;
          fw.ipsets.delete(ctx.params.rename);
          fw.ipsets.set(ctx.params.name, set);
          return null;
        }
        if (fw.ipsets.has(ctx.params.name)) throw new PveError(400, `IPSet '${ctx.params.name}' already exists`);
        fw.ipsets.set(ctx.params.name, { ...(ctx.params.comment ? { comment: ctx.params.comment } : {}), entries: new Map() });
        return null;
      },
    }),
    op({
      method: 'GET',
      path: `${base}/{name}`,
      name: 'get_ipset',
      description: 'List IPSet content',
      parameters: { ...s.params, name: IPSET },
      returns: returns.array({ cidr: CIDR }, 'cidr'),
      permissions: s.audit,
      handler: (ctx) => {
        const { set } = setOf(ctx);
        const digest = digestOf(set.entries);
        return [...set.entries].map(([cidr, e]) => ({ cidr, ...e, digest }));
      },
    }),
    op({
      method: 'POST',
      path: `${base}/{name}`,
      name: 'create_ip',
      description: 'Add IP or Network to IPSet.',
      parameters: { ...s.params, name: IPSET, cidr: CIDR, comment: COMMENT, nomatch: opt(P.bool('')) },
      returns: returns.null,
      permissions: s.modify,
      protected: 1,
      handler: (ctx) => {
        const { fw, set } = setOf(ctx);
        checkCidr(ctx, fw, ctx.params.cidr);
        if (set.entries.has(ctx.params.cidr)) throw new PveError(400, `address '${ctx.params.cidr}' already exists`);
        set.entries.set(ctx.params.cidr, {
          ...(ctx.params.nomatch ? { nomatch: 1 } : {}),
          ...(ctx.params.comment ? { comment: ctx.params.comment } : {}),
        });
        return null;
      },
    }),
    op({
      method: 'DELETE',
      path: `${base}/{name}`,
      name: 'delete_ipset',
      description: 'Delete IPSet',
      parameters: { ...s.params, name: IPSET, force: opt(P.bool('Delete all members of the IPSet, if there are any.')) },
      returns: returns.null,
      permissions: s.modify,
      protected: 1,
      handler: (ctx) => {
        const { fw, set } = setOf(ctx);
        if (set.entries.size && !ctx.params.force) throw new PveError(400, 'IPSet not empty');
        fw.ipsets.delete(ctx.params.name);
        return null;
      },
    }),
    op({
      method: 'GET',
      path: `${base}/{name}/{cidr}`,
      name: 'read_ip',
      description: 'Read IP or Network settings from IPSet.',
      parameters: { ...s.params, name: IPSET, cidr: CIDR },
      returns: { type: 'object' },
      permissions: s.audit,
      protected: 1,
      handler: (ctx) => {
        const { set, e } = entryOf(ctx);
        return { cidr: ctx.params.cidr, ...e, digest: digestOf(set.entries) };
      },
    }),
    op({
      method: 'PUT',
      path: `${base}/{name}/{cidr}`,
      name: 'update_ip',
      description: 'Update IP or Network settings',
      parameters: { ...s.params, name: IPSET, cidr: CIDR, comment: COMMENT, nomatch: opt(P.bool('')), digest: DIGEST },
      returns: returns.null,
      permissions: s.modify,
      protected: 1,
      handler: (ctx) => {
        const { set, e } = entryOf(ctx);
        checkDigest(ctx, digestOf(set.entries));
        if (ctx.params.comment !== undefined) e.comment = ctx.params.comment;
        if (ctx.params.nomatch !== undefined) {
          if (ctx.params.nomatch) e.nomatch = 1;
          else delete e.nomatch;
        }
        return null;
      },
    }),
    op({
      method: 'DELETE',
      path: `${base}/{name}/{cidr}`,
      name: 'remove_ip',
      description: 'Remove IP or Network from IPSet.',
      parameters: { ...s.params, name: IPSET, cidr: CIDR, digest: DIGEST },
      returns: returns.null,
      permissions: s.modify,
      protected: 1,
      handler: (ctx) => {
        const { set } = entryOf(ctx);
        checkDigest(ctx, digestOf(set.entries));
        set.entries.delete(ctx.params.cidr);
        return null;
      },
    }),
  ];
}

function groupOperations(s: ScopeSpec): Operation[] {
  // Also reached from the group's rule family, where `group` is a path parameter given as data.
  const groupOf = (ctx: RequestContext<WireParams>) => {
    const name = String(ctx.params.group);
    const g = clusterScope(ctx).groups.get(name);
    if (!g) throw new PveError(400, `no such security group '${name}'`);
    return g;
  };
  const usedBy = (ctx: RequestContext, group: string) => {
    for (const fw of ctx.sim.state.firewall.values()) if (fw.rules.some((r) => r.type === 'group' && r.action === group)) return true;
    return false;
  };
  return [
    op({
      method: 'GET',
      path: '/cluster/firewall/groups',
      name: 'list_security_groups',
      description: 'List security groups.',
      returns: returns.array({ group: GROUP, digest: P.str('') }, 'group'),
      permissions: { user: 'all' },
      handler: (ctx) => {
        const dc = clusterScope(ctx);
        const digest = digestOf(dc.groups);
        return [...dc.groups].map(([group, g]) => ({ group, ...(g.comment ? { comment: g.comment } : {}), digest }));
      },
    }),
    op({
      method: 'POST',
      path: '/cluster/firewall/groups',
      name: 'create_security_group',
      description: 'Create new security group.',
      parameters: {
        group: GROUP,
        comment: COMMENT,
        rename: opt(
          P.str(
            "Rename/update an existing security group. You can set 'rename' to the same value as 'name' to update the 'comment' of an existing group.",
            { maxLength: 18, minLength: 2, pattern: '[A-Za-z][A-Za-z0-9\\-\\_]+' },
          ),
        ),
        digest: DIGEST,
      },
      returns: returns.null,
      permissions: s.modify,
      protected: 1,
      handler: (ctx) => {
        const dc = clusterScope(ctx);
        checkDigest(ctx, digestOf(dc.groups));
        if (ctx.params.rename) {
          const g = dc.groups.get(ctx.params.rename);
          if (!g) throw new PveError(400, `no such security group '${ctx.params.rename}'`);
          if (ctx.params.rename !== ctx.params.group && dc.groups.has(ctx.params.group))
            throw new PveError(400, `security group '${ctx.params.group}' already exists`);
          if (ctx.params.comment !== undefined) g.comment = ctx.params.comment;
          dc.groups.delete(ctx.params.rename);
          dc.groups.set(ctx.params.group, g);
          for (const fw of ctx.sim.state.firewall.values())
            for (const r of fw.rules) if (r.type === 'group' && r.action === ctx.params.rename) r.action = ctx.params.group;
          return null;
        }
        if (dc.groups.has(ctx.params.group)) throw new PveError(400, `security group '${ctx.params.group}' already exists`);
        dc.groups.set(ctx.params.group, { ...(ctx.params.comment ? { comment: ctx.params.comment } : {}), rules: [] });
        return null;
      },
    }),
    op({
      method: 'DELETE',
      path: '/cluster/firewall/groups/{group}',
      name: 'delete_security_group',
      description: 'Delete security group.',
      parameters: { group: GROUP },
      returns: returns.null,
      permissions: s.modify,
      protected: 1,
      handler: (ctx) => {
        const g = groupOf(ctx);
        if (g.rules.length) throw new PveError(400, 'security group is not empty');
        if (usedBy(ctx, ctx.params.group)) throw new PveError(400, `security group '${ctx.params.group}' is used by a firewall rule`);
        clusterScope(ctx).groups.delete(ctx.params.group);
        return null;
      },
    }),
    ...ruleOperations(
      s,
      '/cluster/firewall/groups/{group}',
      { group: GROUP },
      (ctx) => ({ rules: groupOf(ctx).rules, fw: clusterScope(ctx) }),
      true,
      {
        list: 'get_rules',
        create: 'create_rule',
        read: 'get_rule',
        update: 'update_rule',
        remove: 'delete_rule',
      },
    ),
  ];
}

function optionOperations(s: ScopeSpec): Operation[] {
  const px = s.proxied ? { proxyto: 'node' as const } : {};
  return [
    op({
      method: 'GET',
      path: `${s.base}/options`,
      name: 'get_options',
      description: 'Get Firewall options.',
      parameters: s.params,
      returns: { type: 'object', properties: s.options },
      permissions: s.audit,
      ...px,
      handler: (ctx) => {
        const fw = s.resolve(ctx);
        return { ...fw.options, digest: digestOf(fw.options) };
      },
    }),
    op({
      method: 'PUT',
      path: `${s.base}/options`,
      name: 'set_options',
      description: 'Set Firewall options.',
      parameters: { ...s.params, ...s.options, delete: DELETE, digest: DIGEST },
      returns: returns.null,
      permissions: s.modify,
      protected: 1,
      ...px,
      handler: (ctx) => {
        const fw = s.resolve(ctx);
        checkDigest(ctx, digestOf(fw.options));
        for (const k of String(ctx.params.delete ?? '')
          .split(/[,;\s]+/)
          .filter(Boolean)) {
          if (!s.options[k]) throw paramError({ delete: `invalid format - '${k}' is not a firewall option` });
          delete fw.options[k];
        }
        const given: WireParams = ctx.params;
        for (const k of Object.keys(s.options)) if (given[k] !== undefined) fw.options[k] = given[k];
        return null;
      },
    }),
  ];
}

type LogParams = { readonly since?: number; readonly until?: number; readonly start?: number; readonly limit?: number };

/** Deterministic firewall log lines: what the rules and policy of the scope would have logged. */
function logLines(ctx: RequestContext<WireParams & LogParams>, s: ScopeSpec, id: string): Array<{ n: number; t: string }> {
  const fw = s.resolve(ctx);
  const lines: string[] = [];
  const base = Math.floor(Date.now() / 1000) - 3600;
  const stamp = (i: number) =>
    new Date((base + i * 97) * 1000).toUTCString().replace(/^\w+, (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1/$2/$3:$4 +0000');
  const dev = id === 'host' ? 'vmbr0' : `fwbr${id}i0`;
  const policy = String(fw.options.policy_in ?? 'DROP');
  for (let i = 0; i < 40; i++) {
    const src = `198.51.100.${(i * 37) % 250}`;
    const port = [22, 443, 3389, 8006, 25, 53][i % 6];
    const rule = fw.rules.filter((r) => r.enable && r.log && r.log !== 'nolog')[i % 3];
    const what = rule ? `${String(rule.type).toUpperCase()} ${rule.action}` : `policy ${policy}`;
    lines.push(
      `${id === 'host' ? 0 : id} 6 ${id === 'host' ? 'PVEFW-HOST-IN' : 'tap' + id + 'i0-IN'} ${stamp(i)} ${what}: IN=${dev} SRC=${src} DST=192.0.2.${100 + (i % 5)} LEN=60 TOS=0x00 PREC=0x00 TTL=${50 + (i % 10)} ID=${4000 + i * 13} DF PROTO=TCP SPT=${40000 + i * 7} DPT=${port} SEQ=${1000000 + i} ACK=0 WINDOW=64240 SYN`,
    );
  }
  let out = lines.map((t, i) => ({ n: i + 1, t }));
  const { since, until } = ctx.params;
  if (since !== undefined) out = out.filter((_, i) => base + i * 97 >= since);
  if (until !== undefined) out = out.filter((_, i) => base + i * 97 <= until);
  const start = ctx.params.start ?? 0;
  const limit = ctx.params.limit ?? 50;
  ctx.envelope.total = out.length;
  return out.slice(start, start + limit);
}

function scopeOperations(s: ScopeSpec, id: (ctx: RequestContext<WireParams>) => string): Operation[] {
  const ops: Operation[] = [
    op({
      method: 'GET',
      path: s.base,
      name: 'index',
      description: 'Directory index.',
      parameters: s.params,
      returns: returns.array({}, 'name'),
      permissions: { user: 'all' },
      handler: (ctx) => {
        s.resolve(ctx);
        return index(s.index, 'name');
      },
    }),
    ...ruleOperations(
      s,
      `${s.base}/rules`,
      {},
      (ctx) => {
        const fw = s.resolve(ctx);
        return { rules: fw.rules, fw };
      },
      false,
      { list: 'get_rules', create: 'create_rule', read: 'get_rule', update: 'update_rule', remove: 'delete_rule' },
    ),
    ...optionOperations(s),
  ];
  if (s.parts.aliases) ops.push(...aliasOperations(s));
  if (s.parts.ipsets) ops.push(...ipsetOperations(s));
  if (s.parts.groups) ops.push(...groupOperations(s));
  if (s.parts.log) {
    ops.push(
      op({
        method: 'GET',
        path: `${s.base}/log`,
        name: 'log',
        description: 'Read firewall log',
        parameters: {
          ...s.params,
          limit: opt(P.int('', { minimum: 0 })),
          start: opt(P.int('', { minimum: 0 })),
          since: opt(P.int('Display log since this UNIX epoch.', { minimum: 0 })),
          until: opt(P.int('Display log until this UNIX epoch.', { minimum: 0 })),
        },
        returns: returns.array({ n: P.int('Line number'), t: P.str('Line text') }),
        permissions: s.logPerm!,
        protected: 1,
        proxyto: 'node',
        handler: (ctx) => logLines(ctx, s, id(ctx)),
      }),
    );
  }
  if (s.parts.refs) {
    ops.push(
      op({
        method: 'GET',
        path: `${s.base}/refs`,
        name: 'refs',
        description: 'Lists possible IPSet/Alias reference which are allowed in source/dest properties.',
        parameters: { ...s.params, type: opt(P.enum('Only list references of specified type.', ['alias', 'ipset'])) },
        returns: returns.array({ name: P.str(''), ref: P.str(''), type: P.enum('', ['alias', 'ipset']) }),
        permissions: s.audit,
        handler: (ctx) => {
          const scopes: Array<[FirewallScope, 'dc' | 'guest']> =
            s.refScope === 'dc'
              ? [[s.resolve(ctx), 'dc']]
              : [
                  [clusterScope(ctx), 'dc'],
                  [s.resolve(ctx), 'guest'],
                ];
          const out: Item[] = [];
          for (const [fw, scope] of scopes) {
            if (ctx.params.type !== 'alias')
              for (const [name, set] of fw.ipsets)
                out.push({ type: 'ipset', name, ref: `+${scope}/${name}`, scope, ...(set.comment ? { comment: set.comment } : {}) });
            if (ctx.params.type !== 'ipset')
              for (const [name, a] of fw.aliases)
                out.push({ type: 'alias', name, ref: `${scope}/${name}`, scope, ...(a.comment ? { comment: a.comment } : {}) });
          }
          return out;
        },
      }),
    );
  }
  if (s.parts.macros) {
    ops.push(
      op({
        method: 'GET',
        path: `${s.base}/macros`,
        name: 'get_macros',
        description: 'List available macros',
        returns: returns.array({ macro: P.str('Macro name.'), descr: P.str('More verbose description (if available).') }),
        permissions: { user: 'all' },
        handler: () => Object.entries(MACROS).map(([macro, descr]) => ({ macro, descr })),
      }),
    );
  }
  return ops;
}

function guestScope(ctx: RequestContext<WireParams>, type: GuestType): FirewallScope {
  const g = ctx.sim.state.guestOn(String(ctx.params.node), type, Number(ctx.params.vmid));
  const key = `vm/${g.vmid}`;
  let fw = ctx.sim.state.firewall.get(key);
  if (!fw) ctx.sim.state.firewall.set(key, (fw = newFirewallScope()));
  return fw;
}

export function firewallOperations(): Operation[] {
  const cluster: ScopeSpec = {
    base: '/cluster/firewall',
    params: {},
    audit: { check: ['perm', '/', ['Sys.Audit']] },
    modify: { check: ['perm', '/', ['Sys.Modify']] },
    options: CLUSTER_OPTIONS,
    parts: { aliases: true, ipsets: true, groups: true, log: false, refs: true, macros: true },
    resolve: (ctx) => clusterScope(ctx),
    proxied: false,
    index: ['aliases', 'groups', 'ipset', 'macros', 'options', 'refs', 'rules'],
    refScope: 'dc',
  };
  const node: ScopeSpec = {
    base: '/nodes/{node}/firewall',
    params: { node: P.node() },
    audit: { check: ['perm', '/nodes/{node}', ['Sys.Audit']] },
    modify: { check: ['perm', '/nodes/{node}', ['Sys.Modify']] },
    logPerm: { check: ['perm', '/nodes/{node}', ['Sys.Syslog']] },
    options: NODE_OPTIONS,
    parts: { aliases: false, ipsets: false, groups: false, log: true, refs: false, macros: false },
    resolve: (ctx) => {
      const key = `node/${ctx.params.node}`;
      let fw = ctx.sim.state.firewall.get(key);
      if (!fw) ctx.sim.state.firewall.set(key, (fw = newFirewallScope({ enable: 1 })));
      return fw;
    },
    proxied: true,
    index: ['log', 'options', 'rules'],
    refScope: 'dc',
  };
  const ops = [...scopeOperations(cluster, () => 'host'), ...scopeOperations(node, () => 'host')];
  for (const type of ['qemu', 'lxc'] as const) {
    const guest: ScopeSpec = {
      base: `/nodes/{node}/${type}/{vmid}/firewall`,
      params: { node: P.node(), vmid: P.vmid() },
      audit: { check: ['perm', '/vms/{vmid}', ['VM.Audit']] },
      modify: { check: ['perm', '/vms/{vmid}', ['VM.Config.Network']] },
      logPerm: { check: ['perm', '/vms/{vmid}', ['VM.Console']] },
      options: GUEST_OPTIONS,
      parts: { aliases: true, ipsets: true, groups: false, log: true, refs: true, macros: false },
      resolve: (ctx) => guestScope(ctx, type),
      proxied: true,
      index: ['aliases', 'ipset', 'log', 'options', 'refs', 'rules'],
      refScope: 'guest',
    };
    ops.push(...scopeOperations(guest, (ctx) => String(ctx.params.vmid)));
  }
  return ops;
}

import { createHash } from 'node:crypto';
import { authId, hasPriv } from '../access.js';
import type { RequestContext } from '../context.js';
import { checkDigest } from '../crud.js';
import { PveError, paramError } from '../errors.js';
import { PACKAGES, aptRepositories, type NodeFacts } from '../node-facts.js';
import { P, opt, type Props } from '../params.js';
import { op, returns, taskOp, type Operation } from '../schema.js';
import { PVE_VERSION } from '../state.js';
import { index, now } from './common.js';
import { NODE, NODE_MODIFY, nodeWrite } from './node-shared.js';

const AUDIT = { check: ['perm', '/nodes/{node}', ['Sys.Audit']] };
const SYSLOG = { check: ['perm', '/nodes/{node}', ['Sys.Syslog']] };
const SERVICE_NAMES = [
  'chrony',
  'corosync',
  'cron',
  'ksmtuned',
  'lxcfs',
  'postfix',
  'proxmox-firewall',
  'pve-cluster',
  'pve-firewall',
  'pve-ha-crm',
  'pve-ha-lrm',
  'pve-lxc-syscalld',
  'pvedaemon',
  'pvefw-logger',
  'pveproxy',
  'pvescheduler',
  'pvestatd',
  'qmeventd',
  'spiceproxy',
  'sshd',
  'syslog',
  'systemd-journald',
  'systemd-timesyncd',
];

export function factsOf(ctx: RequestContext<{ readonly node: string }>): NodeFacts {
  const f = ctx.sim.state.nodeFacts.get(ctx.params.node);
  if (!f) throw new PveError(500, `no such node '${ctx.params.node}'`);
  return f;
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(8, '0');
}

/**
 * The node's log: a deterministic day of a lived-in node (boot, corosync, logins, backup and replication
 * trouble, a failing disk on pve3), then the tasks it ran and what happened since the simulator started.
 */
export function logEntries(ctx: RequestContext, node: string): Array<{ time: number; tag: string; msg: string }> {
  const state = ctx.sim.state;
  const n = state.node(node)!;
  const facts = state.nodeFacts.get(node)!;
  const t0 = now() - 6 * 3600;
  const at = (min: number) => t0 + min * 60;
  const lines: Array<{ time: number; tag: string; msg: string }> = [
    { time: at(0), tag: 'systemd[1]', msg: 'Started cron.service - Regular background program processing daemon.' },
    {
      time: at(1),
      tag: 'corosync[1423]',
      msg: `[TOTEM ] A new membership (1.${(n.id * 7).toString(16)}) was formed. Members joined: 1 2 3`,
    },
    { time: at(1), tag: 'corosync[1423]', msg: '[QUORUM] This node is within the primary component and will provide service.' },
    { time: at(2), tag: 'pmxcfs[1301]', msg: '[status] notice: all data is up to date' },
    { time: at(5), tag: 'chronyd[1102]', msg: 'Selected source 192.0.2.123 (2.debian.pool.ntp.org)' },
    {
      time: at(12),
      tag: 'sshd[20412]',
      msg: 'Accepted publickey for root from 198.51.100.10 port 51234 ssh2: ED25519 SHA256:q3e9Vv2jU0lH1kVwZ2X2bR1ObjEo8hZPpm9C4bTQ3kE',
    },
    { time: at(12), tag: 'systemd-logind[998]', msg: 'New session 41 of user root.' },
    { time: at(20), tag: 'pvedaemon[2210]', msg: "<alice@pve> successful auth for user 'alice@pve'" },
    {
      time: at(27),
      tag: 'pvedaemon[2210]',
      msg: "authentication failure; rhost=::ffff:203.0.113.77 user=admin@pam msg=no such user ('admin@pam')",
    },
    {
      time: at(27),
      tag: 'pvedaemon[2211]',
      msg: 'authentication failure; rhost=::ffff:203.0.113.77 user=root@pam msg=Authentication failure',
    },
    { time: at(45), tag: 'pveproxy[2480]', msg: 'worker 2482 finished' },
    { time: at(45), tag: 'pveproxy[2480]', msg: 'starting 1 worker(s)' },
    { time: at(60), tag: 'CRON[31002]', msg: 'pam_unix(cron:session): session opened for user root(uid=0) by root(uid=0)' },
    { time: at(95), tag: 'pvestatd[2102]', msg: 'status update time (5.112 seconds)' },
    {
      time: at(120),
      tag: 'kernel',
      msg: `vmbr0: port 2(tap${node === 'pve1' ? 100 : node === 'pve2' ? 103 : 107}i0) entered forwarding state`,
    },
    {
      time: at(150),
      tag: 'pvescheduler[40211]',
      msg: "101-0: got unexpected replication job error - missing replicate feature on volume 'local-lvm:vm-101-disk-0'",
    },
    { time: at(180), tag: 'pve-ha-lrm[2301]', msg: "successfully acquired lock 'ha_agent_" + node + "_lock'" },
    { time: at(210), tag: 'postfix/smtp[41022]', msg: 'connect to smtp.simlab.example[192.0.2.25]:25: Connection timed out' },
    {
      time: at(240),
      tag: 'pvedaemon[2212]',
      msg: '<bob@pve> starting task UPID:' + node + ':0000A1B2:00C0FFEE:' + hex(at(240)) + ':qmstart:103:bob@pve:',
    },
  ];
  if (node === 'pve3') {
    lines.push(
      { time: at(200), tag: 'smartd[1050]', msg: `Device: /dev/sdc [SAT], 8 Currently unreadable (pending) sectors` },
      { time: at(200), tag: 'smartd[1050]', msg: `Device: /dev/sdc [SAT], SMART Failure: FAILURE PREDICTION THRESHOLD EXCEEDED` },
      { time: at(300), tag: 'vzdump[51200]', msg: 'ERROR: Backup of VM 107 failed - VM is locked (backup)' },
    );
  }
  if (node === 'pve2') lines.push({ time: at(290), tag: 'pvedaemon[2215]', msg: 'migration problems' });
  for (const t of ctx.sim.tasks.tasks) {
    if (t.node !== node) continue;
    const who = t.tokenid ? `${t.user}!${t.tokenid}` : t.user;
    lines.push({ time: t.starttime, tag: 'pvedaemon[2210]', msg: `<${who}> starting task ${t.upid}` });
    if (t.status === 'stopped')
      lines.push({ time: t.endtime ?? t.starttime, tag: 'pvedaemon[2210]', msg: `<${who}> end task ${t.upid} ${t.exitstatus}` });
  }
  lines.push(...facts.events);
  return lines.sort((a, b) => a.time - b.time);
}

function syslogLine(node: string, e: { time: number; tag: string; msg: string }): string {
  const d = new Date(e.time * 1000);
  const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const stamp = `${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
  return `${stamp} ${node} ${e.tag}: ${e.msg}`;
}

function parseWhen(v: string | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?$/.exec(v);
  if (!m) throw paramError({ [field]: `value does not match the regex pattern` });
  return Math.floor(Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}Z`) / 1000);
}

function serviceTask(
  ctx: RequestContext<{ readonly node: string; readonly service: string }>,
  action: 'start' | 'stop' | 'restart' | 'reload',
): string {
  const facts = factsOf(ctx);
  const svc = facts.services.get(ctx.params.service)!;
  const name: string = ctx.params.service;
  return ctx.sim.tasks.start({
    node: ctx.params.node,
    type: `srv${action}`,
    id: name,
    who: ctx.who,
    effect: () => {
      if (action === 'reload' && svc.state !== 'running')
        throw new Error(`Job for ${name}.service failed because the control process exited with error code.`);
      svc.state = action === 'stop' ? 'dead' : 'running';
      const verb = { start: 'Started', stop: 'Stopped', restart: 'Started', reload: 'Reloaded' }[action];
      facts.events.push({ time: now(), tag: 'systemd[1]', msg: `${verb} ${name}.service - ${svc.desc}.` });
    },
  });
}

function serviceRow(s: { name: string; desc: string; state: string; enabled: boolean }): Record<string, unknown> {
  return {
    service: s.name,
    name: s.name,
    desc: s.desc,
    state: s.state,
    'active-state': s.state === 'running' ? 'active' : 'inactive',
    'unit-state': s.enabled ? 'enabled' : 'disabled',
  };
}

/** A point series for rrddata: plausible, deterministic curves per resource. */
export function rrdSeries(
  timeframe: string,
  seed: number,
  sample: (t: number, wave: number) => Record<string, number>,
): Array<Record<string, number>> {
  const step = { hour: 60, day: 1800, week: 10800, month: 43200, year: 604800, decade: 6048000 }[timeframe] ?? 60;
  const end = Math.floor(now() / step) * step;
  const out: Array<Record<string, number>> = [];
  for (let i = 69; i >= 0; i--) {
    const t = end - i * step;
    const wave = (Math.sin((t / step + seed) / 7) + 1) / 2;
    out.push({ time: t, ...sample(t, wave) });
  }
  return out;
}

function nodeRrd(ctx: RequestContext<{ readonly node: string; readonly timeframe: string }>): Array<Record<string, number>> {
  const n = ctx.sim.state.node(ctx.params.node)!;
  return rrdSeries(ctx.params.timeframe, n.id, (_t, w) => ({
    cpu: Number((0.03 + w * 0.2).toFixed(4)),
    maxcpu: n.maxcpu,
    iowait: Number((w * 0.01).toFixed(5)),
    loadavg: Number((0.3 + w * 2).toFixed(2)),
    memtotal: n.maxmem,
    memused: Math.floor(n.maxmem * (0.3 + w * 0.2)),
    swaptotal: 8589930496,
    swapused: 0,
    roottotal: n.maxdisk,
    rootused: Math.floor(n.maxdisk * 0.12),
    netin: Math.floor(50000 + w * 400000),
    netout: Math.floor(30000 + w * 200000),
    pressurecpusome: Number((w * 0.05).toFixed(4)),
  }));
}

function report(ctx: RequestContext<{ readonly node: string }>): string {
  const state = ctx.sim.state;
  const node: string = ctx.params.node;
  const facts = factsOf(ctx);
  const guests = [...state.guests.values()].filter((g) => g.node === node);
  const sections = [
    [
      'general system info',
      [
        `# hostname\n${node}`,
        `# pveversion --verbose\nproxmox-ve: ${PACKAGES[0].version} (running kernel: 6.14.8-2-pve)\npve-manager: ${PVE_VERSION.version} (running version: ${PVE_VERSION.version}/${PVE_VERSION.repoid})\n${PACKAGES.slice(
          2,
        )
          .map((p) => `${p.name}: ${p.version}`)
          .join('\n')}`,
        `# cat /etc/hosts\n${facts.hosts}`,
        `# timedatectl\n               Local time: ${new Date().toUTCString()}\n                Time zone: ${facts.timezone}\nSystem clock synchronized: yes\n              NTP service: active`,
        `# pvesubscription get\nstatus: ${facts.subscription.status}`,
      ],
    ],
    [
      'overall system resource',
      [`# prefix to load\n${state.node(node)!.maxcpu} CPUs, ${Math.round(state.node(node)!.maxmem / 1024 ** 3)} GiB RAM`],
    ],
    [
      'virtual guests',
      [
        `# qm list\n      VMID NAME                 STATUS\n${guests
          .filter((g) => g.type === 'qemu')
          .map((g) => `       ${g.vmid} ${state.guestName(g).padEnd(20)} ${g.power}`)
          .join('\n')}`,
        `# pct list\nVMID       Status     Name\n${guests
          .filter((g) => g.type === 'lxc')
          .map((g) => `${g.vmid}        ${g.power.padEnd(10)} ${state.guestName(g)}`)
          .join('\n')}`,
      ],
    ],
    [
      'network status',
      [
        `# ip -details -statistics address\n${[...facts.network.current.values()].map((i) => `${i.iface}: ${i.active ? 'UP' : 'DOWN'}${i.cidr ? ` inet ${String(i.cidr)}` : ''}`).join('\n')}`,
      ],
    ],
    [
      'disks',
      [
        `# lsblk --ascii\n${facts.disks.map((d) => `${d.devpath.replace('/dev/', '')} ${Math.round(d.size / 1e9)}G disk ${d.used ?? ''}`).join('\n')}`,
      ],
    ],
    [
      'services',
      [
        `# systemctl --failed\n${
          [...facts.services.values()]
            .filter((s) => s.enabled && s.state !== 'running')
            .map((s) => `${s.name}.service failed`)
            .join('\n') || '0 loaded units listed.'
        }`,
      ],
    ],
  ];
  return sections.map(([title, cmds]) => `==== ${title as string} ====\n\n${(cmds as string[]).join('\n\n')}\n`).join('\n');
}

export function nodeSystemOperations(): Operation[] {
  const serviceParams = { node: P.node(), service: P.enum('Service ID', SERVICE_NAMES) } satisfies Props;
  return [
    op({
      method: 'GET',
      path: '/nodes/{node}/syslog',
      name: 'syslog',
      description: 'Read system log',
      parameters: {
        ...NODE,
        limit: opt(P.int('', { minimum: 0 })),
        start: opt(P.int('', { minimum: 0 })),
        since: opt(P.str('Display all log since this date-time string.', { pattern: '^\\d{4}-\\d{2}-\\d{2}( \\d{2}:\\d{2}(:\\d{2})?)?$' })),
        until: opt(P.str('Display all log until this date-time string.', { pattern: '^\\d{4}-\\d{2}-\\d{2}( \\d{2}:\\d{2}(:\\d{2})?)?$' })),
        service: opt(P.str('Service ID', { maxLength: 128 })),
      },
      returns: returns.array({ n: P.int('Line number'), t: P.str('Line text') }),
      permissions: SYSLOG,
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const since = parseWhen(ctx.params.since, 'since');
        const until = parseWhen(ctx.params.until, 'until');
        const svc: string | undefined = ctx.params.service;
        const lines = logEntries(ctx, ctx.params.node)
          .filter((e) => (since === undefined || e.time >= since) && (until === undefined || e.time <= until))
          .filter((e) => !svc || e.tag.startsWith(svc.replace(/\.service$/, '')) || (svc === 'pvedaemon' && e.tag.startsWith('pvedaemon')))
          .map((e) => syslogLine(ctx.params.node, e));
        const start = ctx.params.start ?? 0;
        const limit = ctx.params.limit ?? 50;
        ctx.envelope.total = lines.length;
        const page = lines.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
        return page.length ? page : [{ n: start + 1, t: 'no content' }];
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/journal',
      name: 'journal',
      description: 'Read Journal',
      parameters: {
        ...NODE,
        since: opt(P.int("Display all log since this UNIX epoch. Conflicts with 'startcursor'.", { minimum: 0 })),
        until: opt(P.int("Display all log until this UNIX epoch. Conflicts with 'endcursor'.", { minimum: 0 })),
        lastentries: opt(P.int('Limit to the last X lines. Conflicts with a range.', { minimum: 0 })),
        startcursor: opt(P.str("Start after the given Cursor. Conflicts with 'since'.")),
        endcursor: opt(P.str("End before the given Cursor. Conflicts with 'until'")),
      },
      returns: { type: 'array', items: { type: 'string' } },
      permissions: SYSLOG,
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const p = ctx.params;
        if (p.since !== undefined && p.startcursor !== undefined) throw paramError({ since: "conflicts with 'startcursor'" });
        if (p.until !== undefined && p.endcursor !== undefined) throw paramError({ until: "conflicts with 'endcursor'" });
        const entries = logEntries(ctx, p.node).map((e, i) => ({
          ...e,
          cursor: `s=${createHash('md5').update(p.node).digest('hex')};i=${(0x1000 + i).toString(16)}`,
        }));
        const cursorIndex = (c: string, field: string) => {
          const i = entries.findIndex((e) => e.cursor === c);
          if (i < 0) throw paramError({ [field]: 'no such cursor' });
          return i;
        };
        let from = p.startcursor !== undefined ? cursorIndex(p.startcursor, 'startcursor') + 1 : 0;
        let to = p.endcursor !== undefined ? cursorIndex(p.endcursor, 'endcursor') : entries.length;
        const { since, until } = p;
        if (since !== undefined)
          from = Math.max(from, entries.findIndex((e) => e.time >= since) < 0 ? entries.length : entries.findIndex((e) => e.time >= since));
        if (until !== undefined) to = Math.min(to, entries.filter((e) => e.time <= until).length);
        let slice = entries.slice(from, to);
        if (p.lastentries !== undefined) slice = slice.slice(-p.lastentries);
        else if (p.since === undefined && p.startcursor === undefined) slice = slice.slice(-500);
        const lines = slice.map((e) => `${new Date(e.time * 1000).toISOString().replace(/\.\d+Z$/, '+0000')} ${p.node} ${e.tag}: ${e.msg}`);
        const first = slice[0]?.cursor ?? entries[entries.length - 1]?.cursor;
        const last = slice[slice.length - 1]?.cursor ?? first;
        return [first, ...lines, last];
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/dns',
      name: 'dns',
      description: 'Read DNS settings.',
      parameters: NODE,
      returns: {
        type: 'object',
        properties: { search: opt(P.str('Search domain for host-name lookup.')), dns1: opt(P.str('First name server IP address.')) },
      },
      permissions: AUDIT,
      proxyto: 'node',
      handler: (ctx) => ({ ...factsOf(ctx).dns }),
    }),
    nodeWrite({
      method: 'PUT',
      path: '/nodes/{node}/dns',
      name: 'update_dns',
      description: 'Write DNS settings.',
      parameters: {
        ...NODE,
        search: P.str('Search domain for host-name lookup.'),
        dns1: opt(P.str('First name server IP address.', { format: 'ip' })),
        dns2: opt(P.str('Second name server IP address.', { format: 'ip' })),
        dns3: opt(P.str('Third name server IP address.', { format: 'ip' })),
      },
      handler: (ctx) => {
        const ip = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+:[0-9a-fA-F:]*)$/;
        for (const k of ['dns1', 'dns2', 'dns3'] as const) {
          const v = ctx.params[k];
          if (v !== undefined && !ip.test(v)) throw paramError({ [k]: 'value does not look like a valid IP address' });
        }
        if (!/^[a-zA-Z0-9.-]+( [a-zA-Z0-9.-]+)*$/.test(ctx.params.search))
          throw paramError({ search: 'value does not look like a valid search domain list' });
        const f = factsOf(ctx);
        f.dns = {
          search: ctx.params.search,
          ...(ctx.params.dns1 ? { dns1: ctx.params.dns1 } : {}),
          ...(ctx.params.dns2 ? { dns2: ctx.params.dns2 } : {}),
          ...(ctx.params.dns3 ? { dns3: ctx.params.dns3 } : {}),
        };
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/hosts',
      name: 'get_etc_hosts',
      description: 'Get the content of /etc/hosts.',
      parameters: NODE,
      returns: { type: 'object', properties: { data: P.str('The content of /etc/hosts.'), digest: opt(P.str('')) } },
      permissions: { check: ['perm', '/', ['Sys.Audit']] },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const data = factsOf(ctx).hosts;
        return { data, digest: createHash('sha1').update(data).digest('hex') };
      },
    }),
    nodeWrite({
      method: 'POST',
      path: '/nodes/{node}/hosts',
      name: 'write_etc_hosts',
      description: 'Write /etc/hosts.',
      parameters: {
        ...NODE,
        data: P.str('The target content of /etc/hosts.'),
        digest: opt(
          P.str(
            'Prevent changes if current configuration file has a different digest. This can be used to prevent concurrent modifications.',
            { maxLength: 64 },
          ),
        ),
      },
      handler: (ctx) => {
        const f = factsOf(ctx);
        checkDigest(ctx, createHash('sha1').update(f.hosts).digest('hex'));
        if (/[\u0000-\u0008\u000b-\u001f]/.test(ctx.params.data)) throw paramError({ data: 'contains control characters' });
        f.hosts = ctx.params.data.endsWith('\n') ? ctx.params.data : `${ctx.params.data}\n`;
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/time',
      name: 'time',
      description: 'Read server time and time zone settings.',
      parameters: NODE,
      returns: {
        type: 'object',
        properties: {
          timezone: P.str('Time zone'),
          time: P.int('Seconds since 1970-01-01 00:00:00 UTC.'),
          localtime: P.int('Seconds since 1970-01-01 00:00:00 (local time)'),
        },
      },
      permissions: AUDIT,
      proxyto: 'node',
      handler: (ctx) => {
        const tz = factsOf(ctx).timezone;
        const t = now();
        const local = new Date(new Date(t * 1000).toLocaleString('en-US', { timeZone: tz }) + ' UTC').getTime() / 1000;
        return { timezone: tz, time: t, localtime: Math.round(local) };
      },
    }),
    nodeWrite({
      method: 'PUT',
      path: '/nodes/{node}/time',
      name: 'set_timezone',
      description: 'Set time zone.',
      parameters: { ...NODE, timezone: P.str("Time zone. The file '/usr/share/zoneinfo/zone.tab' contains the list of valid names.") },
      handler: (ctx) => {
        const zones = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
        if (!zones.has(ctx.params.timezone)) throw paramError({ timezone: `Timezone '${ctx.params.timezone}' does not exist` });
        factsOf(ctx).timezone = ctx.params.timezone;
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/report',
      name: 'report',
      description: 'Gather various systems information about a node',
      parameters: NODE,
      returns: { type: 'string' },
      permissions: AUDIT,
      protected: 1,
      proxyto: 'node',
      handler: report,
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/netstat',
      name: 'netstat',
      description: 'Read tap/vm network device interface counters',
      parameters: NODE,
      returns: returns.array({}),
      permissions: AUDIT,
      proxyto: 'node',
      handler: (ctx) =>
        [...ctx.sim.state.guests.values()]
          .filter((g) => g.node === ctx.params.node && g.power !== 'stopped')
          .flatMap((g) =>
            Object.keys(g.config)
              .filter((k) => /^net\d+$/.test(k))
              .map((k) => ({
                dev: g.type === 'qemu' ? `tap${g.vmid}i${k.slice(3)}` : `veth${g.vmid}i${k.slice(3)}`,
                vmid: String(g.vmid),
                in: String((now() - g.startedAt) * 1500 * ((g.vmid % 13) + 1)),
                out: String((now() - g.startedAt) * 900 * ((g.vmid % 13) + 1)),
              })),
          ),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/rrddata',
      name: 'rrddata',
      description: 'Read node RRD statistics',
      parameters: {
        ...NODE,
        timeframe: P.enum('Specify the time frame you are interested in.', ['hour', 'day', 'week', 'month', 'year', 'decade']),
        cf: opt(P.enum('The RRD consolidation function', ['AVERAGE', 'MAX'])),
      },
      returns: returns.array({}),
      permissions: AUDIT,
      protected: 1,
      handler: nodeRrd,
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/rrd',
      name: 'rrd',
      description: 'Read node RRD statistics (returns PNG)',
      parameters: {
        ...NODE,
        ds: P.str('The list of datasources you want to display.', { format: 'pve-configid-list' }),
        timeframe: P.enum('Specify the time frame you are interested in.', ['hour', 'day', 'week', 'month', 'year', 'decade']),
        cf: opt(P.enum('The RRD consolidation function', ['AVERAGE', 'MAX'])),
      },
      returns: { type: 'object', properties: { filename: P.str('') } },
      permissions: AUDIT,
      protected: 1,
      handler: (ctx) => ({
        filename: `/var/tmp/pve-rrd-${ctx.params.node}-${ctx.params.timeframe}-${String(ctx.params.ds).replace(/[^a-z0-9]/gi, '_')}.png`,
      }),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/services',
      name: 'index',
      description: 'Service list.',
      parameters: NODE,
      returns: returns.array({ service: P.str('Systemd unit name.') }, 'service'),
      permissions: AUDIT,
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => [...factsOf(ctx).services.values()].map(serviceRow),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/services/{service}',
      name: 'srvcmdidx',
      description: 'Directory index',
      parameters: serviceParams,
      returns: returns.array({ subdir: P.str('') }, 'subdir'),
      permissions: AUDIT,
      handler: () => index(['state', 'start', 'stop', 'restart', 'reload']),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/services/{service}/state',
      name: 'service_state',
      description: 'Read service properties',
      parameters: serviceParams,
      returns: { type: 'object' },
      permissions: AUDIT,
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => serviceRow(factsOf(ctx).services.get(ctx.params.service)!),
    }),
    ...(['start', 'stop', 'restart', 'reload'] as const).map((action) =>
      taskOp({
        method: 'POST',
        path: `/nodes/{node}/services/{service}/${action}`,
        name: `service_${action}`,
        description: `${action[0].toUpperCase()}${action.slice(1)} service.`,
        parameters: serviceParams,
        returns: { type: 'string' },
        permissions: NODE_MODIFY,
        handler: (ctx) => serviceTask(ctx, action),
      }),
    ),
    op({
      method: 'GET',
      path: '/nodes/{node}/subscription',
      name: 'get',
      description: 'Read subscription info.',
      parameters: NODE,
      returns: {
        type: 'object',
        properties: {
          status: P.enum('The current subscription status.', ['new', 'notfound', 'active', 'invalid', 'expired', 'suspended']),
        },
      },
      permissions: { user: 'all' },
      proxyto: 'node',
      handler: (ctx) => {
        const s = factsOf(ctx).subscription;
        const n = ctx.sim.state.node(ctx.params.node)!;
        const serverid = createHash('md5').update(`server-${n.node}`).digest('hex').toUpperCase();
        if (s.status === 'notfound')
          return {
            status: 'notfound',
            message: 'There is no subscription key',
            serverid,
            sockets: 1,
            url: 'https://www.proxmox.com/en/proxmox-virtual-environment/pricing',
          };
        const row: Record<string, unknown> = {
          status: s.status,
          serverid,
          sockets: 1,
          checktime: s.checktime,
          productname: 'Proxmox VE Community Subscription 1 CPU/year',
          level: 'c',
          regdate: s.regdate,
          nextduedate: s.nextduedate,
          url: 'https://www.proxmox.com/en/proxmox-virtual-environment/pricing',
        };
        if (hasPriv(ctx.who, `/nodes/${ctx.params.node}`, 'Sys.Audit')) row.key = s.key;
        return row;
      },
    }),
    nodeWrite({
      method: 'PUT',
      path: '/nodes/{node}/subscription',
      name: 'set',
      description: 'Set subscription key.',
      parameters: {
        ...NODE,
        key: P.str('Proxmox VE subscription key', { pattern: '\\s*pve([1248])([cbsp])-[0-9a-f]{10}\\s*', maxLength: 32 }),
      },
      handler: (ctx) => {
        const t = now();
        const f = factsOf(ctx);
        f.subscription = {
          key: String(ctx.params.key).trim(),
          status: 'active',
          checktime: t,
          regdate: new Date(t * 1000).toISOString().slice(0, 10) + ' 00:00:00',
          nextduedate: new Date((t + 365 * 86400) * 1000).toISOString().slice(0, 10),
        };
        f.events.push({ time: t, tag: 'pvedaemon[2210]', msg: `<${authId(ctx.who)}> set subscription key` });
        return null;
      },
    }),
    nodeWrite({
      method: 'POST',
      path: '/nodes/{node}/subscription',
      name: 'update',
      description: 'Update subscription info.',
      parameters: { ...NODE, force: opt(P.bool('Always connect to server, even if local cache is still valid.', { default: 0 })) },
      handler: (ctx) => {
        const s = factsOf(ctx).subscription;
        if (s.status !== 'notfound') s.checktime = now();
        return null;
      },
    }),
    nodeWrite({
      method: 'DELETE',
      path: '/nodes/{node}/subscription',
      name: 'delete',
      description: 'Delete subscription key of this node.',
      parameters: NODE,
      handler: (ctx) => {
        factsOf(ctx).subscription = { status: 'notfound' };
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/apt',
      name: 'index',
      description: 'Directory index for apt (Advanced Package Tool).',
      parameters: NODE,
      returns: returns.array({ id: P.str('') }, 'id'),
      permissions: { user: 'all' },
      handler: () => index(['changelog', 'repositories', 'update', 'versions'], 'id'),
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/apt/update',
      name: 'list_updates',
      description: 'List available updates.',
      parameters: NODE,
      returns: returns.array({ Package: P.str('Package name.') }),
      permissions: NODE_MODIFY,
      protected: 1,
      proxyto: 'node',
      handler: () =>
        PACKAGES.filter((p) => p.candidate).map((p) => ({
          Package: p.name,
          Title: p.title,
          Description: p.title,
          OldVersion: p.version,
          Version: p.candidate,
          Arch: 'amd64',
          Origin: p.name.startsWith('lib') || p.name.startsWith('openssh') ? 'Debian' : 'Proxmox',
          Priority: 'optional',
          Section: p.section,
        })),
    }),
    taskOp({
      method: 'POST',
      path: '/nodes/{node}/apt/update',
      name: 'update_database',
      description: 'This is used to resynchronize the package index files from their sources (apt-get update).',
      parameters: {
        ...NODE,
        notify: opt(P.bool('Send notification about new packages.', { default: 0 })),
        quiet: opt(P.bool('Only produces output suitable for logging, omitting progress indicators.', { default: 0 })),
      },
      returns: { type: 'string' },
      permissions: NODE_MODIFY,
      handler: (ctx) => {
        const f = factsOf(ctx);
        return ctx.sim.tasks.start({
          node: ctx.params.node,
          type: 'aptupdate',
          id: '',
          who: ctx.who,
          log: [
            'starting apt-get update',
            'Hit:1 http://deb.debian.org/debian trixie InRelease',
            'Get:2 http://security.debian.org/debian-security trixie-security InRelease [43.4 kB]',
            'Hit:3 http://download.proxmox.com/debian/pve trixie InRelease',
          ],
          effect: () => {
            const lines = [];
            if (f.apt.enterprise && f.subscription.status !== 'active') {
              lines.push(
                'Err:4 https://enterprise.proxmox.com/debian/pve trixie InRelease',
                '  401  Unauthorized [IP: 212.224.123.70 443]',
                'E: Failed to fetch https://enterprise.proxmox.com/debian/pve/dists/trixie/InRelease  401  Unauthorized [IP: 212.224.123.70 443]',
              );
            }
            f.apt.lastUpdate = now();
            lines.push('Reading package lists...');
            if (f.apt.enterprise && f.subscription.status !== 'active') throw new Error("command 'apt-get update' failed: exit code 100");
            return lines;
          },
        });
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/apt/changelog',
      name: 'changelog',
      description: 'Get package changelogs.',
      parameters: { ...NODE, name: P.str('Package name.'), version: opt(P.str('Package version.')) },
      returns: { type: 'string' },
      permissions: NODE_MODIFY,
      proxyto: 'node',
      handler: (ctx) => {
        const p = PACKAGES.find((x) => x.name === ctx.params.name);
        if (!p) throw new PveError(500, `changelog for package '${ctx.params.name}' not available`);
        const v = ctx.params.version ?? p.candidate ?? p.version;
        return `${p.name} (${v}) trixie; urgency=medium\n\n  * update to upstream release ${v.replace(/-.*$/, '')}\n\n  * fix issues reported on the forum\n\n -- Proxmox Support Team <support@proxmox.com>  Mon, 03 Nov 2026 10:12:33 +0100\n\n${p.name} (${p.version}) trixie; urgency=medium\n\n  * previous release\n\n -- Proxmox Support Team <support@proxmox.com>  Tue, 14 Oct 2026 09:01:12 +0200\n`;
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/apt/repositories',
      name: 'repositories',
      description: 'Get APT repository information.',
      parameters: NODE,
      returns: { type: 'object' },
      permissions: AUDIT,
      proxyto: 'node',
      handler: (ctx) => aptRepositories(factsOf(ctx)),
    }),
    nodeWrite({
      method: 'POST',
      path: '/nodes/{node}/apt/repositories',
      name: 'change_repository',
      description: 'Change the properties of a repository. Currently only allows enabling/disabling.',
      parameters: {
        ...NODE,
        path: P.str('Path to the containing file.'),
        index: P.int('Index within the file (starting from 0).'),
        enabled: opt(P.bool('Whether the repository should be enabled or not.')),
        digest: opt(P.str('Digest to detect modifications.', { maxLength: 80 })),
      },
      handler: (ctx) => {
        const f = factsOf(ctx);
        checkDigest(ctx, String(aptRepositories(f).digest));
        const file = (aptRepositories(f).files as Array<{ path: string; repositories: unknown[] }>).find((x) => x.path === ctx.params.path);
        if (!file) throw new PveError(500, `unable to parse repository file '${ctx.params.path}' - No such file or directory`);
        if (ctx.params.index >= file.repositories.length)
          throw new PveError(500, `unable to find repository with index ${ctx.params.index} in '${ctx.params.path}'`);
        if (ctx.params.path.endsWith('pve-enterprise.sources') && ctx.params.enabled !== undefined)
          f.apt.enterprise = ctx.params.enabled === 1;
        return null;
      },
    }),
    nodeWrite({
      method: 'PUT',
      path: '/nodes/{node}/apt/repositories',
      name: 'add_repository',
      description: 'Add a standard repository to the configuration',
      parameters: {
        ...NODE,
        handle: P.str('Handle that identifies a repository.'),
        digest: opt(P.str('Digest to detect modifications.', { maxLength: 80 })),
      },
      handler: (ctx) => {
        const f = factsOf(ctx);
        checkDigest(ctx, String(aptRepositories(f).digest));
        if (ctx.params.handle === 'enterprise') f.apt.enterprise = true;
        else if (ctx.params.handle === 'no-subscription') f.apt.noSubscription = true;
        else if (ctx.params.handle !== 'test') throw new PveError(500, `unknown repository handle '${ctx.params.handle}'`);
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/apt/versions',
      name: 'versions',
      description: 'Get package information for important Proxmox packages.',
      parameters: NODE,
      returns: returns.array({}),
      permissions: AUDIT,
      proxyto: 'node',
      handler: () =>
        PACKAGES.map((p) => ({
          Package: p.name,
          Title: p.title,
          Version: p.version,
          OldVersion: p.version,
          CurrentState: 'Installed',
          Arch: 'amd64',
          Origin: 'Proxmox',
          Priority: 'optional',
          Section: p.section,
          Description: p.title,
          ...(p.name === 'proxmox-ve' ? { RunningKernel: '6.14.8-2-pve' } : {}),
          ...(p.name === 'pve-manager' ? { ManagerVersion: PVE_VERSION.version } : {}),
        })),
    }),
  ];
}

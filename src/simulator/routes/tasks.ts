import { hasPriv } from '../access.js';
import type { RequestContext } from '../context.js';
import { PveError } from '../errors.js';
import { P, opt } from '../params.js';
import { op, type Operation } from '../schema.js';
import type { Task } from '../tasks.js';

const UPID_PARAM = P.str("The task's unique ID.");

function findTask(ctx: RequestContext<{ readonly node: string; readonly upid: string }>): Task {
  const upid: string = ctx.params.upid;
  const m = /^UPID:([a-zA-Z0-9][a-zA-Z0-9.-]*):/.exec(upid);
  if (!m) throw new PveError(400, 'Parameter verification failed.', { upid: 'unable to parse worker upid' });
  if (m[1] !== ctx.params.node)
    throw new PveError(400, 'Parameter verification failed.', { upid: "upid does not belong to node '" + ctx.params.node + "'" });
  const task = ctx.sim.tasks.get(upid);
  if (!task) throw new PveError(500, `no such task`);
  const owner = task.user === ctx.who.userid && (task.tokenid ?? '') === (ctx.who.tokenid ?? '');
  if (!owner && !hasPriv(ctx.who, `/nodes/${task.node}`, 'Sys.Audit'))
    throw new PveError(403, `Permission check failed (/nodes/${task.node}, Sys.Audit)`);
  return task;
}

/** What the status answer and the list rows both report first: the fields of the task's UPID. */
function upidFields(task: Task): Record<string, unknown> {
  return { upid: task.upid, node: task.node, pid: task.pid, pstart: task.pstart, starttime: task.starttime, type: task.type, id: task.id };
}

/** The status answer exactly as recorded: no `endtime`, `tokenid` only for token tasks. */
export function taskStatus(task: Task): Record<string, unknown> {
  const out: Record<string, unknown> = { ...upidFields(task), user: task.user, status: task.status };
  if (task.tokenid) out.tokenid = task.tokenid;
  if (task.status === 'stopped') out.exitstatus = task.exitstatus;
  return out;
}

/** A row of the task lists: the user as in the UPID (`user@realm!token`); finished tasks carry `endtime` and their exit status in `status`. */
export function taskListRow(task: Task): Record<string, unknown> {
  const row: Record<string, unknown> = { ...upidFields(task), user: task.tokenid ? `${task.user}!${task.tokenid}` : task.user };
  if (task.status === 'stopped') {
    row.endtime = task.endtime;
    row.status = task.exitstatus;
  }
  return row;
}

export function taskOperations(): Operation[] {
  return [
    op({
      method: 'GET',
      path: '/nodes/{node}/tasks',
      name: 'node_tasks',
      description: 'Read task list for one node (finished tasks).',
      parameters: {
        node: P.node(),
        errors: opt(P.bool('Only list tasks with a status of ERROR.', { default: 0 })),
        limit: opt(P.int('Only list this number of tasks.', { minimum: 0, default: 50 })),
        since: opt(P.int('Only list tasks since this UNIX epoch.')),
        source: opt(P.enum('List archived, active or all tasks.', ['archive', 'active', 'all'], { default: 'archive' })),
        start: opt(P.int('List tasks beginning from this offset.', { minimum: 0, default: 0 })),
        typefilter: opt(P.str('Only list tasks of this type (e.g., vzstart, vzdump).')),
        until: opt(P.int('Only list tasks until this UNIX epoch.')),
        userfilter: opt(P.str('Only list tasks from this user.')),
        vmid: opt(P.vmid('Only list tasks for this VM.')),
      },
      returns: {
        type: 'array',
        items: { type: 'object', properties: { upid: { type: 'string' } } },
        links: [{ rel: 'child', href: '{upid}' }],
      },
      permissions: {
        description:
          "List task associated with the current user, or all task the user has 'Sys.Audit' permissions on /nodes/<node> (the <node> the task runs on).",
        user: 'all',
      },
      proxyto: 'node',
      handler: (ctx) => {
        const p = ctx.params;
        const source = p.source ?? 'archive';
        let list = ctx.sim.tasks.tasks.filter((t) => t.node === p.node);
        if (!hasPriv(ctx.who, `/nodes/${p.node}`, 'Sys.Audit')) list = list.filter((t) => t.user === ctx.who.userid);
        if (source === 'archive') list = list.filter((t) => t.status === 'stopped');
        if (source === 'active') list = list.filter((t) => t.status === 'running');
        if (p.errors) list = list.filter((t) => t.status === 'stopped' && t.exitstatus !== 'OK');
        if (p.typefilter) list = list.filter((t) => t.type === p.typefilter);
        const { userfilter, since, until } = p;
        if (userfilter) list = list.filter((t) => t.user.includes(userfilter));
        if (p.vmid) list = list.filter((t) => t.id === String(p.vmid));
        if (since) list = list.filter((t) => t.starttime >= since);
        if (until) list = list.filter((t) => t.starttime <= until);
        list = [...list].reverse();
        ctx.envelope.total = list.length;
        const start = p.start ?? 0;
        return list.slice(start, start + (p.limit ?? 50)).map(taskListRow);
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/tasks/{upid}',
      name: 'upid_index',
      description: '',
      parameters: { node: P.node(), upid: UPID_PARAM },
      returns: { type: 'array', items: { type: 'object', properties: {} }, links: [{ rel: 'child', href: '{name}' }] },
      permissions: { user: 'all' },
      handler: (ctx) => {
        findTask(ctx);
        return [{ name: 'log' }, { name: 'status' }];
      },
    }),
    op({
      method: 'DELETE',
      path: '/nodes/{node}/tasks/{upid}',
      name: 'stop_task',
      description: 'Stop a task.',
      parameters: { node: P.node(), upid: UPID_PARAM },
      returns: { type: 'null' },
      permissions: {
        description: "The user needs 'Sys.Modify' permissions on '/nodes/<node>' if they aren't the owner of the task.",
        user: 'all',
      },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const task = findTask(ctx);
        const owner = task.user === ctx.who.userid && (task.tokenid ?? '') === (ctx.who.tokenid ?? '');
        if (!owner && !hasPriv(ctx.who, `/nodes/${task.node}`, 'Sys.Modify'))
          throw new PveError(403, `Permission check failed (/nodes/${task.node}, Sys.Modify)`);
        ctx.sim.tasks.stop(task);
        return null;
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/tasks/{upid}/log',
      name: 'read_task_log',
      description: 'Read task log.',
      parameters: {
        node: P.node(),
        upid: UPID_PARAM,
        download: opt(
          P.bool("Whether the tasklog file should be downloaded. This parameter can't be used in conjunction with other parameters"),
        ),
        limit: opt(P.int('The amount of lines to read from the tasklog.', { minimum: 0, default: 50 })),
        start: opt(P.int('Start at this line when reading the tasklog', { minimum: 0, default: 0 })),
      },
      returns: {
        type: 'array',
        items: {
          type: 'object',
          properties: { n: { type: 'integer', description: 'Line number' }, t: { type: 'string', description: 'Line text' } },
        },
      },
      permissions: {
        description: "The user needs 'Sys.Audit' permissions on '/nodes/<node>' if they aren't the owner of the task.",
        user: 'all',
      },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => {
        const task = findTask(ctx);
        const start: number = ctx.params.start ?? 0;
        const limit: number = ctx.params.limit ?? 50;
        const lines = task.log.length ? task.log : ['no content'];
        ctx.envelope.total = lines.length;
        return lines.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
      },
    }),
    op({
      method: 'GET',
      path: '/nodes/{node}/tasks/{upid}/status',
      name: 'read_task_status',
      description: 'Read task status.',
      parameters: { node: P.node(), upid: UPID_PARAM },
      returns: {
        type: 'object',
        properties: {
          pid: { type: 'integer' },
          status: { type: 'string', enum: ['running', 'stopped'] },
          exitstatus: { type: 'string', optional: 1 },
        },
      },
      permissions: {
        description: "The user needs 'Sys.Audit' permissions on '/nodes/<node>' if they are not the owner of the task.",
        user: 'all',
      },
      protected: 1,
      proxyto: 'node',
      handler: (ctx) => taskStatus(findTask(ctx)),
    }),
    op({
      method: 'GET',
      path: '/cluster/tasks',
      name: 'tasks',
      description: 'List recent tasks (cluster wide).',
      parameters: {},
      returns: { type: 'array', items: { type: 'object', properties: { upid: { type: 'string' } } } },
      permissions: { user: 'all' },
      handler: (ctx) => {
        let list = ctx.sim.tasks.tasks;
        list = list.filter((t) => t.user === ctx.who.userid || hasPriv(ctx.who, `/nodes/${t.node}`, 'Sys.Audit'));
        return [...list].reverse().slice(0, 200).map(taskListRow);
      },
    }),
  ];
}

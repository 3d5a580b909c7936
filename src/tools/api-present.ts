import { parseUpid } from '../proxmox/upid.js';
import { humanPath } from '../proxmox/path.js';
import { taskStatusHint, type Product } from '../proxmox/products.js';
import type { TaskResult } from '../proxmox/tasks.js';
import { redactParams } from '../safety/redact.js';
import { ShapeError, shapeRecords, type ShapeOptions } from '../output/shape.js';
import { renderData } from '../output/render.js';
import { renderValues, renderersOf } from '../output/values.js';
import { visible } from '../output/visible.js';
import type { CallArgs } from './api-input.js';
import type { Resolved } from './api-resolve.js';
import { showLong } from './guard.js';
import { ToolError, type ToolOutput } from './types.js';

// What an API call shows: the answer (a task's end, a file's note, shaped and trimmed data with notes that
// leave nothing ambiguous) and the call as a human confirms it.

/** What the node answered: its data, the task it started (followed while `wait` allows), or a note that it sent a file. */
export interface Sent {
  data: unknown;
  task?: TaskResult;
  streamed?: string;
}

function shapeOptions(args: CallArgs): ShapeOptions | undefined {
  const opts: ShapeOptions = { fields: args.fields, filter: args.filter, sort: args.sort, limit: args.limit };
  return Object.values(opts).some((v) => v !== undefined) ? opts : undefined;
}

function describeTask(task: TaskResult, product: Product | undefined): string {
  const parsed = parseUpid(task.upid);
  const follow = parsed
    ? taskStatusHint(product ?? 'pve', parsed)
    : { path: `/nodes/${task.node}/tasks/{upid}/status`, pathParams: { upid: task.upid } };
  const head =
    task.status === 'running'
      ? `task still running after ${Math.round(task.elapsedMs / 1000)} s: ${task.upid}\nFollow it: proxmox-api-read path=${follow.path} pathParams=${JSON.stringify(follow.pathParams)}`
      : `task ${task.ok ? 'finished' : 'FAILED'}: ${task.exitstatus ?? ''} (${(task.elapsedMs / 1000).toFixed(1)} s) ${task.upid}`;
  const tail = task.logTail?.length ? `\nlast log lines:\n${task.logTail.join('\n')}` : '';
  return head + tail;
}

/**
 * The answer to the model: text for reading and structured content with the raw values. `notes` are said
 * first; those this adds (offline nodes, filter counts, empty answers) join them.
 */
export function presentAnswer(
  { data, task, streamed }: Sent,
  ctx: { resolved: Resolved; args: CallArgs; notes: string[]; writes: boolean; product?: Product; maxTokens: number },
): ToolOutput {
  const { resolved, args, notes, writes, product, maxTokens } = ctx;
  if (task) {
    const text = describeTask(task, product);
    return {
      text: [...notes, text].join('\n'),
      isError: task.status === 'stopped' && task.ok === false,
      structured: { method: resolved.method, path: resolved.template, task, ...(notes.length ? { notes } : {}) },
    };
  }

  if (streamed)
    return {
      text: [...notes, streamed].join('\n'),
      structured: { method: resolved.method, path: resolved.template, data: null, notes: [...notes, streamed] },
    };

  const offline = offlineNodes(data);
  if (offline.length) {
    notes.push(`partial answer: node${offline.length > 1 ? 's' : ''} ${offline.join(', ')} offline (their guests show status unknown)`);
  }
  const shaping = shapeOptions(args);
  let shaped: { data: unknown; matched?: number; total?: number; note?: string } = { data };
  if (shaping) {
    try {
      shaped = shapeRecords(data, shaping);
    } catch (err) {
      if (err instanceof ShapeError) throw new ToolError(err.message);
      throw err;
    }
  }
  if (shaped.note) notes.push(shaped.note);
  // Text shows sizes, times and percentages for people; structured content keeps the raw numbers.
  const rendered = renderData(renderValues(shaped.data, renderersOf(resolved.op?.returns)), {
    maxTokens,
    hint: 'Narrow with filter (e.g. ["status=running"]), fields, sort, limit, or more specific params.',
  });
  if (shaped.total !== undefined && shaped.matched !== undefined && shaped.matched !== shaped.total) {
    notes.push(`${shaped.matched} of ${shaped.total} records matched the filter`);
  }
  const nothing = data === null || data === '';
  if (nothing) notes.push(writes ? 'done (Proxmox returned no data)' : 'no data');
  // An empty list says whether it was empty before filtering, so an empty answer is never ambiguous.
  const emptyList = Array.isArray(data) && data.length === 0;
  if (emptyList)
    notes.push(shaping?.filter?.length ? 'no records: the list is empty even before filtering' : 'no records: the list is empty');
  return {
    text: [...notes, nothing || (Array.isArray(shaped.data) && shaped.data.length === 0) ? '' : rendered.text].filter(Boolean).join('\n'),
    structured: {
      method: resolved.method,
      path: resolved.template,
      // The same records the text shows: a cut answer is cut here too.
      data: rendered.truncated
        ? Array.isArray(shaped.data)
          ? shaped.data.slice(0, rendered.shown ?? 0)
          : undefined
        : (shaped.data ?? null),
      ...(rendered.truncated ? { truncated: true, shown: rendered.shown, total: rendered.total } : {}),
      ...(notes.length ? { notes } : {}),
    },
  };
}

/** Cluster-wide lists still answer when a node is down; PVE marks it offline rather than failing. */
function offlineNodes(data: unknown): string[] {
  if (!Array.isArray(data)) return [];
  const names = new Set<string>();
  for (const row of data as Array<Record<string, unknown>>) {
    if (!row || typeof row !== 'object') continue;
    const isNodeRow =
      row.type === 'node' || (typeof row.node === 'string' && 'online' in row) || ('node' in row && 'ssl_fingerprint' in row);
    if (!isNodeRow) continue;
    if (row.status === 'offline' || row.online === 0) names.add(String(row.node ?? row.name ?? row.id));
  }
  return [...names].sort();
}

/** The call as the human sees it before agreeing: method, readable path, each parameter (secrets hidden, long values cut in the middle). */
export function showCall(method: string, path: string, params: Record<string, unknown>): string {
  const lines = [`${method} ${humanPath(path)}`];
  for (const [key, value] of Object.entries(redactParams(params, path))) {
    lines.push(`  ${key}: ${showLong(visible(typeof value === 'string' ? value : JSON.stringify(value)), 300)}`);
  }
  return lines.join('\n');
}

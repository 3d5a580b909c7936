import type { HttpMethod } from '../proxmox/client.js';
import { ProxmoxHttpError } from '../proxmox/errors.js';
import { encodeSegment, fillTemplate } from '../proxmox/path.js';
import { mayNeedCanonical } from '../proxmox/node-names.js';
import { parseUpid } from '../proxmox/upid.js';
import { taskStatusHint, type Product } from '../proxmox/products.js';
import { waitForTask, type TaskResult } from '../proxmox/tasks.js';
import type { Catalog, Operation } from '../schema/catalog.js';
import { checkRawParams, controlCharProblem, validateParams } from '../schema/validate.js';
import { permissionText } from '../schema/render.js';
import { isDestructive } from '../safety/destructive.js';
import { ShapeError, shapeRecords, type ShapeOptions } from '../output/shape.js';
import { renderData } from '../output/render.js';
import { renderValues, renderersOf } from '../output/values.js';
import { clip } from '../output/budget.js';
import { checkAllowed, confirmCall, showLong, type Danger } from './guard.js';
import { audited, type Outcome } from './audited.js';
import { describeDiff, diffConfig } from '../safety/config-diff.js';
import { digestOf, isStaleDigestError } from '../safety/digests.js';
import { visible } from '../output/visible.js';
import { nodeForCall } from './canonical-node.js';
import { redactParams } from '../safety/redact.js';
import type { CallArgs } from './api-input.js';
import { ToolError, type ClusterContext, type ToolCall, type ToolEnv, type ToolOutput } from './types.js';

const DEFAULT_WAIT_S = 30;

interface Resolved {
  method: HttpMethod;
  template: string;
  /** Encoded path that is sent. */
  path: string;
  /** Path parameter values, decoded (for permission paths). */
  pathValues?: Record<string, string>;
  op?: Operation;
}

const API_PREFIX = /^\/?api2\/(json|extjs)(?=\/|$)/;

/** What the model's `path` names: an API path, and any query string written into it. */
interface Target {
  path: string;
  query: Record<string, string | string[]>;
}

/**
 * Accepts `/nodes/pve1/qemu`, `nodes/pve1/qemu`, `/api2/json/...`, a full URL of this cluster, and a
 * query string, which joins the parameters. A URL of any other host is refused: this server only
 * talks to its configured cluster.
 */
function parseTarget(raw: string, baseUrl: string): Target {
  let rest = raw.trim();
  const url = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(rest);
  if (url) {
    let given: URL;
    try {
      given = new URL(url[0]);
    } catch {
      throw new ToolError(`path ${JSON.stringify(clip(url[0], 80))} is not a valid URL; give an API path such as /nodes/{node}/qemu`);
    }
    const ours = new URL(baseUrl);
    if (given.host.toLowerCase() !== ours.host.toLowerCase()) {
      throw new ToolError(`path must be an API path such as /nodes/{node}/qemu; this server talks only to ${ours.host}, not ${given.host}`);
    }
    rest = rest.slice(url[0].length);
  }
  const [pathPart, queryPart = ''] = rest.split(/\?(.*)/s, 2);
  let path = pathPart.split('#')[0].replace(API_PREFIX, '');
  if (!path.startsWith('/')) path = '/' + path;
  path = path.replace(/\/{2,}/g, '/');
  if (path.length > 1) path = path.replace(/\/+$/, '');
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(queryPart)) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return { path, query };
}

/** Parameters written in the path's query string join `params`; the same name in both is ambiguous. */
function mergeQuery(params: Record<string, unknown> | undefined, query: Target['query']): Record<string, unknown> | undefined {
  const names = Object.keys(query);
  if (!names.length) return params;
  const both = names.filter((n) => params && n in params);
  if (both.length) throw new ToolError(`${both.join(', ')} given both in the path's query string and in params; give each once`);
  return { ...query, ...params };
}

/** Path parameters whose values hold a "/": volume ids (local:iso/debian.iso) and CIDRs (10.0.0.0/24). */
const SLASHED_PARAMS = /\{(volume|cidr)\}$/;

/**
 * A concrete path written with a volume id or CIDR in it has a segment too many; when the template ends
 * in such a parameter, the trailing segments are taken as its value.
 */
function matchPath(catalog: Catalog, path: string): ReturnType<Catalog['match']> {
  const direct = catalog.match(path);
  if (direct) return direct;
  const segments = path.split('/');
  for (let extra = 1; extra <= 3 && segments.length - extra > 2; extra++) {
    const head = segments.slice(0, segments.length - extra - 1);
    const tail = segments.slice(segments.length - extra - 1).map((seg) => {
      try {
        return decodeURIComponent(seg);
      } catch {
        return seg;
      }
    });
    const joined = catalog.match([...head, encodeSegment(tail.join('/'))].join('/'));
    if (joined && SLASHED_PARAMS.test(joined.template)) return joined;
  }
  return undefined;
}

function stringify(values: Record<string, string | number> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, String(v)]));
}

function methodList(catalog: Catalog, template: string): string {
  return catalog
    .methodsFor(template)
    .map((m) => `${m} ${template}  ${catalog.get(m, template)?.summary ?? ''}`.trimEnd())
    .join('\n');
}

/** Finds the operation and builds the encoded path, or explains exactly what is wrong. */
function resolveWithCatalog(catalog: Catalog, path: string, args: CallArgs, readOnly: boolean): Resolved {
  const matched = matchPath(catalog, path);
  if (!matched) {
    const near = catalog.nearestPaths(path, 5);
    const volumeHint = /\/content\/[^/]+\/./.test(path)
      ? '\nVolume ids contain "/": use the template with pathParams, e.g. path=/nodes/{node}/storage/{storage}/content/{volume} pathParams={"volume":"local:iso/x.iso"}.'
      : '';
    throw new ToolError(`unknown path ${clip(path)}.${near.length ? ` Nearest:\n${near.join('\n')}` : ''}${volumeHint}`);
  }
  const { template } = matched;
  const explicit = stringify(args.pathParams);
  for (const [name, value] of Object.entries(matched.pathParams)) {
    if (name in explicit && explicit[name] !== value) {
      throw new ToolError(`path parameter '${name}' is '${value}' in the path but '${explicit[name]}' in pathParams`);
    }
  }
  const values = { ...explicit, ...matched.pathParams };
  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const unknown = Object.keys(explicit).filter((k) => !names.includes(k));
  if (unknown.length) {
    throw new ToolError(
      `pathParams ${unknown.map((k) => `'${k}'`).join(', ')} not in ${template}${names.length ? ` (it takes ${names.join(', ')})` : ''}`,
    );
  }
  const missing = names.filter((n) => values[n] === undefined || values[n] === '');
  if (missing.length)
    throw new ToolError(
      `missing path parameter${missing.length > 1 ? 's' : ''} ${missing.join(', ')} for ${template}: put them in the path or in pathParams`,
    );

  const methods = catalog.methodsFor(template);
  let method = args.method;
  if (readOnly) {
    if (method && method !== 'GET') throw new ToolError(`proxmox-api-read runs GET only; use proxmox-api for ${method} ${template}`);
    if (!methods.includes('GET')) throw new ToolError(`${template} has no GET; its operations:\n${methodList(catalog, template)}`);
    method = 'GET';
  } else if (!method) {
    if (methods.length !== 1) throw new ToolError(`${template} has several methods; say which:\n${methodList(catalog, template)}`);
    method = methods[0];
  } else if (!methods.includes(method)) {
    throw new ToolError(`${method} is not an operation of ${template}; it has:\n${methodList(catalog, template)}`);
  }
  const op = catalog.get(method, template)!;
  return { method, template, path: fillTemplate(template, values), pathValues: values, op };
}

/** Without a schema: the path is taken as given, each segment re-encoded so nothing can climb out of it. */
function resolveWithoutCatalog(path: string, args: CallArgs, readOnly: boolean): Resolved {
  const values = stringify(args.pathParams);
  const segments = path.split('/').slice(1);
  const encoded = segments.map((seg) => {
    const param = /^\{([^}]+)\}$/.exec(seg);
    if (param) {
      const value = values[param[1]];
      if (value === undefined) throw new ToolError(`missing path parameter '${param[1]}': give it in pathParams`);
      return encodeSegment(value);
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      throw new ToolError(`malformed percent-encoding in path segment '${seg}'`);
    }
    if (decoded === '.' || decoded === '..' || decoded === '') throw new ToolError(`path segment '${seg}' is not allowed`);
    return encodeSegment(decoded);
  });
  const method = args.method ?? 'GET';
  if (readOnly && method !== 'GET') throw new ToolError(`proxmox-api-read runs GET only; use proxmox-api for ${method}`);
  return { method, template: path, path: '/' + encoded.join('/') };
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

/** What the node answered: its data, the task it started (followed while `wait` allows), or a note that it sent a file. */
interface Sent {
  data: unknown;
  task?: TaskResult;
  streamed?: string;
}

async function send(
  cluster: ClusterContext,
  resolved: Resolved,
  wireParams: Record<string, unknown>,
  args: CallArgs,
  call: ToolCall,
): Promise<Sent> {
  const mayBeFile = resolved.op?.streaming === 'download';
  const res = await cluster.client.request({
    method: resolved.method,
    path: resolved.path,
    params: wireParams,
    signal: call.signal,
    ...(mayBeFile ? { mayBeFile } : {}),
  });
  if (res.file) {
    // A file, not a JSON answer: its bytes mean nothing to a model.
    return {
      data: null,
      streamed: `${resolved.method} ${resolved.template} answered with a file (a streaming DOWNLOAD operation: ${res.file.bytes} bytes${res.file.contentType ? `, ${res.file.contentType.split(';')[0]}` : ''}), not JSON; it is not shown here. Fetch it with the product's own client or curl.`,
    };
  }
  const data = res.data;
  const upid = resolved.method !== 'GET' ? parseUpid(data) : undefined;
  if (!upid || args.wait === false || args.wait === 0) return { data };
  const waitS = typeof args.wait === 'number' ? args.wait : DEFAULT_WAIT_S;
  const task = await waitForTask(cluster.client, upid.upid, {
    product: cluster.config.product,
    timeoutMs: waitS * 1000,
    signal: call.signal,
    onProgress: (elapsed) => call.progress(Math.round(elapsed / 1000), waitS, `${upid.type} ${upid.id} running`),
  });
  return { data, task };
}

/** A call the node accepted: an error only when the task it started failed. */
function sentOutcome({ data, task }: Sent): Outcome {
  return {
    status: task && task.ok === false ? 'error' : 'ok',
    upid: task?.upid ?? (parseUpid(data) ? (data as string) : undefined),
    error: task && !task.ok ? task.exitstatus : undefined,
  };
}

export interface CallOptions {
  readOnly: boolean;
  toolName: string;
}

/** The whole life of one API call: resolve, validate, guard, send, follow the task, shape and trim the answer. */
export async function executeApiCall(args: CallArgs, env: ToolEnv, call: ToolCall, opts: CallOptions): Promise<ToolOutput> {
  const cluster = env.cluster(args.cluster);
  const catalog = await cluster.catalog();
  refuseOddText(args);
  const target = parseTarget(args.path, cluster.client.baseUrl);
  const givenParams = mergeQuery(args.params, target.query);
  const found = catalog
    ? resolveWithCatalog(catalog, target.path, args, opts.readOnly)
    : resolveWithoutCatalog(target.path, args, opts.readOnly);
  refuseControlCharsInPath(found.path);
  const resolved = { ...found, path: await canonicalNodeInPath(cluster.client, found.path, call.signal) };
  const notes: string[] = [];
  if (!catalog) {
    notes.push(
      `unvalidated: no API schema (${cluster.schemaProblem ?? 'not loaded'}); set PROXMOX_SCHEMA_FILE to an apidoc.js to enable checks`,
    );
  }

  let wireParams: Record<string, unknown> = givenParams ?? {};
  if (resolved.op?.streaming === 'upload') {
    throw new ToolError(
      `${resolved.method} ${resolved.template} uploads a file (a streaming UPLOAD operation): these tools send parameters, not files. Use the product's own client or web UI for it.`,
    );
  }
  if (resolved.op) {
    const checked = validateParams(resolved.op, givenParams);
    if (!checked.ok) {
      throw new ToolError(
        `${resolved.method} ${resolved.template}: ${listErrors(checked.errors)}\nSee proxmox-api-schema path=${resolved.template} method=${resolved.method}`,
      );
    }
    wireParams = checked.params;
    if (checked.unchecked.length) {
      notes.push(`not checked here, the node will check: the pattern of ${checked.unchecked.map((n) => `'${n}'`).join(', ')}`);
    }
  } else {
    const problems = checkRawParams(givenParams);
    if (problems.length) throw new ToolError(`${resolved.method} ${resolved.template}: ${listErrors(problems)}`);
  }

  const writes = resolved.method !== 'GET';
  // Writes are recorded, reads are not (those with side effects are refused or confirmed like writes, unrecorded).
  const audit = audited(
    env,
    call.signal,
    writes ? { tool: opts.toolName, cluster: cluster.name, method: resolved.method, path: resolved.path, params: wireParams } : undefined,
  );
  const lacking =
    resolved.op && cluster.permissions
      ? await cluster.permissions.lacking(resolved.op.permissions, { ...resolved.pathValues, ...wireParams })
      : undefined;
  await checkAllowed(env, cluster, audit, { method: resolved.method, template: resolved.template, concrete: resolved.path, lacking });

  // A config-style write: what it replaces is read first, for the preview, the answer and the undo call,
  // and the edit carries the digest of the config it was based on.
  const before = writes && catalog && resolved.op ? await audit.check(() => readBefore(cluster, catalog, resolved, call)) : undefined;
  let digestSource: string | undefined;
  if (before && resolved.op?.params.some((p) => p.name === 'digest') && wireParams.digest === undefined) {
    const remembered = call.digests?.recall(cluster.name, resolved.path);
    const digest = remembered ?? digestOf(before.current);
    if (digest) {
      wireParams = { ...wireParams, digest };
      audit.setParams(wireParams);
      digestSource = remembered ? 'when you read it' : 'just before this call';
    }
  } else if (writes && typeof wireParams.digest === 'string') {
    digestSource = 'given in params';
  }
  const diff = before?.current ? diffConfig(before.current, wireParams, resolved.op?.pathParams ?? []) : undefined;
  const changes = diff
    ? describeDiff(diff, { tool: opts.toolName, method: resolved.method, path: decodePathForHumans(resolved.path) })
    : before?.problem;

  // Reads too: PBS has GETs with side effects, named as such in its rules.
  const danger = isDestructive(resolved.method, resolved.template, wireParams, resolved.path, cluster.config.product);
  if (danger?.destructive) {
    const shown: Danger = {
      shown: showCall(resolved.method, resolved.path, wireParams),
      why: danger.why ?? 'changes the cluster',
      changes,
    };
    await confirmCall(env, call, cluster, audit, {
      tool: opts.toolName,
      method: resolved.method,
      concrete: resolved.path,
      params: wireParams,
      danger: shown,
      confirm: args.confirm,
    });
  }

  let sent: Sent;
  try {
    sent = await audit.send(() => send(cluster, resolved, wireParams, args, call), sentOutcome);
  } catch (err) {
    if (err instanceof ProxmoxHttpError && err.status === 403) cluster.permissions?.invalidate();
    if (writes && digestSource && err instanceof ProxmoxHttpError && isStaleDigestError(err.describe())) {
      call.digests?.forget(cluster.name, resolved.path);
      throw new ToolError(
        `${err.describe()}\nRefused by Proxmox: the config changed since you read it (this edit carried digest ${String(wireParams.digest)}, ${digestSource}). ` +
          `Nothing was changed. Read it again (proxmox-api-read path=${decodePathForHumans(resolved.path)}), check what changed, then repeat the edit.`,
      );
    }
    throw explainForbidden(err, resolved);
  }
  const { data, task, streamed } = sent;
  if (writes) call.digests?.forget(cluster.name, resolved.path); // the config moved on: the next edit reads (or is read) afresh
  if (writes && changes && !(task && task.ok === false)) notes.push(changes);
  if (!writes && !('snapshot' in wireParams)) {
    const digest = digestOf(data);
    if (digest) {
      call.digests?.remember(cluster.name, resolved.path, digest);
      notes.push(
        call.digests
          ? `digest ${digest}: an edit of this config through proxmox-api carries it, so a change made meanwhile is refused`
          : `digest ${digest}: pass it as params.digest when you edit this config, so a change made meanwhile is refused`,
      );
    }
  }

  if (task) {
    const text = describeTask(task, cluster.config.product);
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
    maxTokens: env.config.maxOutputTokens,
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

/** Many problems at once (a call with thousands of bad parameters) are summarised, not listed whole. */
function listErrors(errors: string[], max = 20): string {
  const shown = errors.slice(0, max).join('; ');
  return errors.length > max ? `${shown}; ... and ${errors.length - max} more problems` : shown;
}

/**
 * `/nodes/localhost/...` runs on the node behind PROXMOX_URL and `/nodes/PVE1` may reach pve1: the node
 * segment is replaced by the cluster's own name for it before policy, confirmation and audit see the path.
 */
async function canonicalNodeInPath(client: ClusterContext['client'], path: string, signal?: AbortSignal): Promise<string> {
  const segments = path.split('/');
  if (segments[1] !== 'nodes' || segments[2] === undefined || segments[2] === '') return path;
  let node: string;
  try {
    node = decodeURIComponent(segments[2]);
  } catch {
    return path;
  }
  if (!mayNeedCanonical(node)) return path;
  const canonical = await nodeForCall(client, node, signal);
  if (canonical === node) return path;
  segments[2] = encodeSegment(canonical);
  return segments.join('/');
}

/** Lone surrogates and control characters in the path or path parameters get a precise refusal before any encoding. */
function refuseOddText(args: CallArgs): void {
  const pathProblem = controlCharProblem(args.path);
  if (pathProblem) throw new ToolError(`path ${pathProblem}`);
  for (const [name, value] of Object.entries(args.pathParams ?? {})) {
    const problem = typeof value === 'string' ? controlCharProblem(value) : undefined;
    if (problem) throw new ToolError(`path parameter '${clip(name, 40)}' ${problem}`);
  }
}

/** Path parameters are values too: a control character in one is refused like one in params. */
function refuseControlCharsInPath(path: string): void {
  for (const segment of path.split('/')) {
    let decoded = segment;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      // left encoded; the raw text is checked
    }
    const problem = controlCharProblem(decoded);
    if (problem)
      throw new ToolError(`path segment ${JSON.stringify(clip(segment, 60))} ${problem}; control characters are not allowed in paths`);
  }
}

/**
 * A 403 in PVE's words names the path and privilege it checked; the schema adds what the operation as a
 * whole requires (some need one of several privileges, or a second check), so the user knows what to grant.
 */
function explainForbidden(err: unknown, r: Resolved): unknown {
  if (!(err instanceof ProxmoxHttpError) || err.status !== 403) return err;
  const needs = r.op ? permissionText(r.op.permissions) : undefined;
  const lines = [err.describe()];
  if (needs) lines.push(`${r.method} ${r.template} requires: ${needs}.`);
  lines.push('The token or user lacks it: an administrator can grant a role that has it on that path (PUT /access/acl).');
  return new ToolError(lines.join('\n'));
}

/**
 * The current values a config-style write replaces: the GET of the same path, when the write is one of
 * PVE's config edits (it takes `delete` or `digest`) and the GET answers one object.
 */
async function readBefore(
  cluster: ClusterContext,
  catalog: Catalog,
  r: Resolved,
  call: ToolCall,
): Promise<{ current: Record<string, unknown>; problem?: undefined } | { current?: undefined; problem: string } | undefined> {
  if (r.method !== 'PUT' && r.method !== 'POST') return undefined;
  if (!r.op?.params.some((p) => p.name === 'delete' || p.name === 'digest')) return undefined;
  if (!catalog.get('GET', r.template)) return undefined;
  try {
    const { data } = await cluster.client.request({ method: 'GET', path: r.path, signal: call.signal });
    if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
    return { current: data as Record<string, unknown> };
  } catch (err) {
    if (call.signal.aborted) throw err;
    return {
      problem: `changes: the current values could not be read first (${err instanceof ProxmoxHttpError ? err.describe() : (err as Error).message}), so what this replaces is not shown`,
    };
  }
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
function showCall(method: string, path: string, params: Record<string, unknown>): string {
  const lines = [`${method} ${decodePathForHumans(path)}`];
  for (const [key, value] of Object.entries(redactParams(params, path))) {
    lines.push(`  ${key}: ${showLong(visible(typeof value === 'string' ? value : JSON.stringify(value)), 300)}`);
  }
  return lines.join('\n');
}

function decodePathForHumans(path: string): string {
  try {
    return path
      .split('/')
      .map((s) => (s.includes('%2F') ? s : decodeURIComponent(s)))
      .join('/');
  } catch {
    return path;
  }
}

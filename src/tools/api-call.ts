import { ProxmoxHttpError } from '../proxmox/errors.js';
import { humanPath } from '../proxmox/path.js';
import { parseUpid } from '../proxmox/upid.js';
import { waitForTask } from '../proxmox/tasks.js';
import type { Catalog } from '../schema/catalog.js';
import { checkRawParams, validateParams } from '../schema/validate.js';
import { isDestructive } from '../safety/destructive.js';
import { describeDiff, diffConfig } from '../safety/config-diff.js';
import { digestOf, isStaleDigestError } from '../safety/digests.js';
import { checkAllowed, confirmCall, type Danger } from './guard.js';
import { audited, type AuditedCall, type Outcome } from './audited.js';
import { resolveCall, type Resolved } from './api-resolve.js';
import { adviceAfter } from './api-advice.js';
import { consequencesOf } from './api-consequences.js';
import { guestListOnce } from './cluster-guests.js';
import { explainFailure, misplacedGuest, missingTarget } from './api-failures.js';
import { presentAnswer, showCall, type Sent } from './api-present.js';
import type { CallArgs } from './api-input.js';
import { ToolError, type ClusterContext, type ToolCall, type ToolEnv, type ToolOutput } from './types.js';

// One API call from arguments to answer: resolve (api-resolve.ts), validate, guard (policy, privileges, the
// human's yes; audited.ts records the outcome), send and wait, present (api-present.ts).

const DEFAULT_WAIT_S = 30;

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

/** The whole life of one API call: resolve, validate, guard, send and wait, present. */
export async function executeApiCall(args: CallArgs, env: ToolEnv, call: ToolCall, opts: CallOptions): Promise<ToolOutput> {
  const cluster = env.cluster(args.cluster);
  const catalog = await cluster.catalog();
  const { resolved, givenParams } = await resolveCall(args, cluster, catalog, opts.readOnly, call.signal);
  const notes: string[] = [];
  if (!catalog) {
    notes.push(
      `unvalidated: no API schema (${cluster.schemaProblem ?? 'not loaded'}); set PROXMOX_SCHEMA_FILE to an apidoc.js to enable checks`,
    );
  }
  const validParams = validateCall(resolved, givenParams, notes);

  const writes = resolved.method !== 'GET';
  // Writes are recorded, reads are not (those with side effects are refused or confirmed like writes, unrecorded).
  const audit = audited(
    env,
    call.signal,
    writes ? { tool: opts.toolName, cluster: cluster.name, method: resolved.method, path: resolved.path, params: validParams } : undefined,
  );
  const { wireParams, digestSource, changes } = await guardCall(env, call, cluster, catalog, audit, {
    resolved,
    params: validParams,
    args,
    toolName: opts.toolName,
  });

  let sent: Sent;
  try {
    sent = await audit.send(() => send(cluster, resolved, wireParams, args, call), sentOutcome);
  } catch (err) {
    if (err instanceof ProxmoxHttpError && err.status === 403) cluster.permissions?.invalidate();
    if (writes && digestSource && err instanceof ProxmoxHttpError && isStaleDigestError(err.describe())) {
      call.digests?.forget(cluster.name, resolved.path);
      throw new ToolError(
        `${err.describe()}\nRefused by Proxmox: the config changed since you read it (this edit carried digest ${String(wireParams.digest)}, ${digestSource}). ` +
          `Nothing was changed. Read it again (proxmox-api-read path=${humanPath(resolved.path)}), check what changed, then repeat the edit.`,
      );
    }
    throw await explainFailure(err, resolved, cluster, call.signal, wireParams);
  }
  if (writes) {
    call.digests?.forget(cluster.name, resolved.path); // the config moved on: the next edit reads (or is read) afresh
    if (changes && !(sent.task && sent.task.ok === false)) notes.push(changes);
    const advice = sent.task?.ok === false ? undefined : await adviceAfter(resolved, wireParams, cluster, call.signal);
    if (advice) notes.push(advice);
  } else if (!('snapshot' in wireParams)) {
    rememberDigest(call, cluster, resolved, sent.data, notes);
  }
  return presentAnswer(sent, { resolved, args, notes, writes, product: cluster.config.product, maxTokens: env.config.maxOutputTokens });
}

/** The parameters checked against the schema and converted for the wire (or, without a schema, checked for what is never valid). */
function validateCall(resolved: Resolved, givenParams: Record<string, unknown> | undefined, notes: string[]): Record<string, unknown> {
  if (resolved.op?.streaming === 'upload') {
    throw new ToolError(
      `${resolved.method} ${resolved.template} uploads a file (a streaming UPLOAD operation): these tools send parameters, not files. Use the product's own client or web UI for it.`,
    );
  }
  if (!resolved.op) {
    const problems = checkRawParams(givenParams);
    if (problems.length) throw new ToolError(`${resolved.method} ${resolved.template}: ${listErrors(problems)}`);
    return givenParams ?? {};
  }
  const checked = validateParams(resolved.op, givenParams);
  if (!checked.ok) {
    throw new ToolError(
      `${resolved.method} ${resolved.template}: ${listErrors(checked.errors)}\nSee proxmox-api-schema path=${resolved.template} method=${resolved.method}`,
    );
  }
  if (checked.unchecked.length) {
    notes.push(`not checked here, the node will check: the pattern of ${checked.unchecked.map((n) => `'${n}'`).join(', ')}`);
  }
  return checked.params;
}

/**
 * Everything before sending: policy and privileges, then for a config-style write the current values (for
 * the preview, the answer and the undo call) and the digest the edit carries, then for what destroys or
 * interrupts the human's yes. `audit` records a refusal.
 */
async function guardCall(
  env: ToolEnv,
  call: ToolCall,
  cluster: ClusterContext,
  catalog: Catalog | undefined,
  audit: AuditedCall,
  what: { resolved: Resolved; params: Record<string, unknown>; args: CallArgs; toolName: string },
): Promise<{ wireParams: Record<string, unknown>; digestSource?: string; changes?: string }> {
  const { resolved, args, toolName } = what;
  let wireParams = what.params;
  const writes = resolved.method !== 'GET';
  const lacking =
    resolved.op && cluster.permissions
      ? await cluster.permissions.lacking(resolved.op.permissions, { ...resolved.pathValues, ...wireParams })
      : undefined;
  await checkAllowed(env, cluster, audit, { method: resolved.method, template: resolved.template, concrete: resolved.path, lacking });

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
  const changes = diff ? describeDiff(diff, { tool: toolName, method: resolved.method, path: humanPath(resolved.path) }) : before?.problem;

  // Reads too: PBS has GETs with side effects, named as such in its rules.
  const danger = isDestructive(resolved.method, resolved.template, wireParams, resolved.path, cluster.config.product);
  if (danger?.destructive) {
    // The guest list, read at most once for the checks and the preview below.
    const guests = guestListOnce(cluster.client, call.signal);
    // Asked only before the preview: a confirmed call was checked when its preview was made.
    await audit.check(async () => {
      const misplaced =
        args.confirm === undefined
          ? ((await misplacedGuest(resolved, guests)) ?? (await missingTarget(resolved, catalog, cluster, call.signal)))
          : undefined;
      if (misplaced)
        throw new ToolError(
          `${resolved.method} ${humanPath(resolved.path)}: ${misplaced}\nThe ${resolved.method} was not sent, and the user was not asked.`,
        );
    });
    // What the call takes with it is read for a preview or a question alone: not with confirmation off, nor
    // for a call whose token will be redeemed without asking (elicitation asks the human even then).
    const shownToSomeone = args.confirm === undefined || (env.config.confirm === 'elicit' && call.elicitConfirm !== undefined);
    const consequences =
      env.config.confirm !== 'off' && shownToSomeone ? await consequencesOf(resolved, wireParams, cluster, guests, call.signal) : undefined;
    const shown: Danger = {
      shown: showCall(resolved.method, resolved.path, wireParams),
      why: danger.why ?? 'changes the cluster',
      changes: [changes, consequences].filter(Boolean).join('\n') || undefined,
    };
    await confirmCall(env, call, cluster, audit, {
      tool: toolName,
      method: resolved.method,
      concrete: resolved.path,
      params: wireParams,
      danger: shown,
      confirm: args.confirm,
    });
  }
  return { wireParams, digestSource, changes };
}

/** A read's digest is kept for the next edit of the same config, and named in the answer. */
function rememberDigest(call: ToolCall, cluster: ClusterContext, resolved: Resolved, data: unknown, notes: string[]): void {
  const digest = digestOf(data);
  if (!digest) return;
  call.digests?.remember(cluster.name, resolved.path, digest);
  notes.push(
    call.digests
      ? `digest ${digest}: an edit of this config through proxmox-api carries it, so a change made meanwhile is refused`
      : `digest ${digest}: pass it as params.digest when you edit this config, so a change made meanwhile is refused`,
  );
}

/** Many problems at once (a call with thousands of bad parameters) are summarised, not listed whole. */
function listErrors(errors: string[], max = 20): string {
  const shown = errors.slice(0, max).join('; ');
  return errors.length > max ? `${shown}; ... and ${errors.length - max} more problems` : shown;
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

import type { ProxmoxClient } from './client.js';
import { ProxmoxHttpError, ProxmoxNetworkError } from './errors.js';
import { taskPaths, type Product } from './products.js';
import { parseUpid } from './upid.js';

export interface TaskResult {
  upid: string;
  node: string;
  /** `running` also when the wait timed out or was cancelled: the task itself goes on. */
  status: 'running' | 'stopped';
  /** `OK`, `WARNINGS: n`, or the error text, once stopped. */
  exitstatus?: string;
  ok?: boolean;
  /** Set when the task ended with warnings, which PVE counts as success. */
  note?: string;
  /** The last lines of the task log, fetched when the task failed or warned. */
  logTail?: string[];
  elapsedMs: number;
  type?: string;
  id?: string;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (elapsedMs: number, status: unknown) => void | Promise<void>;
  /** First poll interval; it grows to 8 times this (2 s by default). */
  pollMs?: number;
  /** Which product's task API to poll; default PVE. */
  product?: Product;
}

const DEFAULT_POLL_MS = 250;
const BACKOFF = 1.5;
/** Consecutive failed polls tolerated (on top of the client's own GET retries) before giving up. */
const MAX_POLL_FAILURES = 3;
const WARNINGS = /^WARNINGS: (\d+)$/;

interface TaskStatus {
  status?: string;
  exitstatus?: string;
}

/** Follows a task until it stops, the timeout passes or the signal aborts; never cancels the task itself. */
export async function waitForTask(client: ProxmoxClient, upid: string, opts: WaitOptions): Promise<TaskResult> {
  const parsed = parseUpid(upid);
  if (!parsed) throw new Error(`not a task id (UPID): ${upid}`);
  const path = taskPaths(opts.product ?? 'pve', parsed).status;
  const started = Date.now();
  const base = { upid, node: parsed.node, type: parsed.type, id: parsed.id };
  const running = (): TaskResult => ({ ...base, status: 'running', elapsedMs: Date.now() - started });
  const firstInterval = opts.pollMs ?? DEFAULT_POLL_MS;
  const maxInterval = firstInterval * 8;
  let interval = firstInterval;
  let failures = 0;

  for (;;) {
    if (opts.signal?.aborted) return running();
    let status: TaskStatus | undefined;
    try {
      const res = await client.request<TaskStatus>({ method: 'GET', path, signal: opts.signal });
      status = res.data ?? {};
      failures = 0;
    } catch (err) {
      if (opts.signal?.aborted) return running();
      if (!isTransient(err) || ++failures >= MAX_POLL_FAILURES) throw err;
    }

    if (status?.status === 'stopped') return finished(client, base, status.exitstatus, Date.now() - started, opts.product);
    const elapsed = Date.now() - started;
    if (status) await reportProgress(opts.onProgress, elapsed, status);
    const remaining = opts.timeoutMs - (Date.now() - started);
    if (remaining <= 0) return running();
    await sleep(Math.min(interval, remaining), opts.signal);
    interval = Math.min(maxInterval, interval * BACKOFF);
  }
}

async function finished(
  client: ProxmoxClient,
  base: Pick<TaskResult, 'upid' | 'node' | 'type' | 'id'>,
  exitstatus: string | undefined,
  elapsedMs: number,
  product: Product | undefined,
): Promise<TaskResult> {
  const warnings = exitstatus ? WARNINGS.exec(exitstatus) : null;
  const ok = exitstatus === 'OK' || warnings !== null;
  const result: TaskResult = { ...base, status: 'stopped', exitstatus, ok, elapsedMs };
  if (warnings) result.note = `finished with ${warnings[1]} warning(s); see the log lines below`;
  if (!ok || warnings) {
    // The log explains the failure; not getting it must not hide the result itself.
    result.logTail = await taskLogTail(client, base.upid, 20, undefined, product).catch(() => undefined);
  }
  return result;
}

async function reportProgress(onProgress: WaitOptions['onProgress'], elapsed: number, status: unknown): Promise<void> {
  try {
    await onProgress?.(elapsed, status);
  } catch {
    // A progress notification that cannot be sent is no reason to stop following the task.
  }
}

function isTransient(err: unknown): boolean {
  if (err instanceof ProxmoxNetworkError) return err.code !== 'ABORTED' && err.code !== 'TLS';
  return err instanceof ProxmoxHttpError && err.status >= 500;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

interface LogLine {
  n?: number;
  t?: string;
}

/**
 * The last `lines` lines of a task log. PVE pages the log with `start`/`limit` and puts the line count in
 * `total` beside `data`, so one small read tells where the tail starts.
 */
export async function taskLogTail(
  client: ProxmoxClient,
  upid: string,
  lines = 20,
  signal?: AbortSignal,
  product: Product = 'pve',
): Promise<string[]> {
  const parsed = parseUpid(upid);
  if (!parsed) throw new Error(`not a task id (UPID): ${upid}`);
  const path = taskPaths(product, parsed).log;
  const read = (start: number, limit: number) => client.request<LogLine[]>({ method: 'GET', path, params: { start, limit }, signal });
  const first = await read(0, lines);
  let data = Array.isArray(first.data) ? first.data : [];
  const total = typeof first.body.total === 'number' ? first.body.total : undefined;
  if (total !== undefined && total > data.length) {
    const tail = await read(Math.max(0, total - lines), lines);
    data = Array.isArray(tail.data) ? tail.data : data;
  } else if (total === undefined && data.length >= lines) {
    // No count given: read on until a short page, keeping only the last lines.
    let start = data.length;
    for (let page = 0; page < 100; page++) {
      const next = await read(start, 500);
      const more = Array.isArray(next.data) ? next.data : [];
      data = [...data, ...more].slice(-lines);
      if (more.length < 500) break;
      start += more.length;
    }
  }
  return data.slice(-lines).map((l) => String(l.t ?? ''));
}

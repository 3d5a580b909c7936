import type { ProxmoxClient } from '../proxmox/client.js';
import { ProxmoxNetworkError } from '../proxmox/errors.js';
import { apiPath } from '../proxmox/path.js';
import { singleQuote } from './posix-quote.js';

export interface GuestExecRequest {
  node: string;
  vmid: number;
  argv: string[];
  input?: string;
  /** PVE 7.4 takes `command` as one string that it splits with shellwords; 8.x and later take an array. */
  commandAsString?: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface GuestExecResult {
  pid: number;
  /** False when the deadline passed or the call was cancelled first; the process may still be running. */
  exited: boolean;
  cancelled: boolean;
  exitCode: number | null;
  signal?: number;
  stdout: string;
  stderr: string;
  /** Set by qemu-ga, which keeps the head of the output and drops the rest. */
  outTruncated: boolean;
  errTruncated: boolean;
  durationMs: number;
}

interface ExecStatus {
  exited?: number | boolean;
  exitcode?: number;
  signal?: number;
  'out-data'?: string;
  'err-data'?: string;
  'out-truncated'?: number | boolean;
  'err-truncated'?: number | boolean;
}

const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 1000;

/**
 * Starts a process through qemu-ga and polls until it exits, the deadline passes or the call is cancelled.
 * API errors (while starting or polling) propagate unchanged: a failed poll is not a timeout.
 */
export async function guestExec(client: ProxmoxClient, req: GuestExecRequest): Promise<GuestExecResult> {
  const started = Date.now();
  const command = req.commandAsString ? req.argv.map(singleQuote).join(' ') : req.argv;
  const { data } = await client.request<{ pid?: number }>({
    method: 'POST',
    path: apiPath`/nodes/${req.node}/qemu/${req.vmid}/agent/exec`,
    params: { command, 'input-data': req.input },
    signal: req.signal,
  });
  const pid = data && typeof data === 'object' ? data.pid : undefined;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid)) {
    const got = JSON.stringify(data) ?? String(data);
    throw new ProxmoxNetworkError(
      `the guest agent's answer to exec has no pid (got ${got.length > 120 ? `${got.slice(0, 120)}…` : got}); is the QEMU guest agent running in VM ${req.vmid}?`,
      'PROTOCOL',
      'POST',
      apiPath`/nodes/${req.node}/qemu/${req.vmid}/agent/exec`,
    );
  }

  const deadline = started + req.timeoutMs;
  let wait = FIRST_POLL_MS;
  const pending = (cancelled: boolean): GuestExecResult => ({
    pid,
    exited: false,
    cancelled,
    exitCode: null,
    stdout: '',
    stderr: '',
    outTruncated: false,
    errTruncated: false,
    durationMs: Date.now() - started,
  });
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return pending(false);
    if (!(await sleep(Math.min(wait, remaining), req.signal))) return pending(true);
    wait = Math.min(wait * 2, MAX_POLL_MS);
    let status: ExecStatus;
    try {
      const answer = (
        await client.request<ExecStatus>({
          method: 'GET',
          path: apiPath`/nodes/${req.node}/qemu/${req.vmid}/agent/exec-status`,
          params: { pid },
          signal: req.signal,
        })
      ).data;
      // A node (or something posing as one) may answer anything: only an object is a status.
      status = answer !== null && typeof answer === 'object' && !Array.isArray(answer) ? answer : {};
    } catch (e) {
      if (req.signal?.aborted) return pending(true);
      throw e;
    }
    if (status.exited) {
      return {
        pid,
        exited: true,
        cancelled: false,
        exitCode: typeof status.exitcode === 'number' ? status.exitcode : null,
        signal: typeof status.signal === 'number' ? status.signal : undefined,
        stdout: typeof status['out-data'] === 'string' ? status['out-data'] : '',
        stderr: typeof status['err-data'] === 'string' ? status['err-data'] : '',
        outTruncated: Boolean(status['out-truncated']),
        errTruncated: Boolean(status['err-truncated']),
        durationMs: Date.now() - started,
      };
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

import { ProxmoxHttpError } from '../proxmox/errors.js';
import { ToolError, type ToolEnv } from './types.js';

/**
 * What an audited call is, fixed before it is checked: every record of it names the same tool, cluster,
 * method and concrete API path (percent-encoded, as policy matches it), whether it was refused, failed or ran.
 */
export interface AuditTarget {
  tool: string;
  cluster: string;
  method: string;
  /** The concrete API path, e.g. /nodes/pve1/lxc/101/exec; never a template or another spelling of the guest. */
  path: string;
  params?: Record<string, unknown>;
  command?: string;
}

/** How a call that was sent ended. A timeout is recorded as an error named `timeout`. */
export interface Outcome {
  status: 'ok' | 'error' | 'cancelled' | 'timeout';
  httpStatus?: number;
  upid?: string;
  /** Exit code of a command run inside a guest. */
  exitCode?: number | null;
  error?: string;
}

/** How a call ended, refused before sending included. */
type Ending = Omit<Outcome, 'status'> & { status: Outcome['status'] | 'refused' };

/**
 * One call's record in the audit log: `check` wraps what may refuse it before anything is sent, `send` what
 * runs it; whichever ends the call writes the one record, and nothing else is written for it. A call without
 * a target (a read) is checked and sent the same way, unrecorded.
 */
export class AuditedCall {
  private written = false;
  private started?: number;

  constructor(
    private readonly env: ToolEnv,
    private target: AuditTarget | undefined,
    private readonly signal: AbortSignal,
  ) {}

  /** Whether this call is recorded: its log must then be writable before it runs (fail closed). */
  get recorded(): boolean {
    return this.target !== undefined;
  }

  /** The parameters changed before sending (a digest added): the record shows what was sent. */
  setParams(params: Record<string, unknown>): void {
    if (this.target) this.target = { ...this.target, params };
  }

  /** A refusal (a ToolError) is recorded as refused, an abort as cancelled, anything else as an error; then rethrown. */
  async check<T>(step: () => T | Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      if (err instanceof ToolError) {
        this.write({ status: 'refused', error: err instanceof RefusalNote ? err.auditNote : err.message });
      } else {
        this.write(this.failure(err));
      }
      throw err;
    }
  }

  /** Runs the call; `outcome` says how a result ended, a throw is an error (or cancelled, when the call was aborted). */
  async send<T>(run: () => Promise<T>, outcome: (result: T) => Outcome): Promise<T> {
    this.started = Date.now();
    let result: T;
    try {
      result = await run();
    } catch (err) {
      this.write(this.failure(err));
      throw err;
    }
    this.write(outcome(result));
    return result;
  }

  private failure(err: unknown): Outcome {
    return {
      status: this.signal.aborted ? 'cancelled' : 'error',
      httpStatus: err instanceof ProxmoxHttpError ? err.status : undefined,
      error: err instanceof Error ? err.message : String(err),
    };
  }

  private write(ending: Ending): void {
    if (!this.target || this.written) return;
    this.written = true;
    this.env.audit.record({
      ...this.target,
      status: ending.status === 'timeout' ? 'error' : ending.status,
      httpStatus: ending.httpStatus,
      upid: ending.upid,
      exitCode: ending.exitCode ?? undefined,
      error: ending.status === 'timeout' ? (ending.error ?? 'timeout') : ending.error,
      // How long it ran: a call refused before sending ran for no time at all, and says nothing.
      durationMs: this.started === undefined ? undefined : Date.now() - this.started,
    });
  }
}

/**
 * A refusal whose message is not what the log should keep (a confirmation preview holds the token that
 * would run the call): `auditNote` is recorded instead.
 */
export class RefusalNote extends ToolError {
  constructor(
    message: string,
    structured: Record<string, unknown> | undefined,
    readonly auditNote: string,
  ) {
    super(message, structured);
  }
}

/** Starts the record of one call; `target` undefined for calls that are not recorded (reads). */
export function audited(env: ToolEnv, signal: AbortSignal, target: AuditTarget | undefined): AuditedCall {
  return new AuditedCall(env, target, signal);
}

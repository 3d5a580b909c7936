import { PbsError } from './state.js';

/** A PBS worker task, with the fields its status answer carries. */
export interface PbsTask {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  /** Unescaped worker id (the UPID holds it systemd-escaped). */
  id: string;
  user: string;
  tokenid?: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  log: string[];
}

export interface PbsTaskSpec {
  type: string;
  id: string;
  /** `user@realm` or `user@realm!token`. */
  authid: string;
  log?: string[];
  /** Runs when the task ends; a thrown error fails the task with its message; returned lines join the log. */
  effect?: () => void | string[];
  durationMs?: number;
}

const hex = (n: number, width = 8) => n.toString(16).toUpperCase().padStart(width, '0');

/** systemd unit escaping, which PBS applies to worker ids inside UPIDs (`store1:ns` -> `store1\x3ans`). */
export function escapeWorkerId(id: string): string {
  return [...id]
    .map((c, i) => {
      if (c === '/') return '-';
      if (/[A-Za-z0-9_]/.test(c) || (c === '.' && i > 0)) return c;
      return [...Buffer.from(c, 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
    })
    .join('');
}

/** Runs simulated worker tasks with PBS's UPID layout (it carries a task counter PVE's lacks). */
export class PbsTaskManager {
  readonly tasks: PbsTask[] = [];
  private readonly byUpid = new Map<string, PbsTask>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private counter = 0;
  private readonly pid = 0x3a0 + Math.floor(Math.random() * 0x100);
  private readonly pstart = 0x2b0000 + Math.floor(Math.random() * 0x10000);
  /** Worker type -> the error the next task of that type ends with (for tests). */
  readonly failNext = new Map<string, string>();

  constructor(
    private readonly node: string,
    private readonly defaultDurationMs: number,
  ) {}

  start(spec: PbsTaskSpec): string {
    const starttime = Math.floor(Date.now() / 1000);
    this.counter++;
    const upid = `UPID:${this.node}:${hex(this.pid)}:${hex(this.pstart)}:${hex(this.counter)}:${hex(starttime)}:${spec.type}:${escapeWorkerId(spec.id)}:${spec.authid}:`;
    const [user, tokenid] = spec.authid.split('!');
    const task: PbsTask = {
      upid,
      node: this.node,
      pid: this.pid,
      pstart: this.pstart,
      starttime,
      type: spec.type,
      id: spec.id,
      user,
      tokenid,
      status: 'running',
      log: [`starting ${spec.type} ${spec.id}`.trim(), ...(spec.log ?? [])],
    };
    this.tasks.push(task);
    this.byUpid.set(upid, task);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.finish(task, spec);
    }, spec.durationMs ?? this.defaultDurationMs);
    this.timers.add(timer);
    return upid;
  }

  private finish(task: PbsTask, spec: PbsTaskSpec): void {
    if (task.status === 'stopped') return;
    const forced = this.failNext.get(task.type);
    try {
      if (forced !== undefined) {
        this.failNext.delete(task.type);
        throw new Error(forced);
      }
      const lines = spec.effect?.();
      if (lines) task.log.push(...lines);
      task.log.push('TASK OK');
      task.exitstatus = 'OK';
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      task.log.push(`TASK ERROR: ${message}`);
      task.exitstatus = message;
    }
    task.status = 'stopped';
    task.endtime = Math.floor(Date.now() / 1000);
  }

  get(upid: string): PbsTask {
    const task = this.byUpid.get(upid);
    if (!task) throw new PbsError(400, `no such task '${upid}'`);
    return task;
  }

  /** Aborting a task ends it with PBS's words for it. */
  stop(upid: string): void {
    const task = this.get(upid);
    if (task.status === 'stopped') return;
    task.log.push('TASK ERROR: task aborted');
    task.exitstatus = 'task aborted';
    task.status = 'stopped';
    task.endtime = Math.floor(Date.now() / 1000);
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

import type { Upid } from '../proxmox/upid.js';
import type { Identity } from './access.js';

/** A task: the fields of its UPID, then what it is doing now. */
export interface Task extends Upid {
  /** `user@realm`; the token id, if any, is kept apart as PVE's status answer does (the UPID string holds both). */
  user: string;
  tokenid?: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  log: string[];
}

export interface TaskSpec {
  node: string;
  type: string;
  id: string;
  who: Identity;
  /** Lines logged while the task runs. */
  log?: string[];
  /** Applied when the task ends; throwing makes the task fail with that message. */
  effect?: () => void | string[];
  durationMs?: number;
  /** Undoes what the request did up front (e.g. a reserved config) when the task fails. */
  onFail?: () => void;
}

const hex = (n: number, width = 8) => n.toString(16).toUpperCase().padStart(width, '0');

export class TaskManager {
  readonly tasks: Task[] = [];
  private readonly byUpid = new Map<string, Task>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; finish: () => void }>();
  private nextPid = 0x4600 + Math.floor(Math.random() * 0x800);
  private readonly pstartBase = 0x5b000 + Math.floor(Math.random() * 0x1000);

  constructor(
    private readonly defaultDurationMs: number,
    private readonly failures: Map<string, string>,
  ) {}

  start(spec: TaskSpec): string {
    const pid = this.nextPid++;
    const starttime = Math.floor(Date.now() / 1000);
    const pstart = this.pstartBase + Math.floor(process.uptime() * 100);
    const userPart = spec.who.tokenid ? `${spec.who.userid}!${spec.who.tokenid}` : spec.who.userid;
    const upid = `UPID:${spec.node}:${hex(pid)}:${hex(pstart)}:${hex(starttime)}:${spec.type}:${spec.id}:${userPart}:`;
    const task: Task = {
      upid,
      node: spec.node,
      pid,
      pstart,
      starttime,
      type: spec.type,
      id: spec.id,
      user: spec.who.userid,
      tokenid: spec.who.tokenid,
      status: 'running',
      log: [...(spec.log ?? [])],
    };
    this.tasks.push(task);
    this.byUpid.set(upid, task);
    if (this.tasks.length > 5000) this.byUpid.delete(this.tasks.shift()!.upid);
    const finish = () => {
      this.timers.delete(upid);
      if (task.status !== 'running') return;
      const failure = this.failures.get(spec.type);
      try {
        if (failure !== undefined) throw new Error(failure);
        const more = spec.effect?.();
        if (Array.isArray(more)) task.log.push(...more);
        this.end(task, 'OK');
      } catch (e) {
        spec.onFail?.();
        this.end(task, e instanceof Error ? e.message.replace(/\n+$/, '') : String(e));
      }
    };
    const timer = setTimeout(finish, spec.durationMs ?? this.defaultDurationMs);
    this.timers.set(upid, { timer, finish });
    return upid;
  }

  /** Adds a task that finished before the simulator started (history worth investigating). */
  record(t: {
    node: string;
    type: string;
    id: string;
    user: string;
    starttime: number;
    endtime: number;
    exitstatus: string;
    log: string[];
  }): string {
    const [userid, tokenid] = t.user.split('!');
    const pid = this.nextPid++;
    const pstart = this.pstartBase - 0x1000 + (pid % 0x800);
    const upid = `UPID:${t.node}:${hex(pid)}:${hex(pstart)}:${hex(t.starttime)}:${t.type}:${t.id}:${t.user}:`;
    const task: Task = {
      upid,
      node: t.node,
      pid,
      pstart,
      starttime: t.starttime,
      type: t.type,
      id: t.id,
      user: userid,
      tokenid,
      status: 'stopped',
      exitstatus: t.exitstatus,
      endtime: t.endtime,
      log: [...t.log, t.exitstatus === 'OK' ? 'TASK OK' : `TASK ERROR: ${t.exitstatus}`],
    };
    this.tasks.push(task);
    this.tasks.sort((a, b) => a.starttime - b.starttime);
    this.byUpid.set(upid, task);
    return upid;
  }

  /** Ends a running task at once, as if its time had come (tests use it to avoid waiting). */
  finish(upid: string): void {
    const t = this.timers.get(upid);
    if (!t) return;
    clearTimeout(t.timer);
    t.finish();
  }

  get(upid: string): Task | undefined {
    return this.byUpid.get(upid);
  }

  stop(task: Task): void {
    const t = this.timers.get(task.upid);
    if (t) clearTimeout(t.timer);
    this.timers.delete(task.upid);
    if (task.status === 'running') this.end(task, 'interrupted by signal');
  }

  private end(task: Task, exitstatus: string): void {
    task.status = 'stopped';
    task.exitstatus = exitstatus;
    task.endtime = Math.floor(Date.now() / 1000);
    task.log.push(exitstatus === 'OK' ? 'TASK OK' : `TASK ERROR: ${exitstatus}`);
  }

  close(): void {
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

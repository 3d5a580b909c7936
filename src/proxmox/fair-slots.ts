import { ProxmoxNetworkError } from './errors.js';

interface Waiter {
  grant: () => void;
}

/**
 * At most `max` requests in flight; the rest wait, taking turns by caller (round robin), each for at most
 * `maxWaitMs`. One caller's batch of a hundred calls therefore delays another caller's call by about one
 * request, not by the whole batch, and nobody waits without limit behind a slow cluster.
 */
export class FairSlots {
  private active = 0;
  /** Callers in turn order; a caller moves to the back after each grant. */
  private readonly queues = new Map<string, Waiter[]>();

  constructor(
    private readonly max: number,
    private readonly maxWaitMs: number,
  ) {}

  get waiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /** Resolves once a slot is held; call the returned function exactly once to give it back. */
  async acquire(caller: string, what: { method: string; path: string; signal?: AbortSignal }): Promise<() => void> {
    if (this.active < this.max && this.queues.size === 0) {
      this.active++;
      return this.releaser();
    }
    const { signal } = what;
    if (signal?.aborted) throw new ProxmoxNetworkError('request cancelled', 'ABORTED', what.method, what.path);
    const ahead = this.waiting + this.active;
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const q = this.queues.get(caller);
        const i = q?.indexOf(waiter) ?? -1;
        if (q && i >= 0) q.splice(i, 1);
        if (q && q.length === 0) this.queues.delete(caller);
      };
      const onAbort = () => {
        leave();
        reject(new ProxmoxNetworkError('request cancelled', 'ABORTED', what.method, what.path));
      };
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      timer = setTimeout(() => {
        leave();
        reject(
          new ProxmoxNetworkError(
            `cluster busy: ${ahead} earlier request(s) were running or queued and no slot came free within ${this.maxWaitMs} ms (PROXMOX_TIMEOUT); nothing was sent, try again`,
            'BUSY',
            what.method,
            what.path,
          ),
        );
      }, this.maxWaitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      const q = this.queues.get(caller);
      if (q) q.push(waiter);
      else this.queues.set(caller, [waiter]);
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.handOver();
    };
  }

  /** The slot goes straight to the next caller in turn (active stays counted), so no newcomer can jump the queue. */
  private handOver(): void {
    const next = this.queues.entries().next();
    if (next.done) {
      this.active--;
      return;
    }
    const [caller, q] = next.value;
    const waiter = q.shift()!;
    this.queues.delete(caller);
    if (q.length) this.queues.set(caller, q);
    waiter.grant();
  }
}

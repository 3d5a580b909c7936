export type RateVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per client: bursts of up to one minute's allowance, refilled continuously.
 * Full buckets are forgotten, so memory follows the number of recently active clients.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private lastSweep: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = perMinute / 60_000;
    this.lastSweep = now();
  }

  /** Spends `n` calls from the client's allowance (a JSON-RPC batch spends one per call), all or none. */
  take(key: string, n = 1): RateVerdict {
    if (this.perMinute <= 0) return { ok: true };
    const t = this.now();
    this.sweep(t);
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: t };
    b.tokens = Math.min(this.perMinute, b.tokens + (t - b.at) * this.perMs);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens >= n) {
      b.tokens -= n;
      return { ok: true };
    }
    const need = Math.min(n, this.perMinute);
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((need - b.tokens) / this.perMs / 1000)) };
  }

  private sweep(t: number): void {
    if (t - this.lastSweep < 60_000) return;
    this.lastSweep = t;
    for (const [key, b] of this.buckets) {
      if (b.tokens + (t - b.at) * this.perMs >= this.perMinute) this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}

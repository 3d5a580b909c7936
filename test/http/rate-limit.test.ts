import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/http/rate-limit.js';

describe('RateLimiter', () => {
  it('allows a minute of burst, then refills continuously, per client', () => {
    let now = 0;
    const limiter = new RateLimiter(60, () => now);
    for (let i = 0; i < 60; i++) expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take('b').ok).toBe(true);
    now += 1000;
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
  });

  it('tells how long to wait at slow rates', () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    limiter.take('a');
    limiter.take('a');
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 30 });
    now += 30_000;
    expect(limiter.take('a').ok).toBe(true);
  });

  it('forgets clients whose bucket is full again, and 0 means no limit', () => {
    let now = 0;
    const limiter = new RateLimiter(10, () => now);
    limiter.take('a');
    limiter.take('b');
    expect(limiter.size).toBe(2);
    now += 61_000;
    limiter.take('c');
    expect(limiter.size).toBe(1);
    const off = new RateLimiter(0);
    for (let i = 0; i < 1000; i++) expect(off.take('a').ok).toBe(true);
  });
});

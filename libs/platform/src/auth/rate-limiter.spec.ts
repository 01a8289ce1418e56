import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  let clock = 0;
  const now = (): number => clock;
  beforeEach(() => (clock = 0));

  it('allows the burst, then refuses with the wait until the next token', () => {
    const limiter = new RateLimiter({ perSecond: 0.5, burst: 3 }, 10, now);
    expect([1, 2, 3].map(() => limiter.take('k').allowed)).toEqual([true, true, true]);
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 2 });
    clock += 1999;
    expect(limiter.take('k').allowed).toBe(false);
    clock += 1;
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k').allowed).toBe(false);
  });

  it('refills at the sustained rate, never above the burst', () => {
    const limiter = new RateLimiter({ perSecond: 10, burst: 5 }, 10, now);
    for (let i = 0; i < 5; i += 1) limiter.take('k');
    clock += 60_000;
    const allowed = Array.from({ length: 7 }, () => limiter.take('k').allowed);
    expect(allowed).toEqual([true, true, true, true, true, false, false]);
  });

  it('keeps one bucket per key', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1 }, 10, now);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
    expect(limiter.wouldAllow('a')).toBe(false);
    expect(limiter.wouldAllow('c')).toBe(true);
  });

  it('stays within its key bound under a flood of distinct keys', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 2 }, 100, now);
    for (let i = 0; i < 10_000; i += 1) limiter.take(`addr-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });

  it('refuses a limit that allows nothing', () => {
    expect(() => new RateLimiter({ perSecond: 0, burst: 1 })).toThrow(RangeError);
  });
});

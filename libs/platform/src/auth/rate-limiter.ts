export interface RateLimit {
  /** Sustained requests per second. */
  readonly perSecond: number;
  /** Requests that may come at once after a quiet spell. */
  readonly burst: number;
}

export type RateDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by key (a credential, a client address), in this process. Buckets that have
 * refilled completely hold nothing worth keeping, so they are dropped when the map grows past
 * `maxKeys`: a flood of distinct keys cannot grow memory without bound.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) {
      throw new RangeError('a rate limit needs perSecond > 0 and burst >= 1');
    }
  }

  /** Takes one token for `key`; when none is left, says how long until one is. */
  take(key: string): RateDecision {
    const now = this.now();
    const bucket = this.refilled(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const waitMs = ((1 - bucket.tokens) / this.limit.perSecond) * 1000;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Whether `key` has a token left, without taking it. */
  wouldAllow(key: string): boolean {
    return this.refilled(key, this.now()).tokens >= 1;
  }

  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.dropFull(now);
      bucket = { tokens: this.limit.burst, at: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.at) / 1000;
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + elapsed * this.limit.perSecond);
    bucket.at = now;
    return bucket;
  }

  /**
   * Makes room for at least a tenth of `maxKeys`, so that the sweep, which costs the whole map,
   * runs at most once per that many new keys.
   */
  private dropFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      const elapsed = Math.max(0, now - bucket.at) / 1000;
      if (bucket.tokens + elapsed * this.limit.perSecond >= this.limit.burst) {
        this.buckets.delete(key);
      }
    }
    // Every bucket still draining: the oldest entries go, which at worst forgives their debt.
    const keep = Math.floor(this.maxKeys * 0.9);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= keep) break;
      this.buckets.delete(key);
    }
  }
}

/** Token-bucket settings: `perSecond` tokens are added each second, up to `burst`. */
export interface RateLimitOptions {
  perSecond: number;
  burst: number;
}

/** Per-source token buckets; `take(source)` is false when that source is over its rate. */
export interface RateLimiter {
  take(source: string): boolean;
  /** Number of sources being tracked (bounded by `maxSources`). */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Creates a per-source token bucket limiter. Memory is bounded: past `maxSources` tracked
 * sources, buckets that have refilled completely are dropped, and if that is not enough the
 * oldest ones go.
 */
export function createRateLimiter(
  options: RateLimitOptions,
  now: () => number,
  maxSources = 10_000,
): RateLimiter {
  const { perSecond, burst } = options;
  const buckets = new Map<string, Bucket>();

  function prune(t: number): void {
    for (const [key, bucket] of buckets) {
      if (bucket.tokens + ((t - bucket.at) / 1000) * perSecond >= burst) buckets.delete(key);
    }
    // Still too many: drop the oldest (Map keeps insertion order).
    for (const key of buckets.keys()) {
      if (buckets.size < maxSources) break;
      buckets.delete(key);
    }
  }

  return {
    take(source: string): boolean {
      const t = now();
      let bucket = buckets.get(source);
      if (bucket === undefined) {
        if (buckets.size >= maxSources) prune(t);
        bucket = { tokens: burst, at: t };
        buckets.set(source, bucket);
      } else {
        const elapsed = Math.max(0, t - bucket.at);
        bucket.tokens = Math.min(burst, bucket.tokens + (elapsed / 1000) * perSecond);
        bucket.at = t;
      }
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
    get size(): number {
      return buckets.size;
    },
  };
}

/**
 * How a retry delay is randomised: `full` draws from [0, cap] (spreads a crowd of clients the
 * most, may retry at once), `equal` from [cap/2, cap] (spreads them and keeps a minimum wait),
 * `none` is the plain exponential cap (deterministic, for tests and single writers).
 */
export type BackoffJitter = 'full' | 'equal' | 'none';

/** Options of {@link backoffDelay}. */
export interface BackoffOptions {
  /** Delay cap of the first retry (attempt 0), ms. Must be finite and ≥ 0. */
  readonly baseMs: number;
  /** Largest delay cap, ms; the cap doubles per attempt up to this. Must be finite and ≥ 0. */
  readonly maxMs: number;
  /** Jitter; default `equal`. */
  readonly jitter?: BackoffJitter;
  /** Random source in [0, 1); default `Math.random`. Tests pass a fixed one. */
  readonly random?: () => number;
}

/**
 * The delay before retry number `attempt` (0 for the first retry): exponential
 * (`baseMs · 2^attempt`, at most `maxMs`) with jitter, so many phones or clients that failed
 * together do not retry in lockstep. One helper for every retry loop in snomlink. A negative or
 * non-integer attempt counts as 0 / its floor; invalid `baseMs`/`maxMs` throw a `RangeError`.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const { baseMs, maxMs } = options;
  if (!Number.isFinite(baseMs) || baseMs < 0) {
    throw new RangeError(`backoff baseMs must be a finite number ≥ 0, got ${String(baseMs)}`);
  }
  if (!Number.isFinite(maxMs) || maxMs < 0) {
    throw new RangeError(`backoff maxMs must be a finite number ≥ 0, got ${String(maxMs)}`);
  }
  const n = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  // 2^31 times any base already exceeds every sensible cap; avoid Infinity · 0.
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(n, 31));
  const jitter = options.jitter ?? 'equal';
  if (jitter === 'none') return cap;
  const drawn = (options.random ?? Math.random)();
  const r = Number.isFinite(drawn) ? Math.min(Math.max(drawn, 0), 1) : 0.5;
  return jitter === 'full' ? r * cap : cap / 2 + (r * cap) / 2;
}

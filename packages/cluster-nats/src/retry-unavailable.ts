import type { ClusterLogger } from './cluster-types.js';
import { isClusterConfigError } from './errors.js';

// A daemon outlives any NATS outage, also one at its start: joining the cluster (connect, init,
// shared config, read view) is retried with backoff until it works, never given up, so a slow
// or late NATS never leaves a daemon down for good. Only a configuration error (bad options, a
// newer stored schema) is final: retrying cannot fix it.

/** Options of {@link retryUnavailable}. */
export interface RetryUnavailableOptions {
  /** What is being tried, for the log ("joining the cluster"). */
  readonly what: string;
  readonly logger?: ClusterLogger;
  /** True once the caller gave up (the daemon is stopping): the retry then throws. */
  readonly stopped?: () => boolean;
  /** First delay (default 1 s); doubled after each failure up to `maxDelayMs` (default 30 s). */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Called before each wait (the daemon counts and reports the attempts). */
  readonly onRetry?: (attempt: number, error: unknown) => void;
}

/** The delay before retry `attempt` (1-based): doubling from `first`, capped at `max`. */
export function retryDelay(attempt: number, first: number, max: number): number {
  return Math.min(max, first * 2 ** Math.min(attempt - 1, 20));
}

/** Runs `fn` until it resolves; a ClusterConfigError (or a stop) ends the retrying with it. */
export async function retryUnavailable<T>(
  fn: () => Promise<T>,
  options: RetryUnavailableOptions,
): Promise<T> {
  const first = options.firstDelayMs ?? 1_000;
  const max = options.maxDelayMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (isClusterConfigError(error) || options.stopped?.() === true) throw error;
      const delayMs = retryDelay(attempt, first, max);
      options.onRetry?.(attempt, error);
      options.logger?.error(
        {
          attempt,
          retryInMs: delayMs,
          err: error instanceof Error ? error.message : String(error),
        },
        `cluster: ${options.what} failed (NATS unreachable?); retrying`,
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

import { DirectoryTimeoutError, describeError } from './errors.js';
import type { DirectorySourceKind } from './source.js';

/** How a source is doing, for `GET /api/directory/health` and the web UI. */
export interface SourceHealth {
  readonly id: string;
  readonly kind: DirectorySourceKind;
  /**
   * `unknown` before the first request, `ok` after a success, `failing` after a failure (then the
   * source is skipped until `retryAt`, and one request probes it after that).
   */
  readonly state: 'unknown' | 'ok' | 'failing';
  readonly healthy: boolean;
  readonly consecutiveFailures: number;
  /** The last failure, as a sentence; null after a success. */
  readonly lastError: string | null;
  /** Epoch ms of the last success / failure, or null. */
  readonly lastSuccessAt: number | null;
  readonly lastFailureAt: number | null;
  /** Epoch ms before which the source is skipped (backoff), or null. */
  readonly retryAt: number | null;
  /** Duration of the last request that settled, ms. */
  readonly lastLatencyMs: number | null;
  /** Requests sent, and requests that failed or timed out, since start. */
  readonly requests: number;
  readonly failures: number;
}

/** Backoff after failures: `baseMs · 2^(n-1)`, at most `maxMs`, then jittered to 50–100 %. */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Options of {@link createSourceGuard}. */
export interface SourceGuardOptions {
  readonly id: string;
  readonly kind: DirectorySourceKind;
  readonly timeoutMs: number;
  readonly backoff: BackoffOptions;
  /** Clock and randomness, replaceable in tests. */
  readonly now?: () => number;
  readonly random?: () => number;
}

/** Runs a source's requests with a timeout, counts failures and keeps its health. */
export interface SourceGuard {
  /** False while the source backs off, or while the one probe after a backoff is under way. */
  available(): boolean;
  /** Runs `task` with an AbortSignal that fires at the timeout; rejects then with DirectoryTimeoutError. */
  run<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Counts a failure seen outside `run` (a preload), with its backoff. */
  recordFailure(e: unknown): void;
  health(): SourceHealth;
}

/** The backoff delay before retry number `failures` (1-based), with jitter. */
export function backoffDelay(failures: number, backoff: BackoffOptions, random: number): number {
  const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exp * (0.5 + 0.5 * random));
}

/**
 * A guard per source: a hanging or refusing directory costs one timeout, then it is skipped for
 * a growing, jittered while (so many daemons do not retry in step), and is marked unhealthy.
 */
export function createSourceGuard(options: SourceGuardOptions): SourceGuard {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const state = {
    consecutiveFailures: 0,
    lastError: null as string | null,
    lastSuccessAt: null as number | null,
    lastFailureAt: null as number | null,
    retryAt: null as number | null,
    lastLatencyMs: null as number | null,
    requests: 0,
    failures: 0,
    inFlight: 0,
  };

  const succeed = (ms: number): void => {
    state.consecutiveFailures = 0;
    state.lastError = null;
    state.lastSuccessAt = now();
    state.retryAt = null;
    state.lastLatencyMs = ms;
  };
  const fail = (e: unknown, ms: number): void => {
    state.consecutiveFailures += 1;
    state.failures += 1;
    state.lastError = describeError(e);
    state.lastFailureAt = now();
    state.lastLatencyMs = ms;
    state.retryAt = now() + backoffDelay(state.consecutiveFailures, options.backoff, random());
  };

  return {
    available() {
      if (state.consecutiveFailures === 0) return true;
      // After a failure: one probe once the backoff is over, not a burst of them.
      return state.inFlight === 0 && (state.retryAt === null || now() >= state.retryAt);
    },
    async run(task) {
      state.requests += 1;
      state.inFlight += 1;
      const started = performance.now();
      const controller = new AbortController();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new DirectoryTimeoutError(
            `directory source "${options.id}" did not answer within ${options.timeoutMs} ms; check that it is reachable, or raise its timeoutMs`,
            { sourceId: options.id, timeoutMs: options.timeoutMs },
          );
          controller.abort(error);
          reject(error);
        }, options.timeoutMs);
        timer.unref();
      });
      try {
        const value = await Promise.race([task(controller.signal), timeout]);
        succeed(performance.now() - started);
        return value;
      } catch (e) {
        fail(e, performance.now() - started);
        throw e;
      } finally {
        clearTimeout(timer);
        state.inFlight -= 1;
      }
    },
    recordFailure(e) {
      fail(e, 0);
    },
    health() {
      const failing = state.consecutiveFailures > 0;
      return {
        id: options.id,
        kind: options.kind,
        state: failing ? 'failing' : state.lastSuccessAt === null ? 'unknown' : 'ok',
        healthy: !failing,
        consecutiveFailures: state.consecutiveFailures,
        lastError: state.lastError,
        lastSuccessAt: state.lastSuccessAt,
        lastFailureAt: state.lastFailureAt,
        retryAt: failing ? state.retryAt : null,
        lastLatencyMs:
          state.lastLatencyMs === null ? null : Math.round(state.lastLatencyMs * 10) / 10,
        requests: state.requests,
        failures: state.failures,
      };
    },
  };
}

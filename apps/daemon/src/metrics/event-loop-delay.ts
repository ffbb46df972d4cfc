import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The event loop delay of one window (seconds), see {@link EventLoopDelay.take}. */
export interface EventLoopDelayWindow {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** Samples in the window (one per `resolutionMs` of loop time, fewer when it stalls). */
  readonly count: number;
  /** Samples since start (cumulative, for a summary's `_count`). */
  readonly totalCount: number;
  /** Sum of the sampled delays since start, seconds (cumulative, for a summary's `_sum`). */
  readonly totalSeconds: number;
}

/** Samples how late the event loop runs timers (`perf_hooks.monitorEventLoopDelay`). */
export interface EventLoopDelay {
  /** The window since the previous `take` (or start), then starts a new window. */
  take(): EventLoopDelayWindow;
  /** Stops sampling. */
  close(): void;
}

/** Options of {@link createEventLoopDelay}. */
export interface EventLoopDelayOptions {
  /** Sampling period in ms (perf_hooks `resolution`). Default 10. */
  readonly resolutionMs?: number;
}

/**
 * A delay from one of perf_hooks' recorded intervals: the histogram records the whole time
 * between two of its timer ticks (nanoseconds), which is the sampling period itself when the
 * loop is idle. What the loop owes is the part beyond the period; never below 0 (a timer can
 * fire up to a millisecond early). Seconds; 0 for an empty histogram's NaN.
 */
export function intervalToDelaySeconds(intervalNs: number, resolutionMs: number): number {
  if (!Number.isFinite(intervalNs)) return 0;
  return Math.max(0, intervalNs / 1e9 - resolutionMs / 1000);
}

/**
 * Starts sampling the event loop delay. A stalled loop (a long synchronous task, a large
 * garbage collection) shows as a high p99 or max: exactly what makes phones wait for their 200.
 * Reported as the true delay (how late the sampling timer ran), so an idle loop reports ≈ 0,
 * not the sampling period (see {@link intervalToDelaySeconds}).
 */
export function createEventLoopDelay(options: EventLoopDelayOptions = {}): EventLoopDelay {
  const resolutionMs = options.resolutionMs ?? 10;
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  let totalCount = 0;
  let totalSeconds = 0;
  // Subtracting a constant and clamping are monotonic, so they commute with the percentiles and
  // the max; the _sum is the mean's (timers up to 1 ms early count against late ones there).
  const delay = (intervalNs: number): number => intervalToDelaySeconds(intervalNs, resolutionMs);
  return {
    take() {
      const count = histogram.count;
      totalCount += count;
      totalSeconds += count > 0 ? delay(histogram.mean) * count : 0;
      const window: EventLoopDelayWindow = {
        p50: count > 0 ? delay(histogram.percentile(50)) : 0,
        p90: count > 0 ? delay(histogram.percentile(90)) : 0,
        p99: count > 0 ? delay(histogram.percentile(99)) : 0,
        max: count > 0 ? delay(histogram.max) : 0,
        count,
        totalCount,
        totalSeconds,
      };
      histogram.reset();
      return window;
    },
    close() {
      histogram.disable();
    },
  };
}

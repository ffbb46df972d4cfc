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
 * Starts sampling the event loop delay. A stalled loop (a long synchronous task, a large
 * garbage collection) shows as a high p99 or max: exactly what makes phones wait for their 200.
 */
export function createEventLoopDelay(options: EventLoopDelayOptions = {}): EventLoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: options.resolutionMs ?? 10 });
  histogram.enable();
  let totalCount = 0;
  let totalSeconds = 0;
  // perf_hooks reports nanoseconds; its percentiles are 0 (or NaN for mean) when empty.
  const seconds = (ns: number): number => (Number.isFinite(ns) ? ns / 1e9 : 0);
  return {
    take() {
      const count = histogram.count;
      totalCount += count;
      totalSeconds += count > 0 ? seconds(histogram.mean) * count : 0;
      const window: EventLoopDelayWindow = {
        p50: count > 0 ? seconds(histogram.percentile(50)) : 0,
        p90: count > 0 ? seconds(histogram.percentile(90)) : 0,
        p99: count > 0 ? seconds(histogram.percentile(99)) : 0,
        max: count > 0 ? seconds(histogram.max) : 0,
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

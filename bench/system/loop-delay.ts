// The bench process's own event loop delay over a phase. The generator hosts the simulated
// phones (they fire the Action URLs and time their 200s) and reads the SSE stream; when its
// loop stalls, both latencies grow although the daemon answered in time. Reported next to the
// daemon's own loop delay so a tail can be put on the right side.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 10;

/** p50 / p99 / max of how late the loop's timer ran, ms (interval less the sampling period). */
export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const lateMs = (intervalNs: number): number =>
  Math.round(Math.max(0, intervalNs / 1e6 - RESOLUTION_MS) * 10) / 10;

/** Starts sampling this process's loop; `stop()` ends it and returns the delay since start. */
export function watchLoopDelay(): { stop(): LoopDelay } {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return {
    stop(): LoopDelay {
      histogram.disable();
      return {
        p50Ms: lateMs(histogram.percentile(50)),
        p99Ms: lateMs(histogram.percentile(99)),
        maxMs: lateMs(histogram.max),
      };
    },
  };
}

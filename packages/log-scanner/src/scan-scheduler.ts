import { ScanCancelledError } from './errors.js';

/** Options of {@link createScanScheduler}. */
export interface ScanSchedulerOptions {
  /** Most phone requests in flight at once, across all scanners sharing it. Default 16. */
  readonly concurrency?: number;
}

/** Priority of a queued task: `high` for event-driven reads, `normal` for interval polls. */
export type ScanPriority = 'high' | 'normal';

/** Shared slots for phone requests, so many scanners never burst all at once. */
export interface ScanScheduler {
  /** Runs `task` when a slot is free (high priority first, FIFO within a priority). */
  run<T>(task: () => Promise<T>, options?: { priority?: ScanPriority }): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly queued: number;
  /** Highest number of tasks that ran at the same time so far. */
  readonly peakActive: number;
  readonly concurrency: number;
  /** Rejects every queued task with `ScanCancelledError`; running tasks finish. */
  close(): void;
}

interface Waiting {
  start(): void;
  cancel(error: Error): void;
}

/**
 * Creates a scheduler with bounded concurrency. 1,000 phones ringing at once cause at most
 * `concurrency` simultaneous log reads; the rest queue, event-driven reads ahead of polls.
 */
export function createScanScheduler(options: ScanSchedulerOptions = {}): ScanScheduler {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 16));
  const high: Waiting[] = [];
  const normal: Waiting[] = [];
  let active = 0;
  let peak = 0;
  let closed = false;

  const pump = (): void => {
    while (active < concurrency) {
      const next = high.shift() ?? normal.shift();
      if (next === undefined) return;
      next.start();
    }
  };

  return {
    run<T>(task: () => Promise<T>, runOptions: { priority?: ScanPriority } = {}): Promise<T> {
      if (closed) return Promise.reject(new ScanCancelledError('the scan scheduler is closed'));
      return new Promise<T>((resolve, reject) => {
        const waiting: Waiting = {
          start() {
            active += 1;
            if (active > peak) peak = active;
            let p: Promise<T>;
            try {
              p = task();
            } catch (e) {
              p = Promise.reject(e instanceof Error ? e : new Error(String(e)));
            }
            p.then(resolve, reject).finally(() => {
              active -= 1;
              pump();
            });
          },
          cancel: reject,
        };
        (runOptions.priority === 'high' ? high : normal).push(waiting);
        pump();
      });
    },
    get active() {
      return active;
    },
    get queued() {
      return high.length + normal.length;
    },
    get peakActive() {
      return peak;
    },
    concurrency,
    close() {
      closed = true;
      const error = new ScanCancelledError('the scan scheduler was closed before the task ran');
      for (const w of [...high.splice(0), ...normal.splice(0)]) w.cancel(error);
    },
  };
}

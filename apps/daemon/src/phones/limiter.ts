/** Runs tasks with at most a fixed number in flight; the rest wait in arrival order. */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly waiting: number;
}

/**
 * A limiter with `max` slots (see {@link Limiter}). Why the daemon queues phone work instead of
 * starting it at once: an admin tool provisioning a fleet sends 64–128 requests at a time, and
 * each phone request's timeout runs from its start; started all together on a busy event loop
 * they share the CPU, each takes longer, and some time out although every phone answers.
 * Queued, the running ones finish in time and the waiting ones hold only a closure.
 */
export function createLimiter(max: number): Limiter {
  const slots = Math.max(1, Math.floor(max));
  let active = 0;
  const queue: (() => void)[] = [];
  const release = (): void => {
    const next = queue.shift();
    if (next === undefined) active--;
    else next(); // the slot passes straight to the next task
  };
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (active < slots) active++;
      else
        await new Promise<void>((resolve) => {
          queue.push(resolve);
        });
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}

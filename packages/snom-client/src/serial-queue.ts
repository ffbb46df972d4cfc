/** Runs async tasks one at a time, in the order they were queued (see {@link createSerialQueue}). */
export interface SerialQueue {
  /** Queues `task`; it starts when every task queued before it has settled. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks queued or running now. */
  readonly pending: number;
}

/**
 * A per-phone FIFO queue: the snom embedded web server answers concurrent requests with broken
 * headers (rostgaard/Phonio serialises per phone for that reason), so each client sends one
 * request at a time. A failed task does not stop the ones behind it.
 */
export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  let pending = 0;
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      pending++;
      const result = tail.then(task);
      const settled = result.then(
        () => undefined,
        () => undefined,
      );
      tail = settled;
      void settled.then(() => {
        pending--;
      });
      return result;
    },
    get pending(): number {
      return pending;
    },
  };
}

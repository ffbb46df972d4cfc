import { createBoundedQueue } from './bounded-queue.js';
import type { Logger } from './logger.js';

/** What a hub stream yields: a value, or a note that a slow reader lost `count` values. */
export type HubItem<T> =
  | { readonly type: 'value'; readonly value: T }
  | { readonly type: 'dropped'; readonly count: number };

/** Options of {@link createEventHub}. */
export interface EventHubOptions {
  /** Default buffer per stream reader before the oldest entries are dropped. Default 1024. */
  readonly bufferSize?: number;
  /**
   * Called when a synchronous listener throws. The publisher never sees the error.
   * Default: report it to `logger`.
   */
  readonly onListenerError?: (error: unknown) => void;
  /** Where a throwing listener is reported when `onListenerError` is not given. Default `console`. */
  readonly logger?: Logger;
}

/** Options of {@link EventHub.stream}. */
export interface HubStreamOptions {
  /** Values kept for this reader before the oldest are dropped. Default: the hub's `bufferSize`. */
  readonly bufferSize?: number;
  /** Ends the iteration when aborted. */
  readonly signal?: AbortSignal;
}

/** Typed publish/subscribe; `publish` never blocks and never throws because of a subscriber. */
export interface EventHub<T> {
  publish(value: T): void;
  /** Synchronous listener; returns an unsubscribe function. */
  subscribe(listener: (value: T) => void): () => void;
  /** Async iteration with a bounded buffer: a slow reader loses the oldest and is told how many. */
  stream(options?: HubStreamOptions): AsyncIterableIterator<HubItem<T>>;
  readonly subscriberCount: number;
}

/** Default per-reader buffer of {@link createEventHub}. */
export const DEFAULT_HUB_BUFFER_SIZE = 1024;

type Listener<T> = (value: T) => void;

function validBufferSize(size: number | undefined, fallback: number): number {
  if (size === undefined || !Number.isFinite(size)) return fallback;
  return Math.max(1, Math.floor(size));
}

/**
 * Creates a typed event hub. `publish` calls every synchronous listener in subscription order
 * (a throwing listener is reported to `onListenerError` and skipped) and appends to every
 * stream's buffer; it never waits for a reader.
 */
export function createEventHub<T>(options: EventHubOptions = {}): EventHub<T> {
  const defaultBufferSize = validBufferSize(options.bufferSize, DEFAULT_HUB_BUFFER_SIZE);
  const { logger } = options;
  const onListenerError =
    options.onListenerError ??
    ((error: unknown): void => {
      if (logger !== undefined)
        logger.error({ err: error }, 'snomlink event hub: a subscriber threw');
      else console.error('snomlink event hub: a subscriber threw', error);
    });
  // Copy-on-write: publish iterates a snapshot without copying.
  let listeners: readonly Listener<T>[] = [];

  function add(listener: Listener<T>): () => void {
    listeners = [...listeners, listener];
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const index = listeners.indexOf(listener);
      if (index >= 0) listeners = [...listeners.slice(0, index), ...listeners.slice(index + 1)];
    };
  }

  function stream(streamOptions: HubStreamOptions = {}): AsyncIterableIterator<HubItem<T>> {
    const buffer = createBoundedQueue<T>(
      validBufferSize(streamOptions.bufferSize, defaultBufferSize),
    );
    const { signal } = streamOptions;
    let dropped = 0;
    let done = false;
    // Pending next() calls, oldest first (more than one only if a caller does not await).
    const waiting: ((result: IteratorResult<HubItem<T>>) => void)[] = [];

    const next = (): IteratorResult<HubItem<T>> | null => {
      if (dropped > 0) {
        const count = dropped;
        dropped = 0;
        return { done: false, value: { type: 'dropped', count } };
      }
      if (buffer.size > 0) {
        return { done: false, value: { type: 'value', value: buffer.shift() as T } };
      }
      return null;
    };

    const unsubscribe = add((value) => {
      const resolve = waiting.shift();
      if (resolve !== undefined) {
        resolve({ done: false, value: { type: 'value', value } });
        return;
      }
      if (buffer.push(value)) dropped += 1;
    });

    const finish = (): IteratorResult<HubItem<T>> => {
      if (!done) {
        done = true;
        unsubscribe();
        buffer.clear();
        dropped = 0;
        signal?.removeEventListener('abort', finish);
        for (const resolve of waiting.splice(0)) resolve({ done: true, value: undefined });
      }
      return { done: true, value: undefined };
    };

    if (signal?.aborted === true) finish();
    else signal?.addEventListener('abort', finish, { once: true });

    const iterator: AsyncIterableIterator<HubItem<T>> = {
      next(): Promise<IteratorResult<HubItem<T>>> {
        if (done) return Promise.resolve({ done: true, value: undefined });
        const ready = next();
        if (ready !== null) return Promise.resolve(ready);
        return new Promise((resolve) => {
          waiting.push(resolve);
        });
      },
      return(): Promise<IteratorResult<HubItem<T>>> {
        return Promise.resolve(finish());
      },
      throw(): Promise<IteratorResult<HubItem<T>>> {
        return Promise.resolve(finish());
      },
      [Symbol.asyncIterator](): AsyncIterableIterator<HubItem<T>> {
        return iterator;
      },
    };
    return iterator;
  }

  return {
    publish(value: T): void {
      for (const listener of listeners) {
        try {
          listener(value);
        } catch (error) {
          try {
            onListenerError(error);
          } catch {
            // The error reporter itself failed; the publisher must still not see it.
          }
        }
      }
    },
    subscribe(listener: (value: T) => void): () => void {
      return add(listener);
    },
    stream,
    get subscriberCount(): number {
      return listeners.length;
    },
  };
}

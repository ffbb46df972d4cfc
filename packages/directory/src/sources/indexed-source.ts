import { createContactIndex, type ContactIndex } from '../contact-index.js';
import type { DirectoryEntry, DirectoryLogger, DirectorySource } from '../source.js';

/** What an indexed source needs: a way to load every entry, and when to load again. */
export interface IndexedSourceOptions {
  readonly id: string;
  readonly kind: string;
  /** Loads all entries; must give up when `signal` aborts. */
  readonly load: (signal: AbortSignal) => Promise<readonly DirectoryEntry[]>;
  /** True when the loaded index should be replaced (age, changed file). */
  readonly isStale: (loadedAt: number) => Promise<boolean> | boolean;
  /** Limit of one load, ms (default 30 s); a lookup waits for a load only up to its own timeout. */
  readonly loadTimeoutMs?: number | undefined;
  readonly logger?: DirectoryLogger | undefined;
  readonly now?: () => number;
}

/** Settles like `promise`, or rejects with the signal's reason when it aborts first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => {
    signal.removeEventListener('abort', onAbort);
  });
}

/** A source answered from memory, plus its loaded size, for tests and the admin UI. */
export interface IndexedSource extends DirectorySource {
  /** Entries in the loaded index; 0 before the first load. */
  readonly size: number;
  /** Loads now (awaits the load), e.g. at start-up so the first call is answered from memory. */
  refresh(signal?: AbortSignal): Promise<void>;
}

/**
 * CardDAV and CSV sources: load everything once, answer from a Map. The first lookup waits for
 * the load (the directory's timeout bounds it); later, a stale index is still served while a new
 * load runs in the background, and a failed reload keeps the old index and logs a warning.
 */
export function createIndexedSource(options: IndexedSourceOptions): IndexedSource {
  const now = options.now ?? Date.now;
  let index: ContactIndex | null = null;
  let loadedAt = 0;
  let loading: Promise<ContactIndex> | null = null;
  let closed = false;

  const loadTimeoutMs = options.loadTimeoutMs ?? 30_000;
  /** One load at a time, with its own timeout: a caller giving up does not cancel it. */
  const load = (): Promise<ContactIndex> => {
    if (loading !== null) return loading;
    const started = now();
    const p = options.load(AbortSignal.timeout(loadTimeoutMs)).then((entries) => {
      const next = createContactIndex(entries);
      if (!closed) {
        index = next;
        loadedAt = started;
      }
      return next;
    });
    loading = p;
    const clear = (): void => {
      if (loading === p) loading = null;
    };
    p.then(clear, clear);
    return p;
  };

  const current = async (signal: AbortSignal): Promise<ContactIndex> => {
    if (index === null) return untilAborted(load(), signal);
    if (loading === null && (await options.isStale(loadedAt))) {
      load().catch((e: unknown) => {
        options.logger?.warn(
          { source: options.id, err: e },
          `directory source "${options.id}": reload failed; still answering from the last good load`,
        );
      });
    }
    return index;
  };

  return {
    id: options.id,
    kind: options.kind,
    get size() {
      return index?.size ?? 0;
    },
    async refresh(signal) {
      await (signal === undefined ? load() : untilAborted(load(), signal));
    },
    async lookup(query, signal) {
      return (await current(signal)).byKey(query.key);
    },
    async search(text, limit, signal) {
      return (await current(signal)).search(text, limit);
    },
    close() {
      closed = true;
      index = null;
      return Promise.resolve();
    },
  };
}

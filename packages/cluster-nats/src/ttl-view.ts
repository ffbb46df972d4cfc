import type { KV, KvWatchEntry } from '@nats-io/kv';

// A live, local copy of a KV bucket whose keys expire by the bucket's TTL (leases, members).
// nats-server 2.9 removes an expired key silently (no delete marker, no watch event), so the
// view ages entries itself: an entry not rewritten within the TTL counts as gone.

/** One key as the view holds it. */
export interface TtlEntry<T> {
  readonly value: T;
  readonly revision: number;
  /** Epoch ms the entry was written: the server's stamp, capped at the local clock. */
  readonly writtenAt: number;
}

/** Options of {@link createTtlView}. */
export interface TtlViewOptions<T> {
  readonly kv: KV;
  readonly ttlMs: number;
  /** Parses a value; null skips a malformed one (a foreign writer cannot break the view). */
  readonly parse: (text: string) => T | null;
  readonly now: () => number;
  /** Called after every change the watch delivers (puts and deletes). */
  readonly onUpdate?: (key: string) => void;
}

/** The view. */
export interface TtlView<T> {
  /** Resolves once the bucket's current content has been loaded. */
  readonly ready: Promise<void>;
  /** The live entry of a key, or null when deleted, never written or expired. */
  get(key: string): TtlEntry<T> | null;
  /** Every live entry. */
  entries(): ReadonlyMap<string, TtlEntry<T>>;
  /** The last value ever seen under a key (also after a delete or an expiry), or null. */
  last(key: string): T | null;
  /** Revision of the last entry seen under a key (put or delete), 0 when none was seen. */
  lastRevision(key: string): number;
  /** True when the key's last write aged past the TTL (its writer stopped: dead or cut off). */
  expired(key: string): boolean;
  /** Epoch ms since when a key is free (deleted or expired), or null while it is live. */
  freeSince(key: string): number | null;
  /**
   * Re-creates the watch (the client's watch can stop delivering for good after its server
   * died); the current content is applied on top of what the view holds.
   */
  restart(): Promise<void>;
  /** Local time the watch last delivered anything (creation time before that). */
  lastUpdate(): number;
  stop(): void;
}

/** Watches a TTL bucket into a local view (call `ready` before reading). */
export async function createTtlView<T>(options: TtlViewOptions<T>): Promise<TtlView<T>> {
  const { kv, ttlMs, parse, now } = options;
  const live = new Map<string, TtlEntry<T>>();
  const last = new Map<string, T>();
  const deletedAt = new Map<string, number>();
  const revisions = new Map<string, number>();
  const startedAt = now();
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    resolveReady = resolve;
  });

  let lastUpdate = now();

  function apply(e: KvWatchEntry): void {
    lastUpdate = now();
    // A re-created watch delivers last values again: never step back to an older revision.
    if (e.revision < (revisions.get(e.key) ?? 0)) return;
    revisions.set(e.key, e.revision);
    if (e.operation === 'PUT') {
      const value = parse(e.string());
      if (value === null) return;
      const writtenAt = Math.min(now(), e.created.getTime());
      live.set(e.key, { value, revision: e.revision, writtenAt });
      last.set(e.key, value);
      deletedAt.delete(e.key);
    } else {
      live.delete(e.key);
      deletedAt.set(e.key, now());
    }
  }

  let watch: Awaited<ReturnType<KV['watch']>> | null = null;
  let stopped = false;

  async function follow(): Promise<void> {
    const current = await kv.watch();
    watch = current;
    void (async () => {
      for await (const e of current) {
        apply(e);
        // The last entry of the initial content is the first one flagged as an update.
        if (e.isUpdate) resolveReady();
        options.onUpdate?.(e.key);
      }
      resolveReady();
    })();
  }

  await follow();
  // An empty bucket delivers no initial content at all: then nothing is pending now. The timer
  // covers keys that expired between the two calls (the watch then waits for no initial entry).
  if ((await kv.status()).values === 0) resolveReady();
  setTimeout(resolveReady, Math.min(ttlMs, 1_000)).unref();

  function fresh(key: string): TtlEntry<T> | null {
    const entry = live.get(key);
    if (entry === undefined) return null;
    return now() - entry.writtenAt < ttlMs ? entry : null;
  }

  return {
    ready,
    get: fresh,
    entries: () => {
      const out = new Map<string, TtlEntry<T>>();
      for (const key of live.keys()) {
        const entry = fresh(key);
        if (entry !== null) out.set(key, entry);
      }
      return out;
    },
    last: (key) => last.get(key) ?? null,
    lastRevision: (key) => revisions.get(key) ?? 0,
    expired: (key) => live.has(key) && fresh(key) === null,
    freeSince: (key) => {
      const entry = live.get(key);
      if (entry !== undefined) {
        const expiry = entry.writtenAt + ttlMs;
        return now() >= expiry ? expiry : null;
      }
      return deletedAt.get(key) ?? startedAt;
    },
    lastUpdate: () => lastUpdate,
    restart: async () => {
      if (stopped) return;
      watch?.stop();
      await follow();
    },
    stop: () => {
      stopped = true;
      watch?.stop();
    },
  };
}

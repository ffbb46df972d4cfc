import type { KV, KvEntry } from '@nats-io/kv';
import type { ClusterLogger, SharedConfigDocument } from './cluster-types.js';
import { isWrongRevision } from './command-claims.js';
import {
  SEEDED_KEY,
  applyEntry,
  buildDocument,
  classifyKey,
  diffWrites,
  phoneKey,
  sectionKey,
  type ConfigEntry,
  type ConfigWrite,
} from './config-entries.js';
import { ClusterError, ClusterUnavailableError, isClusterError } from './errors.js';
import { followBucket, type FollowedEntry } from './kv-follow.js';
import { guardedDelete, guardedUpdate } from './kv-guarded.js';

// The shared config (phones, dialing, webhooks, users, admin token …) in the KV config bucket, one
// key per section and per phone, so a phone added on one daemon appears on all and two daemons
// editing different phones never conflict. The package stores JSON opaquely; the daemon validates
// what it reads (anyone with write access to the bucket can put anything there: values that are
// not JSON are skipped with a warning, never handed on).
//
// A change touching several keys is written key by key, each with CAS: a conflict on any key
// reloads that key and applies the change function again to the fresh document, so the function
// may run several times and must have no side effects. Writes are atomic per key, not across keys.

const NO_LOGGER: ClusterLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Options of {@link createSharedConfig}. */
export interface SharedConfigOptions {
  /** The config bucket (`names.buckets.config`). */
  readonly config: KV;
  /** Called with the whole document after changes arrive (any daemon's, this one's too). */
  readonly onConfig?: (doc: SharedConfigDocument) => void;
  /** CAS attempts of one `update` before it gives up (default 20). */
  readonly maxAttempts?: number;
  /** `start` resolves anyway after this long without any entry while loading (default 10 000). */
  readonly loadQuietMs?: number;
  readonly nodeId?: string;
  readonly logger?: ClusterLogger;
}

/** A daemon's local config as the first daemon seeds it: sections and phones by id. */
export interface LocalSharedConfig {
  readonly sections: Readonly<Record<string, unknown>>;
  readonly phones: Readonly<Record<string, unknown>>;
}

/** The shared config of the cluster as this daemon sees and edits it. */
export interface SharedConfig {
  /** Loads every key and starts watching; resolves with the document once it is loaded. */
  start(): Promise<SharedConfigDocument>;
  /** The document as last loaded or watched (empty before `start`). */
  read(): SharedConfigDocument;
  /**
   * Applies `change` to the current document and writes the difference with CAS, retrying on
   * conflict with fresh values; resolves with the document after the write. Throws ClusterError
   * for a bad section name or phone id (nothing written), ClusterUnavailableError when NATS fails.
   */
  update(
    change: (doc: SharedConfigDocument) => SharedConfigDocument,
  ): Promise<SharedConfigDocument>;
  /**
   * Seeds the bucket from this daemon's local config unless it was seeded before: keys that exist
   * are kept (first writer wins), then the `seeded` mark is set. True when this call set it.
   */
  seed(local: LocalSharedConfig): Promise<boolean>;
  /** Stops watching. */
  close(): Promise<void>;
}

function toEntry(e: FollowedEntry | KvEntry, logger: ClusterLogger): ConfigEntry {
  if (e.operation !== 'PUT') return { revision: e.revision, state: 'deleted' };
  try {
    const text = 'string' in e ? e.string() : e.text();
    return { revision: e.revision, state: 'value', value: JSON.parse(text) as unknown };
  } catch {
    logger.warn(
      { key: e.key, revision: e.revision },
      'cluster: shared config value is not JSON; skipped',
    );
    return { revision: e.revision, state: 'unreadable' };
  }
}

function unavailable(what: string, e: unknown): ClusterUnavailableError {
  return new ClusterUnavailableError(`shared config: ${what} failed (NATS unavailable?)`, {
    cause: e,
  });
}

/** Creates the shared config store on an opened config bucket; call `start` to load and watch. */
export function createSharedConfig(options: SharedConfigOptions): SharedConfig {
  const { config: kv } = options;
  const logger = options.logger ?? NO_LOGGER;
  const maxAttempts = options.maxAttempts ?? 20;
  const cache = new Map<string, ConfigEntry>();
  let stopWatch: (() => void) | null = null;
  let lastRevision = 0;
  const loadQuietMs = options.loadQuietMs ?? 10_000;
  let closed = false;
  // One update at a time from this daemon: they would only conflict with each other.
  let queue: Promise<unknown> = Promise.resolve();

  async function refresh(key: string): Promise<void> {
    const e = await kv.get(key);
    if (e !== null) applyEntry(cache, key, toEntry(e, logger));
  }

  async function write(w: ConfigWrite): Promise<void> {
    if (w.op === 'create') {
      const revision = await kv.create(w.key, w.json);
      applyEntry(cache, w.key, { revision, state: 'value', value: JSON.parse(w.json) as unknown });
    } else if (w.op === 'update') {
      const revision = await guardedUpdate(kv, w.key, w.json, w.revision);
      applyEntry(cache, w.key, { revision, state: 'value', value: JSON.parse(w.json) as unknown });
    } else {
      await guardedDelete(kv, w.key, w.revision);
      // The delete marker's revision is not returned; the watcher brings it. Until then the key
      // is a tombstone at the deleted value's revision (a late copy of that value is ignored).
      cache.set(w.key, { revision: w.revision, state: 'deleted' });
    }
  }

  async function updateOnce(
    change: (doc: SharedConfigDocument) => SharedConfigDocument,
  ): Promise<SharedConfigDocument> {
    for (let attempt = 1; ; attempt += 1) {
      const writes = diffWrites(cache, change(buildDocument(cache)));
      const conflicts: string[] = [];
      for (const w of writes) {
        try {
          await write(w);
        } catch (e) {
          if (!isWrongRevision(e)) throw unavailable(`writing ${w.key}`, e);
          conflicts.push(w.key);
        }
      }
      if (conflicts.length === 0) return buildDocument(cache);
      if (attempt >= maxAttempts) {
        throw new ClusterError(
          `shared config: ${conflicts.join(', ')} changed under this update ${String(attempt)} times; try again`,
        );
      }
      // A KV get may come from a follower a moment behind the leader that refused our write:
      // give it a few ms (more on each attempt) before reading the fresh value.
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      try {
        await Promise.all(conflicts.map(refresh));
      } catch (e) {
        throw unavailable('reloading a changed key', e);
      }
    }
  }

  // Follows the bucket from `fromRevision` (0: every key's last value) until the watch ends;
  // `onLoaded` once the values present at the start are applied.
  async function follow(fromRevision: number, onLoaded: () => void): Promise<void> {
    const status = await kv.status();
    const iter = await followBucket(kv, fromRevision, {
      onStall: (reason) => {
        logger.warn({ lastRevision, reason }, 'cluster: shared config watch stalled; ending it');
      },
    });
    stopWatch = () => {
      iter.stop();
    };
    let loaded = status.values === 0;
    if (loaded) onLoaded();
    // A safety net: had the bucket emptied between status and watch, nothing would arrive.
    let quiet: NodeJS.Timeout | undefined;
    const armQuiet = (): void => {
      clearTimeout(quiet);
      if (!loaded) {
        quiet = setTimeout(() => {
          loaded = true;
          onLoaded();
        }, loadQuietMs);
      }
    };
    armQuiet();
    let changedInBatch = false;
    for await (const e of iter) {
      if (classifyKey(e.key) !== null) {
        applyEntry(cache, e.key, toEntry(e, logger));
        changedInBatch = true;
      }
      lastRevision = Math.max(lastRevision, e.revision);
      if (e.delta !== 0) {
        armQuiet();
        continue;
      }
      if (!loaded) {
        loaded = true;
        clearTimeout(quiet);
        onLoaded();
      }
      if (changedInBatch) {
        changedInBatch = false;
        options.onConfig?.(buildDocument(cache));
      }
    }
    clearTimeout(quiet);
  }

  // A function, not the variable: close() flips it while the loop below awaits.
  function isClosed(): boolean {
    return closed;
  }

  // After the first watch ends (it should not while the connection lives), watch again from the
  // next revision, so a daemon never silently stops seeing config changes.
  async function keepFollowing(current: Promise<void>): Promise<void> {
    try {
      await current;
    } catch (e) {
      logger.error({ err: e }, 'cluster: shared config watch failed');
    }
    while (!isClosed()) {
      logger.warn({ lastRevision }, 'cluster: shared config watch ended; watching again');
      await new Promise((r) => setTimeout(r, 1_000));
      if (isClosed()) break;
      try {
        await follow(lastRevision + 1, () => undefined);
      } catch (e) {
        logger.error({ err: e }, 'cluster: shared config watch failed');
      }
    }
  }

  async function watch(): Promise<SharedConfigDocument> {
    let markLoaded: () => void = () => undefined;
    const ready = new Promise<void>((r) => (markLoaded = r));
    const first = follow(0, () => {
      markLoaded();
    });
    // Setting up the first watch fails start(); anything later is logged and retried.
    await Promise.race([ready, first]);
    void keepFollowing(first);
    return buildDocument(cache);
  }

  return {
    async start() {
      try {
        return await watch();
      } catch (e) {
        throw unavailable('loading', e);
      }
    },
    read() {
      return buildDocument(cache);
    },
    update(change) {
      const run = queue.then(() => updateOnce(change));
      queue = run.catch(() => undefined);
      return run;
    },
    async seed(local) {
      // Validate every name before writing anything.
      const keys = [
        ...Object.entries(local.sections).map(([name, v]) => [sectionKey(name), v] as const),
        ...Object.entries(local.phones).map(([id, v]) => [phoneKey(id), v] as const),
      ];
      try {
        const mark = await kv.get(SEEDED_KEY);
        if (mark !== null && mark.operation === 'PUT') return false;
        for (const [key, value] of keys) {
          if (value === undefined) continue;
          try {
            await kv.create(key, JSON.stringify(value));
          } catch (e) {
            if (!isWrongRevision(e)) throw e;
          }
        }
        try {
          await kv.create(
            SEEDED_KEY,
            JSON.stringify({ at: Date.now(), node: options.nodeId ?? null }),
          );
          return true;
        } catch (e) {
          if (isWrongRevision(e)) return false;
          throw e;
        }
      } catch (e) {
        if (isClusterError(e)) throw e;
        throw unavailable('seeding', e);
      }
    },
    async close() {
      closed = true;
      stopWatch?.();
      stopWatch = null;
      await queue;
    },
  };
}

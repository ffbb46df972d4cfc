import type { Logger } from 'pino';
import { hasErrorName } from '@snomlink/core';
import type { NatsCluster, SharedConfigDocument } from '@snomlink/cluster-nats';
import { parseConfig } from '../config/config-store.js';
import type { ConfigStore } from '../config/config-store.js';
import type { Config } from '../config/config-schema.js';
import { ApiError } from '../errors.js';
import {
  documentFor,
  readShared,
  reuseUnchanged,
  sharedPartOf,
  withSharedFrom,
  type SharedRead,
  type SkippedEntry,
} from './shared-settings.js';

// The daemon's config store in cluster mode: the shared settings (phones, dialing, webhooks,
// users, journal, health, directory, admin token; shared-settings.ts) come from the cluster's
// shared config in KV, the per-process ones from this daemon's config file. The daemon sees one
// ConfigStore, as in local mode; a change made on another daemon arrives through `onChange`,
// so the config reactions apply it live.

/** What the store needs of the cluster member (a NatsCluster, or a fake in tests). */
export type SharedConfigPort = Pick<
  NatsCluster,
  'seedConfig' | 'watchConfig' | 'readConfig' | 'updateConfig'
>;

/** Options of {@link openClusterConfigStore}. */
export interface ClusterConfigStoreOptions {
  /** This daemon's config file (local mode's store): per-process settings, and the seed. */
  readonly local: ConfigStore;
  readonly cluster: SharedConfigPort;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** The cluster config store; `seeded` tells whether this daemon's file seeded the cluster. */
export interface ClusterConfigStore extends ConfigStore {
  readonly seeded: boolean;
}

/** NATS down → 503; the same keys changed under every retry → 409; anything else as it is. */
function asApiError(error: unknown): unknown {
  const detail = error instanceof Error ? error.message : String(error);
  if (hasErrorName(error, ['ClusterUnavailableError'])) {
    return new ApiError(503, 'cluster-unavailable', `the change was not saved: ${detail}`);
  }
  if (hasErrorName(error, ['ClusterError'])) return new ApiError(409, 'conflict', detail);
  return error;
}

/**
 * Seeds the cluster's shared config from this daemon's config file (only when no daemon did
 * before: the first daemon's file wins), loads it, and follows it. Throws the package's
 * ClusterUnavailableError when NATS does not answer.
 */
export async function openClusterConfigStore(
  options: ClusterConfigStoreOptions,
): Promise<ClusterConfigStore> {
  const { local, cluster, logger } = options;
  const listeners = new Set<(config: Config, previous: Config) => void>();
  // Reasons last logged per skipped key: a bad entry is reported once, not on every change.
  const reported = new Map<string, string>();
  let current: Config = local.current;

  const report = (skipped: readonly SkippedEntry[]): void => {
    const now = new Map(skipped.map((s) => [s.key, s.reason]));
    for (const [key, reason] of now) {
      if (reported.get(key) === reason) continue;
      logger.warn(
        { key, reason },
        'cluster: a shared config entry is invalid and skipped (a phone is left out, a section keeps its last good value)',
      );
    }
    reported.clear();
    for (const [key, reason] of now) reported.set(key, reason);
  };

  // The shared settings of `doc` over this daemon's file; a bad section keeps what runs now.
  const read = (doc: SharedConfigDocument): SharedRead =>
    readShared(doc, withSharedFrom(local.current, current));

  const apply = (doc: SharedConfigDocument): void => {
    const result = read(doc);
    report(result.skipped);
    const previous = current;
    const next = reuseUnchanged(result.config, previous);
    if (next === previous) return;
    current = next;
    for (const listener of listeners) {
      try {
        listener(next, previous);
      } catch (error) {
        // A listener's failure must not stop the others from seeing the change.
        logger.error({ err: error }, 'reacting to a shared config change failed');
      }
    }
  };

  const seeded = await cluster.seedConfig(sharedPartOf(local.current));
  apply(await cluster.watchConfig(apply));
  logger.info(
    { phones: current.phones.length, seededFromThisFile: seeded },
    seeded
      ? 'cluster: seeded the shared config from this config file'
      : 'cluster: using the shared config (phones, dialing, webhooks, users, admin token …) of the cluster',
  );

  let queue: Promise<unknown> = Promise.resolve();
  const update = async (change: (config: Config) => Config): Promise<Config> => {
    let next: Config | undefined;
    try {
      // May run several times (a conflict retries with the fresh document): no side effects.
      await cluster.updateConfig((doc) => {
        const fresh = read(doc);
        next = parseConfig(local.file, change(structuredClone(fresh.config)));
        return documentFor(next, fresh, doc);
      });
    } catch (error) {
      throw asApiError(error);
    }
    if (next === undefined) throw new Error('shared config update did not run');
    const file = withSharedFrom(next, local.current);
    if (JSON.stringify(file) !== JSON.stringify(local.current)) await local.update(() => file);
    // The newest document (another daemon's change may have come in after ours).
    apply(cluster.readConfig());
    return current;
  };

  return {
    file: local.file,
    created: local.created,
    generated: local.generated,
    seeded,
    get current() {
      return current;
    },
    update(change) {
      const result = queue.then(
        () => update(change),
        () => update(change),
      );
      queue = result.catch(() => undefined);
      return result;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

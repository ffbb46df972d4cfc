import type { Logger } from 'pino';
import type { NatsCluster } from '@snomlink/cluster-nats';
import type { PhoneHealth } from '../api/schemas.js';
import type { SharedHealth } from '../backbone/backbone-types.js';

/** Options of {@link createClusterHealth}. */
export interface ClusterHealthOptions {
  readonly cluster: Pick<NatsCluster, 'health' | 'publishHealth'>;
  readonly logger: Logger;
}

/** The shared-health seam of the cluster backbone, with what the backbone tells it. */
export interface ClusterHealth {
  readonly seam: SharedHealth;
  /** A health record of this phone was applied by the read view: show its current health. */
  published(phoneId: string): void;
  /** The read view loaded (the change feed started): show every phone's last published health. */
  loaded(): void;
}

/**
 * Phone health in cluster mode (CLUSTER.md: only the owner of a partition checks its phones).
 * The owner's changed results go to CHANGES; every daemon shows the health its read view holds,
 * which is the same on every daemon, so `/api/phones`, SSE and the metrics agree.
 */
export function createClusterHealth(options: ClusterHealthOptions): ClusterHealth {
  const { cluster, logger } = options;
  const listeners = new Set<(phoneId: string, health: PhoneHealth) => void>();
  const tell = (phoneId: string): void => {
    const health = cluster.health().get(phoneId);
    if (health === undefined) return;
    for (const listener of listeners) listener(phoneId, health);
  };
  return {
    seam: {
      async publish(phoneId, health, statusChanged) {
        try {
          return await cluster.publishHealth(phoneId, health, statusChanged);
        } catch (error) {
          logger.warn(
            { err: error, phoneId, status: health.status },
            'cluster: a phone health result could not be published; it is tried again at the next check',
          );
          return false;
        }
      },
      onHealth(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    published: tell,
    loaded() {
      for (const phoneId of cluster.health().keys()) tell(phoneId);
    },
  };
}

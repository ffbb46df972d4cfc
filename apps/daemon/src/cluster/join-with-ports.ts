import type { NatsCluster } from '@snomlink/cluster-nats';
import type { Logger } from 'pino';
import type { ConfigStore } from '../config/config-store.js';
import type { HostPort } from '../daemon/listener-controller.js';
import { openClusterConfigStore } from './cluster-config-store.js';
import { createJoinProgress } from './join-progress.js';
import type { JoinProgress } from './join-progress.js';
import { openJoiningPorts } from './joining-ports.js';
import type { JoiningPorts } from './joining-ports.js';

/** Options of {@link joinWithPorts}. */
export interface JoinWithPortsOptions {
  /** The daemon's own config file (where its ports are and what it may seed). */
  readonly local: ConfigStore;
  /** Where the daemon's listener and admin API will listen (`--listen`/`--admin` or the file). */
  readonly listen: HostPort;
  readonly admin: HostPort;
  readonly logger: Logger;
  /** Connects to the cluster (`connectClusterMode`), reporting failed attempts to `progress`. */
  readonly join: (progress: JoinProgress) => Promise<NatsCluster>;
  /** False: keep the file's config (tests of what does not depend on the shared config). */
  readonly sharedConfig?: boolean;
  /** Told once the stand-ins listen (tests probe them). */
  readonly onPorts?: (ports: JoiningPorts) => void;
}

/** A joined cluster whose ports the stand-ins still hold, for the daemon to take over. */
export interface JoinedCluster {
  readonly cluster: NatsCluster;
  /** The cluster's shared config store (or the file's, with `sharedConfig: false`). */
  readonly config: ConfigStore;
  /** Still listening: pass `ports.close` as the daemon's `beforeBind`. */
  readonly ports: JoiningPorts;
  /** Where the daemon must listen: `listen`/`admin` with a port 0 resolved to the bound one. */
  readonly listen: HostPort;
  readonly admin: HostPort;
  readonly progress: JoinProgress;
}

/**
 * Cluster mode's start up to the daemon: binds the ports at once with stand-ins (503 to phones,
 * health and metrics to operators; `openJoiningPorts`), then joins the cluster and loads the
 * shared config, however long NATS takes. The daemon then starts with `beforeBind: ports.close`,
 * so the stand-ins answer until its read view caught up and its own servers bind. On a failure
 * (a ClusterConfigError) everything opened is closed again.
 */
export async function joinWithPorts(options: JoinWithPortsOptions): Promise<JoinedCluster> {
  const progress = createJoinProgress();
  const ports = await openJoiningPorts({
    listener: options.listen,
    admin: options.admin,
    progress,
  });
  options.onPorts?.(ports);
  let cluster: NatsCluster | null = null;
  try {
    cluster = await options.join(progress);
    progress.step('loading the shared config');
    const config =
      options.sharedConfig === false
        ? options.local
        : await openClusterConfigStore({ local: options.local, cluster, logger: options.logger });
    progress.step('catching up with the cluster');
    return { cluster, config, ports, listen: ports.listener, admin: ports.admin, progress };
  } catch (error) {
    await cluster?.close().catch(() => undefined);
    await ports.close();
    throw error;
  }
}

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
  /**
   * Connects to the cluster (`connectClusterMode`), calling `progress.failed()` for each failed
   * attempt: the first one makes the stand-ins bind the ports.
   */
  readonly join: (progress: JoinProgress) => Promise<NatsCluster>;
  /** False: keep the file's config (tests of what does not depend on the shared config). */
  readonly sharedConfig?: boolean;
  /** Told once the stand-ins listen (tests probe them). */
  readonly onPorts?: (ports: JoiningPorts) => void;
}

/** A joined cluster, and the ports the stand-ins may still hold for the daemon to take over. */
export interface JoinedCluster {
  readonly cluster: NatsCluster;
  /** The cluster's shared config store (or the file's, with `sharedConfig: false`). */
  readonly config: ConfigStore;
  /** Frees the stand-ins' ports, if they hold them (idempotent): the daemon's `beforeBind`. */
  readonly release: () => Promise<void>;
  /** Where the daemon must listen: the stand-ins' addresses (a port 0 resolved), else as asked. */
  readonly listen: HostPort;
  readonly admin: HostPort;
  readonly progress: JoinProgress;
}

/**
 * Cluster mode's start up to the daemon: joins the cluster and loads the shared config, however
 * long NATS takes. Once an attempt to reach NATS failed, stand-ins bind the phone and admin ports
 * (`openJoiningPorts`: 503 to phones, health and metrics to operators) and hold them until the
 * daemon's own servers bind (`beforeBind: release`, after its read view caught up).
 *
 * Not at once: a daemon restarted while NATS is up joins within a second or so, and its phone
 * port is better closed meanwhile, so a balancer sends its phones to another daemon rather than
 * to a 503 (measured in a rolling restart: 5 of 135 calls refused with the stand-ins bound at
 * once, 0 of 130 without). On a failure (a ClusterConfigError) everything opened is closed.
 */
export async function joinWithPorts(options: JoinWithPortsOptions): Promise<JoinedCluster> {
  const { logger } = options;
  // The stand-ins, once bound (null when binding failed).
  const held: { standIns: Promise<JoiningPorts | null> | null } = { standIns: null };
  const progress = createJoinProgress();
  const bindStandIns = (): void => {
    held.standIns ??= openJoiningPorts({
      listener: options.listen,
      admin: options.admin,
      progress,
    }).then(
      (ports) => {
        logger.warn(
          { listener: ports.listener, admin: ports.admin },
          'cluster: waiting for NATS; the ports answer 503 (health and metrics say why) until this daemon has joined',
        );
        options.onPorts?.(ports);
        return ports;
      },
      (error: unknown) => {
        // The daemon's own bind reports it for good once joined.
        logger.error({ err: error }, 'cluster: cannot answer on the ports while waiting for NATS');
        return null;
      },
    );
  };
  const reporting: JoinProgress = {
    step: (what) => {
      progress.step(what);
    },
    failed: () => {
      progress.failed();
      bindStandIns();
    },
    get failures() {
      return progress.failures;
    },
    since: progress.since,
    reason: () => progress.reason(),
  };
  const release = async (): Promise<void> => {
    await (await held.standIns)?.close();
  };
  let cluster: NatsCluster | null = null;
  try {
    cluster = await options.join(reporting);
    reporting.step('loading the shared config');
    const config =
      options.sharedConfig === false
        ? options.local
        : await openClusterConfigStore({ local: options.local, cluster, logger });
    reporting.step('catching up with the cluster');
    const bound = await held.standIns;
    return {
      cluster,
      config,
      release,
      listen: bound?.listener ?? options.listen,
      admin: bound?.admin ?? options.admin,
      progress: reporting,
    };
  } catch (error) {
    await cluster?.close().catch(() => undefined);
    await release();
    throw error;
  }
}

import { join } from 'node:path';
import type { NatsCluster } from '@snomlink/cluster-nats';
import type { DialRules } from '@snomlink/core';
import type { Logger } from 'pino';
import { createClusterBackbone } from '../cluster/cluster-backbone.js';
import type { JoinProgress } from '../cluster/join-progress.js';
import { joinWithPorts } from '../cluster/join-with-ports.js';
import type { JoiningPorts } from '../cluster/joining-ports.js';
import type { PhoneConfig } from '../config/config-schema.js';
import { openConfigStore } from '../config/config-store.js';
import type { ConfigStore } from '../config/config-store.js';
import { createDaemon } from '../daemon.js';
import type { Daemon, DaemonAddresses } from '../daemon.js';
import { sourceWriterThread } from './source-writer-thread.js';

// One in-process daemon in cluster mode for the daemon's cluster tests (fake cluster or a real
// nats-server): loopback ports, health checks off unless asked for, its own data dir. Wired as cli.ts wires it.

/** Options of {@link startClusterTestDaemon}. */
export interface ClusterTestDaemonOptions {
  /** Its data dir (its config.json goes there). */
  readonly dataDir: string;
  /** The phones its config file starts with. */
  readonly phones: readonly PhoneConfig[];
  readonly logger: Logger;
  /**
   * Joins the cluster: a fake cluster's node, or `connectClusterMode`. `dialRules` reads the
   * daemon's config once it exists (the owners' reducer needs them).
   */
  readonly join: (
    dialRules: () => DialRules,
    progress: JoinProgress,
  ) => NatsCluster | Promise<NatsCluster>;
  /**
   * True: the config is the cluster's shared config (as cli.ts runs cluster mode). False: the
   * daemon keeps its own file (tests of what does not depend on the shared config).
   */
  readonly sharedConfig: boolean;
  /** Health check interval of its config file (default 0: no checks). */
  readonly healthIntervalMs?: number;
  /** Told once the stand-ins hold the ports (after a failed attempt to reach NATS). */
  readonly onJoiningPorts?: (ports: JoiningPorts) => void;
}

/** A started daemon, with its addresses and an authorised admin API fetch. */
export interface ClusterTestDaemon {
  readonly daemon: Daemon;
  readonly at: DaemonAddresses;
  /** `fetch` on its admin API with the admin token (JSON bodies). */
  api(path: string, init?: RequestInit): Promise<Response>;
}

/** Starts one daemon in cluster mode (stopped again if its start fails); stop it with `daemon.stop()`. */
export async function startClusterTestDaemon(
  options: ClusterTestDaemonOptions,
): Promise<ClusterTestDaemon> {
  const local = await openConfigStore({
    file: join(options.dataDir, 'config.json'),
    initial: (c) => ({
      ...c,
      listener: { ...c.listener, host: '127.0.0.1', port: 0, publicHost: '127.0.0.1' },
      health: { ...c.health, intervalMs: options.healthIntervalMs ?? 0 },
      phones: [...options.phones],
    }),
  });
  const { logger } = options;
  // The owners' reducer reads the dial rules of the config the daemon runs with.
  let config: ConfigStore = local;
  const joined = await joinWithPorts({
    local,
    listen: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    logger,
    join: async (progress) => options.join(() => config.current.dialing, progress),
    sharedConfig: options.sharedConfig,
    ...(options.onJoiningPorts === undefined ? {} : { onPorts: options.onJoiningPorts }),
  });
  config = joined.config;
  const { cluster } = joined;
  const daemon = createDaemon({
    config,
    dataDir: options.dataDir,
    logger,
    listen: joined.listen,
    admin: joined.admin,
    webUiDir: null,
    startWriterThread: sourceWriterThread(),
    backbone: ({ hub }) => createClusterBackbone({ cluster, hub, logger }),
    beforeBind: joined.release,
  });
  const at = await daemon.start().catch(async (error: unknown) => {
    await daemon.stop();
    await joined.release();
    throw error;
  });
  return {
    daemon,
    at,
    api: (path, init = {}) =>
      fetch(`http://127.0.0.1:${String(at.admin.port)}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${daemon.config.current.admin.token}`,
          'content-type': 'application/json',
        },
      }),
  };
}

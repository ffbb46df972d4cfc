import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { hasErrorName } from '@snomlink/core';
import { runCheckConfig } from './check-config.js';
import { CliUsageError, HELP, parseCliOptions } from './cli-options.js';
import { createClusterBackbone } from './cluster/cluster-backbone.js';
import { runClusterCommand } from './cluster/cluster-init-command.js';
import { ClusterSettingsError, resolveClusterSettings } from './cluster/cluster-settings.js';
import { clusterFailureMessage, connectClusterMode } from './cluster/connect-cluster-mode.js';
import { joinWithPorts } from './cluster/join-with-ports.js';
import type { JoinedCluster } from './cluster/join-with-ports.js';
import type { Config } from './config/config-schema.js';
import { openConfigStore } from './config/config-store.js';
import type { ConfigStore } from './config/config-store.js';
import { createDaemon } from './daemon.js';
import type { Daemon, DaemonOptions } from './daemon.js';
import type { Demo } from './demo.js';
import { runDialCommand } from './dial/dial-command.js';
import { isDaemonConfigError, isDaemonStartError } from './errors.js';
import { tuneHeap } from './heap-tuning.js';
import { createLogger } from './logger.js';
import { mountTapi } from './tapi.js';
import { VERSION } from './version.js';

/** Where the built web UI sits relative to this bundle (apps/daemon/dist/cli.js). */
function defaultWebUiDir(): string {
  return fileURLToPath(new URL('../../web-ui/dist/', import.meta.url));
}

const SHUTDOWN_DEADLINE_MS = 4500;

/** A cluster that refuses this daemon's options or has a newer layout (exit 2, not 1). */
function isClusterConfigFailure(error: unknown): boolean {
  return hasErrorName(error, ['ClusterConfigError']);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const io = {
    stdout: (text: string) => process.stdout.write(text),
    stderr: (text: string) => process.stderr.write(text),
  };
  if (argv[0] === 'check-config') {
    return runCheckConfig(argv.slice(1), process.env, process.cwd(), io);
  }
  if (argv[0] === 'cluster') {
    return runClusterCommand(argv.slice(1), process.env, process.cwd(), io);
  }
  if (argv[0] === 'dial') {
    return runDialCommand(argv.slice(1), { env: process.env, ...io });
  }
  let options;
  try {
    options = parseCliOptions(argv, process.env, process.cwd());
  } catch (error) {
    if (error instanceof CliUsageError) {
      process.stderr.write(`snomlink: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (options.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }

  // Before the daemon's work starts: V8's defaults let a daemon that retains ~30 MB peak at
  // 200 MB RSS (issue 19); see heap-tuning.ts.
  const heap = tuneHeap({ execArgv: process.execArgv, nodeOptions: process.env['NODE_OPTIONS'] });

  const logger = createLogger({
    level: options.logLevel,
    ...(options.prettyLogs === undefined ? {} : { pretty: options.prettyLogs }),
  });
  logger.debug(
    { heapGrowingPercent: heap.heapGrowingPercent, maxSemiSpaceMb: heap.maxSemiSpaceMb },
    'V8 heap settings (null: left to the flags node was started with)',
  );

  let config: ConfigStore;
  try {
    config = await openConfigStore({
      file: options.configFile,
      initial: (fresh: Config): Config => ({
        ...fresh,
        listener: {
          ...fresh.listener,
          ...(options.demo ? { host: '127.0.0.1', publicHost: '127.0.0.1' } : {}),
          ...(options.listen ?? {}),
        },
        admin: { ...fresh.admin, ...(options.admin ?? {}) },
        ...(options.demo ? { health: { ...fresh.health, intervalMs: 10_000 } } : {}),
      }),
    });
  } catch (error) {
    if (isDaemonConfigError(error)) {
      process.stderr.write(`snomlink: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (config.created)
    logger.info({ file: config.file }, 'created a new config file with a random admin token');
  if (config.generated.length > 0)
    logger.warn(
      { file: config.file, generated: config.generated },
      `generated ${config.generated.join(', ')} and wrote them into the config file`,
    );

  // Cluster mode only when configured: then (and only then) @snomlink/cluster-nats is loaded.
  // While NATS is unreachable its ports answer 503 (health and metrics say why) until it joined.
  let backbone: DaemonOptions['backbone'];
  let joined: JoinedCluster | null = null;
  try {
    const settings = resolveClusterSettings(options.cluster, config.current.cluster, hostname());
    if (settings !== null) {
      const local = config;
      joined = await joinWithPorts({
        local,
        listen: options.listen ?? {
          host: local.current.listener.host,
          port: local.current.listener.port,
        },
        admin: options.admin ?? { host: local.current.admin.host, port: local.current.admin.port },
        logger,
        join: async (progress) => {
          const cluster = await connectClusterMode(settings, {
            logger,
            // Read when the owner replays: by then `config` is the cluster's store (below).
            reducerOptions: () => ({ dialRules: config.current.dialing }),
            onRetry: () => {
              progress.failed();
            },
          });
          logger.info(
            { nodeId: settings.nodeId, servers: settings.servers },
            'cluster mode: joined the cluster',
          );
          return cluster;
        },
      });
      // Phones, dialing, webhooks, users and the admin token come from the cluster from now on.
      config = joined.config;
      const { cluster } = joined;
      backbone = ({ hub }) => createClusterBackbone({ cluster, hub, logger });
    }
  } catch (error) {
    if (isDaemonStartError(error)) {
      process.stderr.write(`snomlink: ${error.message}\n`);
      return 1;
    }
    const usage = error instanceof ClusterSettingsError || isClusterConfigFailure(error);
    process.stderr.write(
      `snomlink: ${error instanceof ClusterSettingsError ? error.message : clusterFailureMessage(error)}\n`,
    );
    return usage ? 2 : 1;
  }
  // Cluster mode: the addresses the stand-ins may hold (a port 0 resolved), taken over at bind.
  const listen = joined?.listen ?? options.listen;
  const admin = joined?.admin ?? options.admin;

  const webUiDir = options.webUiDir ?? config.current.webUiDir ?? defaultWebUiDir();
  let daemon: Daemon;
  try {
    daemon = createDaemon({
      config,
      dataDir: options.dataDir,
      logger,
      webUiDir,
      demo: options.demo,
      ...(listen === undefined ? {} : { listen }),
      ...(admin === undefined ? {} : { admin }),
      ...(backbone === undefined ? {} : { backbone }),
      ...(joined === null ? {} : { beforeBind: joined.release }),
      ...mountTapi(logger),
    });
  } catch (error) {
    await joined?.release();
    process.stderr.write(
      `snomlink: cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }

  let addresses;
  try {
    addresses = await daemon.start();
  } catch (error) {
    await daemon.stop().catch(() => undefined);
    await joined?.release();
    // A port that cannot be bound says what to change; anything else (the journal database
    // cannot be opened) is reported the same way, without a stack.
    process.stderr.write(
      isDaemonStartError(error)
        ? `snomlink: ${error.message}\n`
        : `snomlink: cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }

  let demo: Demo | null = null;
  // Loaded only for --demo: the simulator and its certificate code stay out of a normal start.
  if (options.demo) demo = await (await import('./demo.js')).startDemo(daemon, logger);

  const line = '─'.repeat(72);
  const webUiNote = existsSync(webUiDir)
    ? ''
    : `\n  (web UI not built: ${webUiDir} is missing; the API works)`;
  process.stdout.write(
    `\n${line}\n  snomlink ${VERSION}${options.demo ? ' — DEMO (simulated phones)' : ''}\n` +
      `  Action URL listener: http://${addresses.listener.host}:${addresses.listener.port}  (phones call ${addresses.listener.publicBase})\n` +
      `  Admin panel:         ${addresses.adminUrl}${webUiNote}\n` +
      `  Config:              ${config.file}\n${line}\n\n`,
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const deadline = setTimeout(() => {
        logger.error('shutdown took too long; exiting anyway');
        resolve(0);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      void (async () => {
        try {
          await demo?.stop();
          await daemon.stop();
          logger.info('stopped');
        } catch (error) {
          logger.error({ err: error }, 'error while stopping');
        }
        clearTimeout(deadline);
        resolve(0);
      })();
    };
    process.once('SIGINT', () => {
      shutdown('SIGINT');
    });
    process.once('SIGTERM', () => {
      shutdown('SIGTERM');
    });
  });
}

main().then(
  (code) => {
    process.exitCode = code;
    // Sockets of simulated phones or slow webhooks must not keep a stopped daemon alive.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (error: unknown) => {
    process.stderr.write(
      `snomlink: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);

import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomSecret, startDaemon, tempDir } from '../../../system/src/harness/daemon-process.js';
import type {
  DaemonProcess,
  PhoneConfigEntry,
} from '../../../system/src/harness/daemon-process.js';

/** How a daemon joins the cluster: command-line flags and config (lease TTL for tests). */
export interface ClusterJoin {
  /** `nats://127.0.0.1:<port>` of every nats-server. */
  readonly servers: readonly string[];
  /** Lease TTL L in ms (tests: 2 000–3 000). */
  readonly leaseTtlMs: number;
}

/** Options of {@link createClusterDaemon}. */
export interface ClusterDaemonOptions {
  readonly nodeId: string;
  readonly join: ClusterJoin;
  /** Admin token, the same on every daemon (the shared config carries one token). */
  readonly token: string;
  readonly adminPort: number;
  readonly listenerPort: number;
  /** `host:port` the phones are told to send to: the proxy in front of every daemon. */
  readonly publicHost: string;
  readonly phones: readonly PhoneConfigEntry[];
  /** Extra environment of the daemon process. */
  readonly env?: Readonly<Record<string, string>>;
  /** False runs it as a plain single daemon (the harness's own tests). Default true. */
  readonly clusterMode?: boolean;
}

/**
 * One daemon of the test cluster with its own data dir and fixed ports, so it can be killed,
 * stopped, resumed and restarted in place. `process` is null while it is not running.
 */
export interface ClusterDaemon {
  readonly nodeId: string;
  readonly dataDir: string;
  readonly token: string;
  readonly adminBase: string;
  readonly listenerPort: number;
  readonly process: DaemonProcess | null;
  /** True between `pause` and `resume`. */
  readonly paused: boolean;
  /** Starts it (again) with the same data dir, config and ports; resolves at its banner. */
  start(): Promise<DaemonProcess>;
  /** Sends `signal` (default SIGKILL), resolves once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP: the process freezes with its sockets open (a hung VM, a long GC pause). */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Authenticated fetch against its admin API (throws when it is not running). */
  api(path: string, init?: RequestInit): Promise<Response>;
  json<T>(path: string, init?: RequestInit): Promise<T>;
  /** Output of the current (or last) process. */
  output(): string;
  /** `<dataDir>/daemon.log`: the output of every process of this member, appended at its exit. */
  readonly logFile: string;
}

/** The arguments that put the daemon in cluster mode (engineer D's `--cluster`/`--node-id`). */
export function clusterArgs(nodeId: string, join: ClusterJoin): string[] {
  return ['--cluster', join.servers.join(','), '--node-id', nodeId];
}

/** The daemon's config.json for one cluster member. Pure. */
export function clusterDaemonConfig(options: ClusterDaemonOptions): Record<string, unknown> {
  return {
    listener: {
      host: '127.0.0.1',
      port: options.listenerPort,
      publicHost: options.publicHost,
      // The phones reach it through the TCP proxy (an L4 balancer without PROXY protocol): all
      // arrive from 127.0.0.1, which must not be held to the per-source cap of one host.
      limits: { balancerAddresses: ['127.0.0.1'] },
    },
    admin: { host: '127.0.0.1', port: options.adminPort, token: options.token },
    health: { intervalMs: 60_000, phoneTimeoutMs: 2000 },
    ...(options.clusterMode === false
      ? {}
      : { cluster: { servers: [...options.join.servers], leaseTtlMs: options.join.leaseTtlMs } }),
    phones: options.phones,
  };
}

/** Writes the member's data dir and config; the process starts with `start()`. */
export async function createClusterDaemon(options: ClusterDaemonOptions): Promise<ClusterDaemon> {
  const dataDir = await tempDir(`snomlink-cluster-${options.nodeId}-`);
  await mkdir(dataDir, { recursive: true });
  await writeFile(
    join(dataDir, 'config.json'),
    `${JSON.stringify(clusterDaemonConfig(options), null, 2)}\n`,
    { mode: 0o600 },
  );
  const logFile = join(dataDir, 'daemon.log');
  let current: DaemonProcess | null = null;
  let lastOutput = '';
  let paused = false;
  const running = (): DaemonProcess => {
    if (current === null) throw new Error(`daemon ${options.nodeId} is not running`);
    return current;
  };
  const daemon: ClusterDaemon = {
    nodeId: options.nodeId,
    dataDir,
    token: options.token,
    adminBase: `http://127.0.0.1:${String(options.adminPort)}`,
    listenerPort: options.listenerPort,
    get process() {
      return current;
    },
    get paused() {
      return paused;
    },
    async start() {
      if (current !== null) return current;
      const started = await startDaemon({
        dataDir,
        keepConfig: true,
        extraArgs: options.clusterMode === false ? [] : clusterArgs(options.nodeId, options.join),
        env: { ...options.env },
        startTimeoutMs: 60_000,
      });
      current = started;
      void started.exited.then(async () => {
        lastOutput = started.output();
        if (current === started) current = null;
        const header = `===== ${options.nodeId} pid ${String(started.pid)} exited ${new Date().toISOString()}\n`;
        await appendFile(logFile, header + lastOutput).catch(() => undefined);
      });
      return started;
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      const proc = current;
      if (proc === null) return;
      if (paused && signal !== 'SIGKILL') proc.child.kill('SIGCONT');
      paused = false;
      await proc.stop(signal, 20_000);
      current = null;
    },
    pause() {
      running().child.kill('SIGSTOP');
      paused = true;
    },
    resume() {
      running().child.kill('SIGCONT');
      paused = false;
    },
    api: async (path, init) => running().api(path, init),
    json: async <T>(path: string, init?: RequestInit) => running().json<T>(path, init),
    output: () => current?.output() ?? lastOutput,
    logFile,
  };
  return daemon;
}

/** A random admin token for a test cluster. */
export function clusterToken(): string {
  return randomSecret(24);
}

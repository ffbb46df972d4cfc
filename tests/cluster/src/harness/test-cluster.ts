import { startNatsCluster } from '@snomlink/cluster-nats/testing';
import type { NatsTestCluster } from '@snomlink/cluster-nats/testing';
import { createSimulatedPhone, defaultFleetActionUrls, fleetHost } from '@snomlink/snom-simulator';
import { freePort, randomSecret } from '../../../system/src/harness/daemon-process.js';
import type { ClusterPhone } from './cluster-phone.js';
import { clusterToken, createClusterDaemon } from './cluster-daemon.js';
import { startClusterDaemons } from './cluster-control.js';
import type { ClusterDaemon } from './cluster-daemon.js';
import { phoneIdsOverPartitions } from './partition-spread.js';
import { createTcpProxy } from './tcp-proxy.js';

export type { ClusterPhone } from './cluster-phone.js';
import type { TcpProxy } from './tcp-proxy.js';

/** Options of {@link startTestCluster}. */
export interface TestClusterOptions {
  /** nats-servers (default 3). */
  readonly natsNodes?: number;
  /** Daemons (default 3). */
  readonly daemons?: number;
  /** Lease TTL L in ms (default 2 500). */
  readonly leaseTtlMs?: number;
  /** Phones per partition (default 1: 64 phones). */
  readonly phonesPerPartition?: number;
  /** Start only the first daemon; the others wait for `start()` (default false). */
  readonly startOnlyFirst?: boolean;
  /**
   * False: no nats-server, the daemons run in the default single-process mode (the harness's own
   * smoke test with one daemon). Default true.
   */
  readonly clusterMode?: boolean;
}

/** Three nats-servers, daemons in cluster mode, the proxy in front of them, and the phones. */
export interface TestCluster {
  readonly nats: NatsTestCluster;
  readonly daemons: readonly ClusterDaemon[];
  readonly proxy: TcpProxy;
  readonly phones: readonly ClusterPhone[];
  readonly leaseTtlMs: number;
  readonly token: string;
  readonly clusterMode: boolean;
  /** Daemons whose process runs and is not paused. */
  live(): ClusterDaemon[];
  /** Stops everything and removes what it can (errors ignored). */
  dispose(): Promise<void>;
}

let nextSlot = Math.floor(Math.random() * 4000);

/** Stands in for the nats-servers when the daemons run without cluster mode. */
function noNats(): NatsTestCluster {
  return { nodes: [], servers: [], dispose: () => Promise.resolve() };
}

/**
 * Starts the whole test cluster: `natsNodes` nats-servers (startNatsCluster), picks the
 * daemons' ports, puts the TCP proxy in front of their phone listeners, starts one simulated
 * phone per (partition × phonesPerPartition) on its own 127.0.x.y address with Action URLs
 * pointing at the proxy, then starts the daemons (the first alone, so it seeds the shared config
 * from its file, then the others) and resolves once they share the partitions. Each daemon's
 * config lists every phone.
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const leaseTtlMs = options.leaseTtlMs ?? 2500;
  const clusterMode = options.clusterMode ?? true;
  const nats = clusterMode ? await startNatsCluster(options.natsNodes ?? 3) : noNats();
  const cleanups: (() => Promise<unknown>)[] = [() => nats.dispose()];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const count = options.daemons ?? 3;
    const ports = await Promise.all(
      Array.from({ length: count }, async () => ({
        admin: await freePort(),
        listener: await freePort(),
      })),
    );
    const proxy = await createTcpProxy({
      backends: ports.map((p) => ({ host: '127.0.0.1', port: p.listener })),
      deadForMs: 500,
    });
    cleanups.push(() => proxy.close());

    const ids = phoneIdsOverPartitions({ perPartition: options.phonesPerPartition ?? 1 });
    const phones: ClusterPhone[] = [];
    cleanups.push(() => Promise.all(phones.map((p) => p.phone.close())));
    for (const [index, id] of ids.entries()) {
      const secret = randomSecret();
      const phone = createSimulatedPhone({
        model: 'snom360',
        answerDelayMs: 20,
        actionUrlTimeoutMs: 3000,
        identity: { user: String(200 + index), host: 'pbx.example', displayName: `Desk ${id}` },
      });
      nextSlot = (nextSlot + 1) % 50_000;
      const address = await phone.listen({ host: fleetHost('127.0.', 2, 7000 + nextSlot) });
      phone.setSettings(defaultFleetActionUrls(proxy.url, { id, secret, capabilities: 'full' }));
      phones.push({
        id,
        partition: Math.floor(index / (options.phonesPerPartition ?? 1)),
        phone,
        entry: {
          id,
          name: `Desk ${id}`,
          host: `${address.host}:${String(address.port)}`,
          model: 'snom360',
          secret,
        },
      });
    }

    const token = clusterToken();
    const join = { servers: nats.servers, leaseTtlMs };
    const daemons = await Promise.all(
      ports.map((p, i) =>
        createClusterDaemon({
          nodeId: `node-${String(i + 1)}`,
          join,
          token,
          adminPort: p.admin,
          listenerPort: p.listener,
          publicHost: `${proxy.host}:${String(proxy.port)}`,
          phones: phones.map((ph) => ph.entry),
          clusterMode,
        }),
      ),
    );
    cleanups.push(() => Promise.all(daemons.map((d) => d.kill('SIGKILL'))));
    const cluster: TestCluster = {
      nats,
      daemons,
      proxy,
      phones,
      leaseTtlMs,
      token,
      clusterMode,
      live: () => daemons.filter((d) => d.process !== null && !d.paused),
      dispose: cleanup,
    };
    const [first, ...rest] = daemons;
    if (first === undefined) throw new RangeError('a test cluster needs at least one daemon');
    // The first alone: it seeds the shared config from its file before the others join.
    await startClusterDaemons(cluster, [first]);
    if (options.startOnlyFirst !== true) await startClusterDaemons(cluster, rest);
    return cluster;
  } catch (error) {
    await cleanup();
    throw error;
  }
}

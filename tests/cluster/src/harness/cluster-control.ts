import type { ClusterDaemon } from './cluster-daemon.js';
import { waitForBalanced } from './observe.js';

// Bringing members up and the cluster back to whole, in one place: the first start, a restart
// after a kill inside a scenario, the restore between scenarios and the bench all go through
// startClusterDaemons, so "started" means the same everywhere (the banner, then every live
// member in the member list with its share of the partitions).

/** The parts of a TestCluster this module controls (structural: test-cluster.ts imports it). */
export interface ControlledCluster {
  readonly clusterMode: boolean;
  readonly daemons: readonly ClusterDaemon[];
  readonly nats: {
    readonly nodes: readonly { readonly running: boolean; start(): Promise<unknown> }[];
  };
  readonly proxy: { setEnabled(index: number, enabled: boolean): void };
  /** Daemons whose process runs and is not paused. */
  live(): ClusterDaemon[];
}

/** The node ids of `daemons`. Pure. */
export function nodeIds(daemons: readonly ClusterDaemon[]): string[] {
  return daemons.map((d) => d.nodeId);
}

/**
 * Starts `daemons` (those not running are started, together) and resolves once a live member
 * sees every live member in the member list owning partitions and no partition without a live
 * owner. In single-process mode (the harness's smoke test) it resolves at the banners.
 */
export async function startClusterDaemons(
  cluster: Pick<ControlledCluster, 'clusterMode' | 'live'>,
  daemons: readonly ClusterDaemon[],
  timeoutMs = 60_000,
): Promise<void> {
  await Promise.all(daemons.filter((d) => d.process === null).map((d) => d.start()));
  if (!cluster.clusterMode) return;
  const live = cluster.live();
  const observer = live[0];
  if (observer === undefined) throw new Error('no live daemon to observe the cluster');
  await waitForBalanced(observer, nodeIds(live), timeoutMs);
}

/**
 * The step between scenarios: restarts every nats-server and daemon that is down, resumes a
 * paused one, puts every daemon back into the proxy's rotation, and waits until the cluster is
 * whole again ({@link startClusterDaemons}).
 */
export async function restoreCluster(
  cluster: ControlledCluster,
  timeoutMs = 60_000,
): Promise<void> {
  for (const node of cluster.nats.nodes) if (!node.running) await node.start();
  for (const [i, d] of cluster.daemons.entries()) {
    if (d.paused) d.resume();
    cluster.proxy.setEnabled(i, true);
  }
  await startClusterDaemons(cluster, cluster.daemons, timeoutMs);
}

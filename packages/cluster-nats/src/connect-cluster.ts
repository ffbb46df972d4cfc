import { jetstream } from '@nats-io/jetstream';
import { partitionOf as corePartitionOf } from '@snomlink/core';
import { buildStatus } from './cluster-status.js';
import type { ClusterOptions, NatsCluster, SharedConfigDocument } from './cluster-types.js';
import { createCommandClient } from './command-bus.js';
import { connectNats } from './connect-nats.js';
import { ClusterConfigError, ClusterError } from './errors.js';
import { createIngress } from './ingress.js';
import { initClusterWithRetry, type InitResult } from './init.js';
import { NODE_ID_PATTERN } from './membership.js';
import { clusterNames } from './names.js';
import { readChangesRange } from './changes-range.js';
import { createHealthPublisher } from './phone-health.js';
import { createReadView } from './read-view.js';
import { retryUnavailable } from './retry-unavailable.js';
import { createSharedConfig } from './shared-config.js';
import { startRuntime, type ClusterRuntime } from './start-cluster.js';

// The composition root: one NATS connection and init on connect; the read-side modules (read
// view, shared config) and the publishing side (ingress, command client) right away; the member
// (membership, leases, processors, feeds) on `start`. Each module takes the connection or a
// bucket and knows nothing of the others.

/** Default lease TTL L. */
export const DEFAULT_LEASE_TTL_MS = 10_000;

function checkOptions(options: ClusterOptions): void {
  if (!NODE_ID_PATTERN.test(options.nodeId) || options.nodeId.length > 128) {
    throw new ClusterConfigError(
      `cluster: node id "${options.nodeId}" must be letters, digits, "_", "-" and dots`,
    );
  }
  const ttl = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  if (!Number.isFinite(ttl) || ttl < 1_000) {
    throw new ClusterConfigError(`cluster: leaseTtlMs must be at least 1000, got ${String(ttl)}`);
  }
}

function namesOf(prefix: string | undefined): ReturnType<typeof clusterNames> {
  try {
    return clusterNames(prefix);
  } catch (e) {
    throw new ClusterConfigError(e instanceof Error ? e.message : String(e), { cause: e });
  }
}

/**
 * Connects this daemon to the cluster: opens the NATS connection (reconnecting forever) and runs
 * the idempotent init. Nothing is owned or followed until `start`. Throws ClusterConfigError for
 * bad options or a newer stored schema, ClusterUnavailableError when NATS does not answer.
 */
export async function connectCluster(options: ClusterOptions): Promise<NatsCluster> {
  checkOptions(options);
  const { nodeId, logger } = options;
  const log = logger === undefined ? {} : { logger };
  const now = options.now ?? Date.now;
  const names = namesOf(options.prefix);
  const link = await connectNats({
    servers: options.servers,
    nodeId,
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...log,
  });
  const replicas = options.replicas ?? (link.clusterSize() >= 3 ? 3 : 1);
  const runInit = (): Promise<InitResult> =>
    initClusterWithRetry({
      nc: link.nc,
      names,
      replicas,
      leaseTtlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
      ...log,
    });
  let initResult: InitResult;
  try {
    initResult = await runInit();
  } catch (e) {
    await link.close();
    throw e;
  }
  const { meta, buckets } = initResult;
  const partitionOf = (phoneId: string): number => corePartitionOf(phoneId, meta.partitions);
  const js = jetstream(link.nc);
  const ingress = createIngress({
    js,
    names,
    nodeId,
    partitions: meta.partitions,
    ...(options.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: options.ackTimeoutMs }),
  });
  const commandClient = createCommandClient({ nc: link.nc, names, partitionOf });
  let handlers: Parameters<NatsCluster['start']>[0] | null = null;
  const configListeners = new Set<(doc: SharedConfigDocument) => void>();
  const sharedConfig = createSharedConfig({
    config: buckets.config,
    nodeId,
    onConfig: (doc) => {
      for (const listener of configListeners) listener(doc);
      handlers?.onConfig?.(doc);
    },
    ...log,
  });
  let consumerRecoveries = 0;
  const onConsumerRecovery = (): void => {
    consumerRecoveries += 1;
  };
  // Loaded once: by the daemon's config store before the daemon is built (watchConfig), or by
  // start for a member that has no config store. Retried, not fatal: a daemon started before
  // NATS (or during an outage) joins once it can.
  let configLoad: Promise<SharedConfigDocument> | null = null;
  const loadConfig = (): Promise<SharedConfigDocument> => {
    configLoad ??= retryUnavailable(() => sharedConfig.start(), {
      ...log,
      stopped: () => closed,
      what: 'loading the shared config',
    });
    return configLoad;
  };
  const readView = createReadView({
    onConsumerRecovery,
    js,
    lines: buckets.lines,
    names,
    now,
    onChange: (change) => handlers?.onChange(change),
    ...log,
  });
  let runtime: ClusterRuntime | null = null;
  let closed = false;
  const owns = (phoneId: string): boolean => runtime?.leases.owns(partitionOf(phoneId)) ?? false;
  const publishHealth = createHealthPublisher({
    js,
    lines: buckets.lines,
    names,
    partitionOf,
    owns,
    lineOf: (phoneId) => readView.lines().get(phoneId),
  });

  return {
    nodeId,
    init: async () => (await runInit()).meta.schemaVersion,
    start: async (h, { journalFromSeq }) => {
      if (handlers !== null) throw new ClusterError('cluster: start called twice');
      handlers = h;
      await loadConfig();
      await retryUnavailable(() => readView.start(), {
        ...log,
        stopped: () => closed,
        what: 'starting the read view',
      });
      runtime = await startRuntime(
        {
          nc: link.nc,
          js,
          names,
          meta,
          buckets,
          ingress,
          partitionOf,
          options,
          now,
          onConsumerRecovery,
        },
        h,
        journalFromSeq,
      );
    },
    publishInput: async (phoneId, input, receivedAt) => {
      await ingress.publishInput(phoneId, input, receivedAt);
    },
    command: (command, timeoutMs) => commandClient.send(command, timeoutMs),
    lines: () => readView.lines(),
    changesPosition: () => ({ liveAfter: readView.liveAfterSeq(), known: readView.knownSeq() }),
    readChanges: (afterSeq, toSeq, limit) =>
      readChangesRange({ js, names, afterSeq, toSeq, limit }),
    readConfig: () => sharedConfig.read(),
    updateConfig: (change) => sharedConfig.update(change),
    seedConfig: (local) => sharedConfig.seed(local),
    watchConfig: async (listener) => {
      configListeners.add(listener);
      await loadConfig();
      return sharedConfig.read();
    },
    owns,
    health: () => readView.health(),
    publishHealth,
    status: () => {
      const leases = runtime?.leases;
      return buildStatus({
        nodeId,
        connected: link.connected(),
        serverVersion: link.serverVersion(),
        partitions: meta.partitions,
        members: runtime?.membership.members() ?? [],
        owners: leases?.owners() ?? Array.from({ length: meta.partitions }, () => null),
        owned: leases?.owned() ?? [],
        fenced: leases?.fenced() ?? false,
        readViewLag: readView.lag(),
        journalLag: runtime?.journalFeed.lag() ?? 0,
        takeOvers: leases?.counters().takeOvers ?? 0,
        leaseRenewalFailures: leases?.counters().leaseRenewalFailures ?? 0,
        ingressRefused: ingress.refused(),
        commandsServed: runtime?.commandServer.commandsServed() ?? 0,
        consumerRecoveries,
      });
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await runtime?.close();
      await readView.stop();
      await sharedConfig.close();
      await link.close();
    },
  };
}

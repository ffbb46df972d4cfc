import { jetstream } from '@nats-io/jetstream';
import { partitionOf as corePartitionOf } from '@snomlink/core';
import { buildStatus } from './cluster-status.js';
import type { ClusterHandlers, ClusterOptions, NatsCluster } from './cluster-types.js';
import { createCommandClient, createCommandServer, type CommandServer } from './command-bus.js';
import { connectNats } from './connect-nats.js';
import { ClusterConfigError, ClusterError } from './errors.js';
import { createIngress } from './ingress.js';
import { initClusterWithRetry, type InitResult } from './init.js';
import { createLeases, type Leases } from './leases.js';
import { NODE_ID_PATTERN, createMembership, type Membership } from './membership.js';
import { clusterNames } from './names.js';
import { createPartitionOwner, type OwnedWork } from './partition-owner.js';
import { createPartitionProcessor } from './partition-processor.js';
import { createReadView } from './read-view.js';
import { createSharedConfig } from './shared-config.js';

// The composition root: one NATS connection, init, then (on start) membership, leases and the
// modules that act on them. Each module takes the connection or a bucket and knows nothing of
// the others; only this file wires gained/lost partitions to the command server and processors.

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

/**
 * Connects this daemon to the cluster: opens the NATS connection (reconnecting forever) and runs
 * the idempotent init. Nothing is owned or followed until `start`. Throws ClusterConfigError for
 * bad options or a newer stored schema, ClusterUnavailableError when NATS does not answer.
 */
export async function connectCluster(options: ClusterOptions): Promise<NatsCluster> {
  checkOptions(options);
  const { nodeId, logger } = options;
  const now = options.now ?? Date.now;
  const names = clusterNames(options.prefix);
  const link = await connectNats({
    servers: options.servers,
    nodeId,
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(logger === undefined ? {} : { logger }),
  });
  const replicas = options.replicas ?? (link.clusterSize() >= 3 ? 3 : 1);
  const runInit = (): Promise<InitResult> =>
    initClusterWithRetry({
      nc: link.nc,
      names,
      replicas,
      leaseTtlMs: options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
      ...(logger === undefined ? {} : { logger }),
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
  let handlers: ClusterHandlers | null = null;
  const sharedConfig = createSharedConfig({
    config: buckets.config,
    nodeId,
    onConfig: (doc) => handlers?.onConfig(doc),
    ...(logger === undefined ? {} : { logger }),
  });
  const readView = createReadView({
    js,
    lines: buckets.lines,
    names,
    now,
    onChange: (change) => handlers?.onChange(change),
    ...(logger === undefined ? {} : { logger }),
  });

  let membership: Membership | null = null;
  let leases: Leases | null = null;
  let commandServer: CommandServer | null = null;
  let started = false;
  let closed = false;

  const owns = (phoneId: string): boolean => leases?.owns(partitionOf(phoneId)) ?? false;

  /** The owner's work for one partition: serve its commands and replay its events. */
  function ownPartition(p: number, server: CommandServer): OwnedWork {
    server.serve(p);
    const processor = createPartitionProcessor({
      js,
      lines: buckets.lines,
      names,
      partition: p,
      partitions: meta.partitions,
      ingress,
      now,
      ...(options.reducerOptions === undefined ? {} : { reducerOptions: options.reducerOptions }),
      ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
      ...(logger === undefined ? {} : { logger }),
      // Another node wrote this partition's lines: hand the lease over (stops the work too).
      onLost: () => void leases?.release(p),
    });
    processor.start().catch((e: unknown) => {
      logger?.error({ partition: p, err: String(e) }, 'cluster: partition processor failed');
      void leases?.release(p);
    });
    return {
      stop: async () => {
        server.unserve(p);
        await processor.stop();
      },
    };
  }

  async function start(h: ClusterHandlers): Promise<void> {
    if (started) throw new ClusterError('cluster: start called twice');
    started = true;
    handlers = h;
    await sharedConfig.start();
    await readView.start();
    // TODO(cluster-log): journal feed from options.journalFromSeq into h.onJournalEntry.
    const server = createCommandServer({
      nc: link.nc,
      commands: buckets.commands,
      names,
      nodeId,
      onCommand: (c) => h.onCommand(c),
      owns,
      partitionOf,
      ...(logger === undefined ? {} : { logger }),
    });
    commandServer = server;
    const owner = createPartitionOwner((p) => ownPartition(p, server));
    membership = await createMembership({
      kv: buckets.members,
      nodeId,
      leaseTtlMs: meta.leaseTtlMs,
      adminUrl: options.adminUrl ?? null,
      partitions: () => leases?.owned() ?? [],
      now,
      onChange: () => leases?.balance(),
      ...(logger === undefined ? {} : { logger }),
    });
    const members = membership;
    leases = await createLeases({
      kv: buckets.leases,
      nodeId,
      leaseTtlMs: meta.leaseTtlMs,
      partitions: meta.partitions,
      live: () => members.live(),
      now,
      onGained: (ps) => {
        owner.gained(ps);
        h.onPartitionsGained(ps);
      },
      onLost: async (ps) => {
        h.onPartitionsLost(ps);
        await owner.lost(ps);
      },
      ...(logger === undefined ? {} : { logger }),
    });
  }

  return {
    nodeId,
    init: async () => (await runInit()).meta.schemaVersion,
    start: async (handlers) => {
      await start(handlers);
    },
    publishInput: async (phoneId, input, receivedAt) => {
      await ingress.publishInput(phoneId, input, receivedAt);
    },
    command: (command, timeoutMs) => commandClient.send(command, timeoutMs),
    lines: () => readView.lines(),
    readConfig: () => sharedConfig.read(),
    updateConfig: (change) => sharedConfig.update(change),
    seedConfig: (local) => sharedConfig.seed(local),
    owns,
    status: () =>
      buildStatus({
        nodeId,
        connected: link.connected(),
        serverVersion: link.serverVersion(),
        partitions: meta.partitions,
        members: membership?.members() ?? [],
        owners: leases?.owners() ?? Array.from({ length: meta.partitions }, () => null),
        owned: leases?.owned() ?? [],
        fenced: leases?.fenced() ?? false,
        readViewLag: readView.lag(),
        journalLag: 0,
        takeOvers: leases?.counters().takeOvers ?? 0,
        leaseRenewalFailures: leases?.counters().leaseRenewalFailures ?? 0,
        ingressRefused: ingress.refused(),
        commandsServed: commandServer?.commandsServed() ?? 0,
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      // Leave the member list first, so the others' share grows before the leases come free.
      await membership?.stop(true);
      await leases?.close();
      await commandServer?.close();
      await readView.stop();
      await sharedConfig.close();
      await link.close();
    },
  };
}

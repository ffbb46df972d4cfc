import { jetstream } from '@nats-io/jetstream';
import { partitionOf as corePartitionOf } from '@snomlink/core';
import { buildStatus } from './cluster-status.js';
import type {
  ClusterHandlers,
  ClusterOptions,
  NatsCluster,
  SharedConfigDocument,
} from './cluster-types.js';
import { createCommandClient, createCommandServer, type CommandServer } from './command-bus.js';
import { connectNats } from './connect-nats.js';
import { ClusterConfigError, ClusterError } from './errors.js';
import { createIngress } from './ingress.js';
import { initClusterWithRetry, type InitResult } from './init.js';
import { createLeases, type Leases } from './leases.js';
import { NODE_ID_PATTERN, createMembership, type Membership } from './membership.js';
import { clusterNames } from './names.js';

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

const EMPTY_CONFIG: SharedConfigDocument = { revision: 0, sections: {}, phones: {} };

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

  let membership: Membership | null = null;
  let leases: Leases | null = null;
  let commandServer: CommandServer | null = null;
  let started = false;
  let closed = false;

  const owns = (phoneId: string): boolean => leases?.owns(partitionOf(phoneId)) ?? false;

  async function start(handlers: ClusterHandlers): Promise<void> {
    if (started) throw new ClusterError('cluster: start called twice');
    started = true;
    const server = createCommandServer({
      nc: link.nc,
      commands: buckets.commands,
      names,
      nodeId,
      onCommand: (c) => handlers.onCommand(c),
      owns,
      partitionOf,
      ...(logger === undefined ? {} : { logger }),
    });
    commandServer = server;
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
        for (const p of ps) server.serve(p);
        handlers.onPartitionsGained(ps);
      },
      onLost: (ps) => {
        for (const p of ps) server.unserve(p);
        handlers.onPartitionsLost(ps);
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
    // TODO(cluster-log): the read view replaces this once B's read-view.ts is merged.
    lines: () => new Map(),
    // TODO(cluster-shared): the shared config replaces these once C's shared-config.ts is merged.
    readConfig: () => EMPTY_CONFIG,
    updateConfig: () => Promise.reject(new ClusterError('cluster: shared config not wired yet')),
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
        readViewLag: 0,
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
      await link.close();
    },
  };
}

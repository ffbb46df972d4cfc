import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ClusterMeta } from './cluster-meta.js';
import type { ClusterHandlers, ClusterLogger, ClusterOptions } from './cluster-types.js';
import { createCommandServer, type CommandServer } from './command-bus.js';
import type { Ingress } from './ingress.js';
import type { ClusterBuckets } from './init.js';
import { createJournalFeed, type JournalFeed } from './journal-feed.js';
import { createLeases, type Leases } from './leases.js';
import { createMembership, type Membership } from './membership.js';
import { createOwnershipGate } from './ownership-gate.js';
import type { ClusterNames } from './names.js';
import { createPartitionOwner, type PartitionOwner } from './partition-owner.js';
import { createWebhookFeed, type WebhookFeed } from './webhook-feed.js';

// What `start` runs, in order: the journal projection catches up, then this node joins
// (commands, membership, leases → processors), then it takes its share of webhooks. Owner-only
// work starts and stops with the leases; `close` undoes it in the reverse order.

/** What the runtime needs from the connected cluster. */
export interface RuntimeDeps {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly names: ClusterNames;
  readonly meta: ClusterMeta;
  readonly buckets: ClusterBuckets;
  readonly ingress: Ingress;
  readonly partitionOf: (phoneId: string) => number;
  readonly options: ClusterOptions;
  readonly now: () => number;
  /** Counts a stalled consumer re-created (journal feed, processors). */
  readonly onConsumerRecovery: () => void;
}

/** The running member. */
export interface ClusterRuntime {
  readonly leases: Leases;
  readonly membership: Membership;
  readonly commandServer: CommandServer;
  readonly owner: PartitionOwner;
  readonly journalFeed: JournalFeed;
  readonly webhookFeed: WebhookFeed;
  /** Planned leave: leave the member list, hand every partition over, stop the feeds. */
  close(): Promise<void>;
}

function withLogger(logger: ClusterLogger | undefined): { logger?: ClusterLogger } {
  return logger === undefined ? {} : { logger };
}

/** Starts the member; resolves once the journal caught up and the first lease balance ran. */
export async function startRuntime(
  deps: RuntimeDeps,
  handlers: ClusterHandlers,
  journalFromSeq: number,
): Promise<ClusterRuntime> {
  const { nc, js, names, meta, buckets, options, now } = deps;
  const { nodeId } = options;
  const log = withLogger(options.logger);
  const journalFeed = createJournalFeed({
    js,
    names,
    fromSeq: journalFromSeq,
    onConsumerRecovery: deps.onConsumerRecovery,
    onEntry: (entry) => {
      handlers.onJournalEntry(entry);
    },
    ...log,
  });
  await journalFeed.start();

  let leases: Leases | null = null;
  const gate = createOwnershipGate();
  const owns = (phoneId: string): boolean => leases?.owns(deps.partitionOf(phoneId)) ?? false;
  const commandServer = createCommandServer({
    nc,
    commands: buckets.commands,
    names,
    nodeId,
    onCommand: (c) => handlers.onCommand(c),
    owns,
    partitionOf: deps.partitionOf,
    ...log,
  });
  const owner = createPartitionOwner({
    js,
    lines: buckets.lines,
    names,
    partitions: meta.partitions,
    ingress: deps.ingress,
    now,
    ...(options.reducerOptions === undefined ? {} : { reducerOptions: options.reducerOptions }),
    ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
    // Asked before every write: a node resumed after a pause whose lease is gone writes nothing.
    // The gate also answers during the first balance, before `leases` is assigned.
    canWrite: (p) => gate.canWrite(p),
    // Another node wrote this partition's lines (its processor stopped): hand the lease over.
    onLost: (p) => {
      gate.release(p);
    },
    onConsumerRecovery: deps.onConsumerRecovery,
    ...log,
  });
  const membership = await createMembership({
    kv: buckets.members,
    nodeId,
    leaseTtlMs: meta.leaseTtlMs,
    adminUrl: options.adminUrl ?? null,
    partitions: () => leases?.owned() ?? [],
    now,
    onChange: () => leases?.balance(),
    silent: () => leases?.fenced() ?? false,
    ...log,
  });
  const held = await createLeases({
    kv: buckets.leases,
    nodeId,
    leaseTtlMs: meta.leaseTtlMs,
    partitions: meta.partitions,
    live: () => membership.live(),
    now,
    onGained: (ps) => {
      gate.gained(ps);
      for (const p of ps) commandServer.serve(p);
      owner.gain(ps);
      handlers.onPartitionsGained(ps);
    },
    onLost: async (ps, planned) => {
      gate.lost(ps);
      handlers.onPartitionsLost(ps);
      for (const p of ps) commandServer.unserve(p);
      // A planned hand-over flushes (final snapshot and checkpoint) before the lease goes; a
      // lost lease must not write any more.
      await owner.lose(ps, { flush: planned });
    },
    ...log,
  });
  leases = held;
  gate.attach(held);
  const webhookFeed = createWebhookFeed({
    js,
    names,
    onWebhookChange: (change) => handlers.onWebhookChange(change),
    ...log,
  });
  await webhookFeed.start();

  return {
    leases: held,
    membership,
    commandServer,
    owner,
    journalFeed,
    webhookFeed,
    close: async () => {
      // Leave the member list first, so the others' share grows before the leases come free.
      await membership.stop(true);
      await held.close();
      await owner.close({ flush: true });
      await webhookFeed.stop();
      await commandServer.close();
      await journalFeed.stop();
    },
  };
}

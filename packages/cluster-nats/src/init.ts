import {
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { CLUSTER_PARTITIONS } from '@snomlink/core';
import { META_KEY, checkMeta, parseMeta, type ClusterMeta } from './cluster-meta.js';
import type { ClusterLogger } from './cluster-types.js';
import { ClusterConfigError, isClusterConfigError } from './errors.js';
import { isWrongLastSequence } from './kv-cas.js';
import { CLUSTER_SCHEMA_VERSION, type ClusterNames } from './names.js';
import { ensureWebhookConsumer } from './webhook-feed.js';

// Creates the cluster's streams and buckets idempotently (every daemon runs it at start, and
// `snomlink cluster init` runs it alone) and writes or checks the `meta` record. An existing
// stream or bucket is kept as it is: the first init of a cluster defines its shape.

/** The KV buckets, opened. */
export interface ClusterBuckets {
  readonly leases: KV;
  readonly members: KV;
  readonly lines: KV;
  readonly config: KV;
  readonly commands: KV;
}

/** Options of {@link initCluster}. */
export interface InitClusterOptions {
  readonly nc: NatsConnection;
  readonly names: ClusterNames;
  /** Replicas of every stream and bucket (1, 3 or 5). */
  readonly replicas: number;
  /** Lease TTL L for a new cluster (an existing one keeps the L it was created with). */
  readonly leaseTtlMs: number;
  /** Partition count for a new cluster (default core's 64). */
  readonly partitions?: number;
  readonly logger?: ClusterLogger;
}

/** What init found or created. */
export interface InitResult {
  readonly meta: ClusterMeta;
  readonly buckets: ClusterBuckets;
}

/** How long events and change records stay in their streams (the journal stays forever). */
export const LOG_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** Publish de-duplication window of every stream (Msg-Id). */
export const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;
/** TTL of claimed command ids and their stored results. */
export const COMMANDS_TTL_MS = 60 * 60 * 1000;

/** A stream's configuration as init creates it. */
export type StreamSpec = Partial<StreamConfig> & { readonly name: string };

const NANOS = 1_000_000;
/** JetStream API error: a stream of that name exists with another configuration. */
const STREAM_NAME_IN_USE = 10058;

/** The three stream configurations (pure, so the layout is testable and documented in one place). */
export function streamConfigs(names: ClusterNames, replicas: number): readonly StreamSpec[] {
  const prefix = names.eventSubject(0, 'x').split('.')[0] ?? '';
  const common = {
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: replicas,
    duplicate_window: DUPLICATE_WINDOW_MS * NANOS,
  };
  return [
    {
      ...common,
      name: names.eventsStream,
      subjects: [`${prefix}.ev.>`],
      max_age: LOG_MAX_AGE_MS * NANOS,
    },
    {
      ...common,
      name: names.changesStream,
      subjects: [`${prefix}.ch.>`],
      max_age: LOG_MAX_AGE_MS * NANOS,
    },
    {
      // One message per subject, forever: a republished journal entry is refused, whatever the
      // de-duplication window (nats-server 2.9.0's discard_new_per_subject).
      ...common,
      name: names.journalStream,
      subjects: [`${prefix}.jr.>`],
      max_msgs_per_subject: 1,
      discard: DiscardPolicy.New,
      discard_new_per_subject: true,
    },
  ];
}

async function ensureStream(
  jsm: JetStreamManager,
  config: StreamSpec,
  logger: ClusterLogger | undefined,
): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (e) {
    // 10058: the stream exists with another configuration; keep it (the first init decided).
    if (e instanceof JetStreamApiError && e.code === STREAM_NAME_IN_USE) {
      const info = await jsm.streams.info(config.name);
      logger?.warn(
        { stream: config.name, replicas: info.config.num_replicas },
        'cluster: stream exists with another configuration; keeping it',
      );
      return;
    }
    throw e;
  }
}

async function ensureMeta(kv: KV, fresh: ClusterMeta): Promise<ClusterMeta> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await kv.get(META_KEY);
    if (entry === null || entry.operation !== 'PUT') {
      try {
        await kv.create(META_KEY, JSON.stringify(fresh));
        return fresh;
      } catch (e) {
        // Another daemon wrote it first: read theirs.
        if (!isWrongLastSequence(e)) throw e;
        continue;
      }
    }
    const meta = parseMeta(entry.string());
    checkMeta(meta);
    return meta;
  }
  throw new ClusterConfigError('cluster: could not read or write the meta record');
}

function checkReplicas(replicas: number): void {
  if (![1, 3, 5].includes(replicas)) {
    throw new ClusterConfigError(`cluster: replicas must be 1, 3 or 5, got ${String(replicas)}`);
  }
}

/**
 * Creates (or finds) the streams EVENTS, CHANGES, JOURNAL and the buckets leases, members
 * (TTL = L), lines, config and commands (TTL 1 h), then writes or checks `meta`. Idempotent and
 * safe to run from several daemons at once. Throws ClusterConfigError when the stored schema
 * version is newer than this daemon's.
 */
export async function initCluster(options: InitClusterOptions): Promise<InitResult> {
  const { nc, names, replicas, logger } = options;
  checkReplicas(replicas);
  const jsm = await jetstreamManager(nc);
  const kvm = new Kvm(jetstream(nc));
  const config = await kvm.create(names.buckets.config, { history: 1, replicas });
  const meta = await ensureMeta(config, {
    schemaVersion: CLUSTER_SCHEMA_VERSION,
    partitions: options.partitions ?? CLUSTER_PARTITIONS,
    leaseTtlMs: options.leaseTtlMs,
  });
  if (meta.leaseTtlMs !== options.leaseTtlMs) {
    logger?.warn(
      { stored: meta.leaseTtlMs, configured: options.leaseTtlMs },
      'cluster: using the lease TTL the cluster was created with',
    );
  }
  for (const stream of streamConfigs(names, replicas)) await ensureStream(jsm, stream, logger);
  // With the stream, so webhooks start at new records (never a replay of old history).
  await ensureWebhookConsumer(jsm, names);
  const ttl = meta.leaseTtlMs;
  const [leases, members, lines, commands] = await Promise.all([
    kvm.create(names.buckets.leases, { history: 1, replicas, ttl }),
    kvm.create(names.buckets.members, { history: 1, replicas, ttl }),
    kvm.create(names.buckets.lines, { history: 1, replicas }),
    kvm.create(names.buckets.commands, { history: 1, replicas, ttl: COMMANDS_TTL_MS }),
  ]);
  return { meta, buckets: { leases, members, lines, config, commands } };
}

/**
 * {@link initCluster}, retried while JetStream is not ready yet (a fresh NATS cluster elects its
 * meta leader a few seconds after start) for up to `deadlineMs` (default 30 s). A
 * ClusterConfigError is final at once.
 */
export async function initClusterWithRetry(
  options: InitClusterOptions,
  deadlineMs = 30_000,
): Promise<InitResult> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await initCluster(options);
    } catch (e) {
      if (isClusterConfigError(e) || Date.now() > deadline) throw e;
      options.logger?.warn({ err: String(e) }, 'cluster: init failed, retrying');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

import * as v from 'valibot';

// `GET /api/cluster`: the cluster as this daemon sees it (browser-safe: the web UI's Cluster
// page imports these types through @snomlink/daemon/api).

const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** One live member of the cluster. */
export const clusterMemberSchema = v.object({
  nodeId: v.string(),
  /** Epoch ms of its last heartbeat. */
  seenAt: v.number(),
  /** Partitions it holds a lease on. */
  partitions: v.array(count),
  /** Its admin URL as it reported it, or null. */
  adminUrl: v.nullable(v.string()),
});

/** Cluster mode's state, as `GET /api/cluster` answers it in cluster mode. */
export const clusterStateSchema = v.variant('mode', [
  v.object({
    /** This daemon runs alone (no `--cluster`): everything below is absent. */
    mode: v.literal('local'),
  }),
  v.object({
    mode: v.literal('cluster'),
    /** This daemon's node id. */
    nodeId: v.string(),
    /** Whether the NATS connection is up. */
    connected: v.boolean(),
    /** nats-server version of the connected server, e.g. `2.9.10`. */
    serverVersion: v.nullable(v.string()),
    /** Partition count (64). */
    partitions: count,
    members: v.array(clusterMemberSchema),
    /** Owner node id of each partition (index = partition), null when unowned. */
    owners: v.array(v.nullable(v.string())),
    /** Partitions this daemon owns. */
    owned: v.array(count),
    /** True while this daemon cannot renew its leases and acts as owner of nothing. */
    fenced: v.boolean(),
    /** Change records this daemon's read view is behind. */
    readViewLag: count,
    /** Journal entries this daemon's journal is behind. */
    journalLag: count,
    counters: v.object({
      takeOvers: count,
      leaseRenewalFailures: count,
      ingressRefused: count,
      commandsServed: count,
      consumerRecoveries: count,
    }),
  }),
]);
/** Answer of `GET /api/cluster`. */
export type ClusterState = v.InferOutput<typeof clusterStateSchema>;
/** One member in {@link ClusterState}. */
export type ClusterMemberView = v.InferOutput<typeof clusterMemberSchema>;

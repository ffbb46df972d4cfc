// Every stream, bucket and subject name in one place, so the layout in docs/cluster.md is
// checkable against one file. `<prefix>` defaults to `snomlink`.

/** Version of the stored layout; `init` writes it and refuses a newer one. */
export const CLUSTER_SCHEMA_VERSION = 1;

/** Default subject and bucket prefix. */
export const DEFAULT_PREFIX = 'snomlink';

/** Stream, bucket and subject names under one prefix. */
export interface ClusterNames {
  /** Stream of line inputs, subjects `<prefix>.ev.<partition>.<phoneId>`. */
  readonly eventsStream: string;
  eventSubject(partition: number, phoneId: string): string;
  /** Filter of one partition's inputs (one filter subject: nats-server 2.9). */
  eventPartitionFilter(partition: number): string;
  /** Stream of change records, subjects `<prefix>.ch.<partition>.<phoneId>`. */
  readonly changesStream: string;
  changeSubject(partition: number, phoneId: string): string;
  /** Stream of finished calls, subjects `<prefix>.jr.<phoneId>.<key>`, one message per subject. */
  readonly journalStream: string;
  journalSubject(phoneId: string, key: string): string;
  /** Command subjects `<prefix>.cmd.<partition>.<phoneId>`. */
  commandSubject(partition: number, phoneId: string): string;
  commandPartitionFilter(partition: number): string;
  /** KV buckets. */
  readonly buckets: {
    /** `p.<n>` → owner node id (TTL = lease L). */
    readonly leases: string;
    /** `<nodeId>` → heartbeat (TTL = lease L). */
    readonly members: string;
    /** `<phoneId>` → LineSnapshot; `ckpt.<n>` → partition checkpoint. */
    readonly lines: string;
    /** `meta` (version, partitions), `section.<name>`, `phone.<id>`. */
    readonly config: string;
    /** `<commandId>` → claimed/result (TTL 1 h). */
    readonly commands: string;
  };
  /** Durable consumer on CHANGES shared by all daemons for once-only webhooks. */
  readonly webhookConsumer: string;
}

/** Names under `prefix` (letters, digits, `-`, `_`; NATS stream and bucket names allow no dots). */
export function clusterNames(prefix: string = DEFAULT_PREFIX): ClusterNames {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(prefix)) {
    throw new RangeError(
      `cluster prefix must be 1-32 letters, digits, "-" or "_", got "${prefix}"`,
    );
  }
  const upper = prefix.toUpperCase();
  return {
    eventsStream: `${upper}_EVENTS`,
    eventSubject: (p, id) => `${prefix}.ev.${String(p)}.${id}`,
    eventPartitionFilter: (p) => `${prefix}.ev.${String(p)}.*`,
    changesStream: `${upper}_CHANGES`,
    changeSubject: (p, id) => `${prefix}.ch.${String(p)}.${id}`,
    journalStream: `${upper}_JOURNAL`,
    journalSubject: (id, key) => `${prefix}.jr.${id}.${key}`,
    commandSubject: (p, id) => `${prefix}.cmd.${String(p)}.${id}`,
    commandPartitionFilter: (p) => `${prefix}.cmd.${String(p)}.*`,
    buckets: {
      leases: `${prefix}-leases`,
      members: `${prefix}-members`,
      lines: `${prefix}-lines`,
      config: `${prefix}-config`,
      commands: `${prefix}-commands`,
    },
    webhookConsumer: `${prefix}-webhooks`,
  };
}

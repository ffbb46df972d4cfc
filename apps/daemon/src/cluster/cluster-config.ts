import * as v from 'valibot';

// The `cluster` section of the config file (cluster mode, docs/cluster.md). Absent: the daemon
// runs alone as it always did and never loads @snomlink/cluster-nats.

const nonEmpty = (what: string): v.GenericSchema<string> =>
  v.pipe(v.string(`${what} must be a string`), v.minLength(1, `${what} must not be empty`));

/** `nats://host:port` (also `tls://`, `ws://`, `wss://`); what `--cluster` takes, comma-separated. */
export const natsUrlSchema = v.pipe(
  v.string('cluster.servers entries must be strings'),
  v.regex(
    /^(nats|tls|ws|wss):\/\/[^\s/?#,]+(:\d{1,5})?\/?$/,
    'cluster.servers entries must look like nats://host:port',
  ),
);

/** A node id: also a KV key and a subject token in NATS, so only these characters. */
export const nodeIdSchema = v.pipe(
  v.string('cluster.nodeId must be a string'),
  v.regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    'cluster.nodeId must be 1-64 letters, digits, "-" or "_", starting with a letter or digit',
  ),
);

/** The `cluster` config section. */
export const clusterConfigSchema = v.object({
  /** NATS servers (one or more members of the NATS cluster). */
  servers: v.pipe(
    v.array(natsUrlSchema),
    v.minLength(1, 'cluster.servers needs at least one nats:// URL'),
  ),
  /** This daemon's id (default: the host name, cleaned to a valid id). */
  nodeId: v.optional(nodeIdSchema),
  /** Subject and bucket prefix (several systems on one NATS). */
  prefix: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[A-Za-z0-9_-]{1,32}$/, 'cluster.prefix must be 1-32 letters, digits, - or _'),
    ),
  ),
  /** Lease TTL L in ms (default 10 000). */
  leaseTtlMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(600_000))),
  /** How long a phone's 200 may wait for the stream's ack (default 2000 ms). */
  ackTimeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(50), v.maxValue(60_000))),
  /** Replicas of streams and buckets (default: 3 with ≥ 3 NATS servers, else 1). */
  replicas: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5))),
  /** NATS credentials: user/password, a token, or a .creds file. */
  credentials: v.optional(
    v.union([
      v.strictObject({ user: nonEmpty('cluster.credentials.user'), pass: v.string() }),
      v.strictObject({ token: nonEmpty('cluster.credentials.token') }),
      v.strictObject({ credsFile: nonEmpty('cluster.credentials.credsFile') }),
    ]),
  ),
  /** TLS towards NATS (PEM files). */
  tls: v.optional(
    v.strictObject({
      caFile: v.optional(nonEmpty('cluster.tls.caFile')),
      certFile: v.optional(nonEmpty('cluster.tls.certFile')),
      keyFile: v.optional(nonEmpty('cluster.tls.keyFile')),
    }),
  ),
});

/** The validated `cluster` section. */
export type ClusterConfig = v.InferOutput<typeof clusterConfigSchema>;

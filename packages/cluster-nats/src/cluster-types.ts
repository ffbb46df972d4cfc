import type {
  CallChange,
  FinishedCall,
  LineInput,
  LinePresenceChange,
  LineReducerOptions,
  LineState,
  LineStatusChange,
} from '@snomlink/core';

// The contract between this package and the daemon. The daemon declares small interfaces of its
// own (ingress, ownership, line store, change feed, journal log, command bus, config store) and
// adapts a NatsCluster to them; nothing here knows about Hono, SQLite or the daemon's config
// schema. See ../../../docs/cluster.md and ../shared/design/CLUSTER.md.

/** Credentials for NATS: user/password, a token, or a `.creds` file (JWT + NKey). */
export type NatsCredentials =
  | { readonly user: string; readonly pass: string }
  | { readonly token: string }
  | { readonly credsFile: string };

/** TLS towards NATS: PEM files; `caFile` alone verifies the server. */
export interface NatsTls {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** Minimal logger the package writes to (pino's shape, so the daemon passes its own). */
export interface ClusterLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options of `connectCluster`. */
export interface ClusterOptions {
  /** `nats://host:port` URLs (one or more members of the NATS cluster). */
  readonly servers: readonly string[];
  /** This daemon's id in the cluster (default in the daemon: the host name). Unique per daemon. */
  readonly nodeId: string;
  /** Subject and bucket prefix; default `snomlink`. Lets several systems share one NATS. */
  readonly prefix?: string;
  /** Lease TTL L in ms (default 10 000; tests use 2 000–3 000). Renewal every L/5. */
  readonly leaseTtlMs?: number;
  /** How long ingress waits for the stream's ack before refusing (default 2 000 ms). */
  readonly ackTimeoutMs?: number;
  /** Replicas of streams and buckets (default: 3 when the NATS cluster has ≥ 3 servers, else 1). */
  readonly replicas?: number;
  readonly credentials?: NatsCredentials;
  readonly tls?: NatsTls;
  readonly logger?: ClusterLogger;
  /** Reducer options (dial rules, timeouts) the owner replays with; the same on every daemon. */
  readonly reducerOptions?: () => LineReducerOptions;
  /** Tick period of the owner for lines with live calls (default 1 000 ms). */
  readonly tickMs?: number;
  /** This daemon's admin URL as others should show it (web UI), or omitted. */
  readonly adminUrl?: string;
  /** Clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/** One line input as stored in the EVENTS stream: a core `LineInput` plus when it was received. */
export interface StoredInput {
  readonly phoneId: string;
  readonly input: LineInput;
  /** Epoch ms at the daemon that accepted it; the owner reduces with max(lastNow, receivedAt). */
  readonly receivedAt: number;
  /** Node that accepted it (diagnostics). */
  readonly via: string;
}

/** A line's snapshot in KV `lines` (key `<phoneId>`), written by the owner with CAS. */
export interface LineSnapshot {
  readonly state: LineState;
  /** EVENTS stream sequence of the last input applied; inputs at or below it are skipped. */
  readonly lastSeq: number;
  /** The `now` the reducer last ran with (determinism: now = max(lastNow, receivedAt)). */
  readonly lastNow: number;
}

/**
 * A phone's health as the owner of its partition last found it (the daemon's `PhoneHealth`):
 * only the owner checks a phone, and every daemon shows this.
 */
export interface PhoneHealthRecord {
  readonly status: 'unknown' | 'reachable' | 'unreachable' | 'auth-failed';
  /** Reason of the last failure (never holds a secret), null when fine. */
  readonly detail: string | null;
  /** Epoch ms of the check that found this health (it is published when it changes). */
  readonly checkedAt: number | null;
  readonly model: string | null;
  readonly firmware: string | null;
  readonly mac: string | null;
}

/**
 * One message of the CHANGES stream: what one reducer step of one line produced, with the
 * resulting state so a read view needs nothing else. Msg-Id `<phoneId>:<eventSeq>` collapses a
 * zombie owner's duplicate. A health record (the owner's health check result changed) has no
 * changes, carries `health` (and `lineStatus` when the status changed), and never moves the
 * line: readers ignore its `state` and `eventSeq` (see `isHealthRecord`).
 */
export interface ChangeRecord {
  readonly phoneId: string;
  /** EVENTS sequence of the input that produced it. */
  readonly eventSeq: number;
  readonly changes: readonly CallChange[];
  readonly presenceChanges: readonly LinePresenceChange[];
  /** Published by the owner of the phone's health checks when the status changed. */
  readonly lineStatus?: LineStatusChange;
  /** Published by the owner of the phone's health checks when its result changed. */
  readonly health?: PhoneHealthRecord;
  readonly state: LineState;
}

/** A change record as delivered from the stream, with its CHANGES sequence (the SSE id). */
export interface DeliveredChange {
  readonly seq: number;
  readonly record: ChangeRecord;
}

/** A finished call as delivered from the JOURNAL stream. */
export interface DeliveredJournalEntry {
  /** JOURNAL stream sequence (the local projection keeps the highest applied). */
  readonly seq: number;
  /** hash(callId | startedAt): the entry's identity cluster-wide. */
  readonly key: string;
  readonly call: FinishedCall;
}

/** A live member of the cluster (from the members bucket's heartbeats). */
export interface ClusterMember {
  readonly nodeId: string;
  /** Epoch ms of its last heartbeat. */
  readonly seenAt: number;
  /** Partitions it holds a lease on. */
  readonly partitions: readonly number[];
  /** Its admin URL as it reported it (for the web UI), or null. */
  readonly adminUrl: string | null;
}

/** What `GET /api/cluster` and the metrics show. */
export interface ClusterStatus {
  readonly nodeId: string;
  readonly connected: boolean;
  /** nats-server version of the connected server, e.g. `2.9.10`. */
  readonly serverVersion: string | null;
  /** Partition count (64), from the cluster's stored config. */
  readonly partitions: number;
  readonly members: readonly ClusterMember[];
  /** Owner node id of each partition (index = partition), null when unowned. */
  readonly owners: readonly (string | null)[];
  /** Partitions this node owns. */
  readonly owned: readonly number[];
  /** True while this node cannot renew its leases and has stopped acting as owner. */
  readonly fenced: boolean;
  /** Messages this node's read view is behind the CHANGES stream. */
  readonly readViewLag: number;
  /** Messages this node's journal projection is behind the JOURNAL stream. */
  readonly journalLag: number;
  readonly counters: {
    /** Partitions this node took over from a dead or departed owner. */
    readonly takeOvers: number;
    readonly leaseRenewalFailures: number;
    /** Inputs refused by ingress (no ack in time). */
    readonly ingressRefused: number;
    readonly commandsServed: number;
    /** Stalled consumers (EVENTS, CHANGES, JOURNAL) found by the watchdog and re-created. */
    readonly consumerRecoveries: number;
  };
}

/** A phone command routed to the owner (dial, drop, answer, hold, provision, test …). */
export interface ClusterCommand {
  /** Unique id (uuid); claimed once in KV so a retry or a zombie never runs it twice. */
  readonly id: string;
  readonly phoneId: string;
  /** Command name, e.g. `dial`, `provision`; the daemon's handler interprets it. */
  readonly name: string;
  /** JSON-safe arguments. */
  readonly args: unknown;
}

/** The owner's answer to a command: JSON-safe result or an error message with an HTTP status. */
export type ClusterCommandResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: number; readonly error: string };

/** Handlers the daemon gives the cluster when it starts. */
export interface ClusterHandlers {
  /** Partitions gained (start health checks, log scans, commands for their phones). */
  onPartitionsGained(partitions: readonly number[]): void;
  /** Partitions lost or fenced (stop everything owner-only for their phones, at once). */
  onPartitionsLost(partitions: readonly number[]): void;
  /** Every change record, in CHANGES order, on every daemon (feeds the local hub). */
  onChange(change: DeliveredChange): void;
  /** Every journal entry, in JOURNAL order, on every daemon (INSERT OR IGNORE locally). */
  onJournalEntry(entry: DeliveredJournalEntry): void;
  /** Runs a command on this node, which owns the phone. */
  onCommand(command: ClusterCommand): Promise<ClusterCommandResult>;
  /**
   * The shared config document changed (on any daemon, including this one). Optional: the
   * daemon's config store follows the document with `NatsCluster.watchConfig` instead.
   */
  onConfig?(config: SharedConfigDocument): void;
  /** A change record for webhook delivery: delivered to exactly one daemon cluster-wide. */
  onWebhookChange(change: DeliveredChange): Promise<void>;
}

/**
 * The shared config as JSON: phones (one KV key each), dialing, webhooks, users, admin token …
 * The package stores it opaquely; the daemon validates it with its own schema.
 */
export interface SharedConfigDocument {
  readonly revision: number;
  readonly sections: Readonly<Record<string, unknown>>;
  readonly phones: Readonly<Record<string, unknown>>;
}

/** Where a node's read view stands in CHANGES. */
export interface ChangesPosition {
  /** Every record after this sequence reached the node's `onChange` (or will); earlier may not. */
  readonly liveAfter: number;
  /** The stream's last sequence as the node last saw it. */
  readonly known: number;
}

/** A connected cluster member. */
export interface NatsCluster {
  readonly nodeId: string;
  /** Creates streams and buckets idempotently (also done by `start`); returns the schema version. */
  init(): Promise<number>;
  /**
   * Starts membership, leases, the owner processors, the read view (snapshots, then CHANGES),
   * the journal projection from `journalFromSeq`, commands, config watch and the webhook consumer.
   * Resolves once the read view has caught up.
   */
  start(handlers: ClusterHandlers, options: { readonly journalFromSeq: number }): Promise<void>;
  /**
   * Publishes one input of a phone's line to EVENTS; resolves after the stream's ack; rejects
   * with ClusterUnavailableError when no ack came within `ackTimeoutMs`.
   */
  publishInput(phoneId: string, input: LineInput, receivedAt: number): Promise<void>;
  /** Sends a command to the phone's owner and waits for its answer (ClusterUnavailableError on timeout). */
  command(command: ClusterCommand, timeoutMs?: number): Promise<ClusterCommandResult>;
  /** Line snapshots as this node's read view holds them. */
  lines(): ReadonlyMap<string, LineState>;
  /** Where this node's read view stands in CHANGES (the SSE ids of cluster mode build on it). */
  changesPosition(): ChangesPosition;
  /**
   * The CHANGES records after `afterSeq` up to `toSeq` (inclusive), at most `limit` of them, for
   * an SSE reader whose position this node's buffer no longer (or never) held. Throws
   * ClusterUnavailableError when the stream cannot be read.
   */
  readChanges(afterSeq: number, toSeq: number, limit: number): Promise<readonly DeliveredChange[]>;
  /** Shared config: read, and update with CAS (retried on conflict). */
  readConfig(): SharedConfigDocument;
  updateConfig(
    change: (doc: SharedConfigDocument) => SharedConfigDocument,
  ): Promise<SharedConfigDocument>;
  /**
   * Seeds the shared config from this daemon's local config unless the cluster was seeded
   * before (existing keys win); true when this call seeded it. The first daemon calls it.
   */
  seedConfig(local: {
    readonly sections: Readonly<Record<string, unknown>>;
    readonly phones: Readonly<Record<string, unknown>>;
  }): Promise<boolean>;
  /**
   * Loads the shared config (once per member; `start` reuses the load) and calls `listener`
   * with the whole document after every later change, any daemon's (this one's too). Resolves
   * with the loaded document. Needed before `start`: the daemon builds itself on the config.
   */
  watchConfig(listener: (config: SharedConfigDocument) => void): Promise<SharedConfigDocument>;
  /** Whether this node owns the phone's partition right now (and is not fenced). */
  owns(phoneId: string): boolean;
  /**
   * The last published health of every phone as this node's read view holds it (loaded at
   * `start`, then kept from CHANGES); phones never checked are absent.
   */
  health(): ReadonlyMap<string, PhoneHealthRecord>;
  /**
   * The owner's changed health check result: stored (the next owner and a starting daemon begin
   * with it) and published to CHANGES as a health record, with a `line-status` event when
   * `statusChanged`. Resolves false, writing nothing, when this node does not own the phone (or
   * is fenced); rejects when NATS does not store it.
   */
  publishHealth(
    phoneId: string,
    health: PhoneHealthRecord,
    statusChanged: boolean,
  ): Promise<boolean>;
  status(): ClusterStatus;
  /** Planned leave: releases leases (next owner claims in well under a second), then disconnects. */
  close(): Promise<void>;
}

import type { ActionEvent, LineModel } from '@snomlink/core';
import type { ClusterStatus } from '@snomlink/cluster-nats';
import type { PhoneHealth } from '../api/schemas.js';
import type { EventBufferOptions } from '../events/event-buffer.js';
import type { WebhookDispatcher } from '../events/webhooks.js';
import type { Journal } from '../journal/journal.js';

// The daemon's seams for what cluster mode replaces. The local implementation
// (local-backbone.ts) is today's in-process wiring and the default; cluster mode
// (../cluster/cluster-backbone.ts) puts a NATS JetStream cluster behind the same shapes, so
// createDaemon reads the same in both modes. See docs/cluster.md.

/** Ingress: where line inputs go before they change a line. */
export interface Ingress {
  /**
   * Awaited before a phone gets its 200 (cluster: the stream's ack); `undefined`: the phone is
   * answered at once (local).
   */
  readonly admit: ((event: ActionEvent) => Promise<void>) | undefined;
  /** An Action URL event after its 200 (local: into the line model; cluster: already stored). */
  accepted(event: ActionEvent): void;
  /** An event from elsewhere (a log scan): local into the line model, cluster into the stream. */
  submit(event: ActionEvent): void;
}

/** Ownership: which phones this daemon acts for (log scans, health checks, phone commands). */
export interface Ownership {
  /** Local: every phone. Cluster: the phones of the partitions this daemon leases. */
  owns(phoneId: string): boolean;
  /** Called after the owned set changed (not for the local backbone, whose set never does). */
  onChange(listener: () => void): () => void;
}

/**
 * Line store: the line model the API, SSE, TAPI and metrics read. Local: core's model, driven
 * by the ingress. Cluster: a replica of the owners' snapshots fed by the change feed, whose
 * `applyDirectoryName` and `setForwardingTarget` go to the stream like any other input.
 */
export type LineStore = LineModel;

/**
 * Change feed: where the hub's call and presence changes come from, and who sends finished
 * calls to the journal and changes to the webhooks.
 */
export interface ChangeFeed {
  /**
   * True: the hub's own `call-finished` go to the journal and its events to the webhooks
   * (local). False: the journal log and the shared webhook consumer supply them (cluster, so
   * each call is journalled from the stream and each webhook sent once cluster-wide).
   */
  readonly fanOutFromHub: boolean;
  /**
   * Starts what drives the lines (local: ticks; cluster: leases, the read view, the journal log
   * and the webhook consumer, resolving once the read view caught up).
   */
  start(sinks: ChangeSinks): Promise<void>;
  /** Stops it. */
  stop(): Promise<void>;
}

/** Where the change feed delivers when the hub does not (cluster mode). */
export interface ChangeSinks {
  readonly journal: Pick<Journal, 'record' | 'position'>;
  readonly webhooks: Pick<WebhookDispatcher, 'handle'>;
}

/** Command bus: a phone command runs once, on the daemon that owns the phone. */
export interface CommandBus {
  /** Runs `name` for the phone: here when this daemon owns it (local: always), else at its owner. */
  run: (phoneId: string, name: string, args: unknown) => Promise<unknown>;
  /** Registers the local handler of a command name (what the owner runs). */
  handle: (name: string, handler: (phoneId: string, args: unknown) => Promise<unknown>) => void;
}

/**
 * Shared health (cluster mode): the owner of a phone checks it and publishes each changed result;
 * every daemon shows the published health, so all show the same. Local mode has none: every
 * phone is checked here and shown as checked.
 */
export interface SharedHealth {
  /**
   * The owner's changed result, to CHANGES (with a `line-status` event when `statusChanged`).
   * Never rejects: false when it was not stored (not the owner any more, NATS away; logged).
   */
  publish(phoneId: string, health: PhoneHealth, statusChanged: boolean): Promise<boolean>;
  /**
   * Called with every published health on every daemon, and once the change feed started with
   * the last published health of each phone. Returns the unsubscribe function.
   */
  onHealth(listener: (phoneId: string, health: PhoneHealth) => void): () => void;
}

/** The seams a daemon runs on. */
export interface Backbone {
  /** `local` (one process, the default) or `cluster`. */
  readonly mode: 'local' | 'cluster';
  readonly ingress: Ingress;
  readonly ownership: Ownership;
  readonly lines: LineStore;
  readonly changes: ChangeFeed;
  readonly commands: CommandBus;
  /** Cluster mode: phone health checked at the owner and shown everywhere; local: absent. */
  readonly health?: SharedHealth;
  /**
   * How SSE events are numbered and replayed. Local: absent (a counter from the start time).
   * Cluster: from the CHANGES stream, the same id on every daemon (docs/cluster.md "SSE ids").
   */
  readonly sseIds?: Pick<EventBufferOptions, 'streamIds' | 'replay'>;
  /** The cluster's state for `GET /api/cluster` and the metrics; null when running alone. */
  clusterStatus(): ClusterStatus | null;
}

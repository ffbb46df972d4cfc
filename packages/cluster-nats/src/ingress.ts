import type { JetStreamClient } from '@nats-io/jetstream';
import { partitionOf, type LineInput } from '@snomlink/core';
import type { StoredInput } from './cluster-types.js';
import { ClusterError, ClusterUnavailableError } from './errors.js';
import { encodeJson } from './line-snapshots.js';
import type { ClusterNames } from './names.js';
import { isClusterPhoneId } from './stored-input.js';

/** Default time ingress waits for the stream's ack before refusing. */
export const DEFAULT_ACK_TIMEOUT_MS = 2_000;

/** Attempts of one publish that meets "no responders" (the overall deadline still applies). */
const NO_RESPONDER_RETRIES = 20;

/** Options of {@link createIngress}. */
export interface IngressOptions {
  /** JetStream client of an already connected NatsConnection. */
  readonly js: JetStreamClient;
  readonly names: ClusterNames;
  /** This node's id (stored in each input as `via`, for diagnostics). */
  readonly nodeId: string;
  /** How long to wait for the stream's ack (default 2 000 ms). */
  readonly ackTimeoutMs?: number;
  /** Partition count (default core's 64). */
  readonly partitions?: number;
}

/** Publishes line inputs to the EVENTS stream; a resolved promise means the input is durable. */
export interface Ingress {
  /**
   * Publishes one input of a phone's line; resolves with its EVENTS sequence once the stream
   * acknowledged it; rejects with ClusterUnavailableError when no ack came within the timeout
   * (the caller answers 503, never 200), with ClusterError for an unusable phone id.
   */
  publishInput(phoneId: string, input: LineInput, receivedAt: number): Promise<number>;
  /** Inputs refused because no ack came in time. */
  refused(): number;
}

/** Creates the ingress on an already connected JetStream client. */
export function createIngress(options: IngressOptions): Ingress {
  const timeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
  let refused = 0;

  async function publishWithin(subject: string, body: Uint8Array): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      // The client's own timeout covers a connected server; this one also covers a client that
      // is reconnecting and holds the request in its buffer.
      timer = setTimeout(() => {
        reject(new Error(`no ack within ${String(timeoutMs)} ms`));
      }, timeoutMs);
    });
    try {
      const ack = await Promise.race([
        // `retries`: while a stream elects a new leader (a nats-server died) a publish gets "no
        // responders" at once; the client retries it with backoff, within our deadline.
        options.js.publish(subject, body, { timeout: timeoutMs, retries: NO_RESPONDER_RETRIES }),
        expired,
      ]);
      return ack.seq;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async publishInput(phoneId, input, receivedAt) {
      if (!isClusterPhoneId(phoneId)) {
        throw new ClusterError(
          `phone id "${phoneId.slice(0, 80)}" cannot be used in cluster mode: use 1-64 letters, digits, "-" or "_"`,
        );
      }
      const partition = partitionOf(phoneId, options.partitions);
      const stored: StoredInput = { phoneId, input, receivedAt, via: options.nodeId };
      try {
        return await publishWithin(
          options.names.eventSubject(partition, phoneId),
          encodeJson(stored),
        );
      } catch (cause) {
        refused++;
        throw new ClusterUnavailableError(
          `NATS did not store the event of phone ${phoneId} within ${String(timeoutMs)} ms; refusing it (check the NATS servers)`,
          { cause },
        );
      }
    },
    refused: () => refused,
  };
}

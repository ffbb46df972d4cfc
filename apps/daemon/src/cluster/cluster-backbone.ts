import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { hasErrorName } from '@snomlink/core';
import type { EventHub, LineInput, SnomlinkEvent } from '@snomlink/core';
import type {
  ClusterCommandResult,
  ClusterHandlers,
  ClusterStatus,
  NatsCluster,
} from '@snomlink/cluster-nats';
import type { Backbone, ChangeSinks } from '../backbone/backbone-types.js';
import { createLocalCommandBus } from '../backbone/local-backbone.js';
import { ApiError } from '../errors.js';
import { createStreamEventIds } from '../events/stream-event-ids.js';
import { createClusterHealth } from './cluster-health.js';
import { createReplicaLineModel, isHealthRecord } from './replica-line-model.js';
import { createStreamReplay } from './stream-replay.js';

/** Options of {@link createClusterBackbone}. */
export interface ClusterBackboneOptions {
  /** A connected cluster member (`connectCluster`, loaded by dynamic import in cluster mode). */
  readonly cluster: NatsCluster;
  readonly hub: EventHub<SnomlinkEvent>;
  readonly logger: Logger;
  /** How long a command routed to another daemon may take (default 10 000 ms). */
  readonly commandTimeoutMs?: number;
}

/** The cluster backbone, with the cluster's state for `GET /api/cluster` and the metrics. */
export interface ClusterBackbone extends Backbone {
  readonly mode: 'cluster';
  status(): ClusterStatus;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const API_STATUSES: ReadonlySet<number> = new Set([
  400, 401, 403, 404, 409, 422, 500, 501, 502, 503, 504,
]);

/** The owner's refusal as the API error this daemon answers with (unknown statuses: 502). */
function ownerError(status: number, detail: string): ApiError {
  const known = API_STATUSES.has(status) ? (status as ApiError['status']) : 502;
  return new ApiError(known, 'cluster-command-failed', detail);
}

/**
 * Cluster mode behind the daemon's seams: phones get their 200 after the stream's ack, every
 * input goes to the stream, the line store is a replica fed by the change records, the journal
 * and the webhooks are fed by the cluster (each call journalled from the stream, each webhook
 * sent once cluster-wide), commands run at the phone's owner, and health checks, log scans and
 * phone commands only for owned phones (the owner's health results reach every daemon through
 * CHANGES).
 */
export function createClusterBackbone(options: ClusterBackboneOptions): ClusterBackbone {
  const { cluster, hub, logger } = options;
  const ownershipListeners = new Set<() => void>();
  const commands = createLocalCommandBus();

  const publish = (phoneId: string, input: LineInput, receivedAt: number): void => {
    cluster.publishInput(phoneId, input, receivedAt).catch((error: unknown) => {
      logger.error(
        { err: error, phoneId, kind: typeof input === 'object' ? input.kind : 'unknown' },
        'CLUSTER UNAVAILABLE: an input could not be stored in the stream and is lost',
      );
    });
  };
  const lines = createReplicaLineModel({
    hub,
    publish: (phoneId, input) => {
      publish(phoneId, input, Date.now());
    },
  });

  const health = createClusterHealth({ cluster, logger });

  // SSE ids from CHANGES: a record's events are numbered while the replica publishes them.
  const streamIds = createStreamEventIds(() => cluster.changesPosition());

  const ownershipChanged = (what: string, partitions: readonly number[]): void => {
    logger.info({ partitions }, `cluster partitions ${what}`);
    for (const listener of ownershipListeners) {
      try {
        listener();
      } catch (error) {
        logger.error({ err: error }, 'reacting to an ownership change failed');
      }
    }
  };

  const handlers = (sinks: ChangeSinks): ClusterHandlers => ({
    onPartitionsGained: (partitions) => {
      ownershipChanged('gained', partitions);
    },
    onPartitionsLost: (partitions) => {
      ownershipChanged('lost', partitions);
    },
    onChange: ({ seq, record }) => {
      streamIds.inRecord(seq, () => {
        lines.applyRecord(record);
      });
      if (isHealthRecord(record)) health.published(record.phoneId);
    },
    onJournalEntry: ({ seq, call }) => {
      // INSERT OR IGNORE on (phone, call, start): a replayed entry is journalled once. The
      // sequence is stored with the row, so the next start resumes after it.
      sinks.journal.record(call, seq);
    },
    onCommand: async (command): Promise<ClusterCommandResult> => {
      try {
        return {
          ok: true,
          value: await commands.runHere(command.phoneId, command.name, command.args),
        };
      } catch (error) {
        const status = error instanceof ApiError ? error.status : 500;
        return { ok: false, status, error: errorText(error) };
      }
    },
    // The shared config reaches the daemon through its config store (cluster-config-store.ts).
    onWebhookChange: ({ record }) => {
      for (const change of record.changes) sinks.webhooks.handle(change);
      for (const change of record.presenceChanges) sinks.webhooks.handle(change);
      if (record.lineStatus !== undefined) sinks.webhooks.handle(record.lineStatus);
      return Promise.resolve();
    },
  });

  return {
    mode: 'cluster',
    ingress: {
      admit: (event) => cluster.publishInput(event.phoneId, event, event.receivedAt),
      accepted(event) {
        // Stored already (admit); the line changes when the owner's record comes back.
        hub.publish({ type: 'action-event', event });
      },
      submit(event) {
        hub.publish({ type: 'action-event', event });
        publish(event.phoneId, event, event.receivedAt);
      },
    },
    ownership: {
      owns: (phoneId) => cluster.owns(phoneId),
      onChange(listener) {
        ownershipListeners.add(listener);
        return () => ownershipListeners.delete(listener);
      },
    },
    lines,
    health: health.seam,
    sseIds: {
      streamIds,
      replay: createStreamReplay((afterSeq, toSeq, limit) =>
        cluster.readChanges(afterSeq, toSeq, limit),
      ),
    },
    changes: {
      fanOutFromHub: false,
      async start(sinks) {
        // The journal projection resumes after the last JOURNAL sequence it stored (a new or
        // lost data dir: 0, so it rebuilds from the first).
        await cluster.start(handlers(sinks), { journalFromSeq: sinks.journal.position() + 1 });
        lines.load(cluster.lines());
        health.loaded();
      },
      stop: () => cluster.close(),
    },
    commands: {
      handle: commands.handle,
      async run(phoneId, name, args) {
        if (cluster.owns(phoneId)) return commands.runHere(phoneId, name, args);
        let result: ClusterCommandResult;
        try {
          result = await cluster.command(
            { id: randomUUID(), phoneId, name, args },
            options.commandTimeoutMs ?? 10_000,
          );
        } catch (error) {
          if (hasErrorName(error, ['ClusterUnavailableError'])) {
            throw new ApiError(
              503,
              'cluster-unavailable',
              `the phone's owner did not answer: ${errorText(error)}`,
            );
          }
          throw error;
        }
        if (result.ok) return result.value;
        throw ownerError(result.status, result.error);
      },
    },
    status: () => cluster.status(),
    clusterStatus: () => cluster.status(),
  };
}

import type { DeliveredChange } from '@snomlink/cluster-nats';
import type { BufferedEvent } from '../events/event-buffer.js';
import { sseMessageOf } from '../events/sse-message.js';
import { seqOfEventId, streamEventId } from '../events/stream-event-ids.js';
import { recordEvents } from './replica-line-model.js';

/** At most this many CHANGES records are read back for one resuming reader (then: resync). */
export const MAX_REPLAY_RECORDS = 20_000;

/**
 * The SSE events of CHANGES records with the ids every daemon gave them live (a record's events
 * in slots 0, 1, … in the order the replica publishes them), keeping those after `afterId` up to
 * `toId`. Pure.
 */
export function replayedEvents(
  changes: readonly DeliveredChange[],
  afterId: number,
  toId: number,
): BufferedEvent[] {
  const events: BufferedEvent[] = [];
  for (const { seq, record } of changes) {
    recordEvents(record).forEach((hubEvent, slot) => {
      const id = streamEventId(seq, slot);
      if (id <= afterId || id > toId) return;
      const message = sseMessageOf(hubEvent);
      events.push({ id, event: message.event, data: JSON.stringify(message.payload) });
    });
  }
  return events;
}

/** What {@link createStreamReplay} reads CHANGES with (NatsCluster.readChanges). */
export type ReadChanges = (
  afterSeq: number,
  toSeq: number,
  limit: number,
) => Promise<readonly DeliveredChange[]>;

/**
 * The event buffer's `replay` in cluster mode: the events after a reader's id up to the buffer's
 * floor, read back from CHANGES (the stream keeps its messages), so a reader older than this
 * daemon's buffer (it came from a daemon that started earlier, or was away long) gets no gap and
 * no repeat. Beyond {@link MAX_REPLAY_RECORDS} records, or when CHANGES cannot be read, the
 * reader is told why and resyncs.
 */
export function createStreamReplay(
  readChanges: ReadChanges,
  maxRecords = MAX_REPLAY_RECORDS,
): (afterId: number, toId: number) => Promise<readonly BufferedEvent[] | string> {
  return async (afterId, toId) => {
    // The reader's own record is read too: it may have stopped in the middle of it.
    const fromSeq = seqOfEventId(afterId);
    const toSeq = seqOfEventId(toId);
    if (toSeq - fromSeq + 1 > maxRecords) {
      return `the reader is ${String(toSeq - fromSeq)} changes behind (more than ${String(maxRecords)} are not replayed)`;
    }
    try {
      const changes = await readChanges(fromSeq - 1, toSeq, maxRecords);
      return replayedEvents(changes, afterId, toId);
    } catch (error) {
      return `the changes after the reader’s id could not be read (${(error as Error).message})`;
    }
  };
}

import { jetstream, jetstreamManager, DiscardPolicy } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ClusterNames } from '../names.js';

// Test helper (not exported): creates the streams and the `lines` bucket the log modules use,
// shaped as in CLUSTER.md, until the composition root's `init` exists for these tests to call.

/** Handles the log modules' tests need. */
export interface LogStreams {
  readonly lines: KV;
}

const NANOS_PER_MS = 1_000_000;

/** Creates EVENTS, CHANGES, JOURNAL (one message per subject, forever) and the `lines` bucket. */
export async function createLogStreams(
  nc: NatsConnection,
  names: ClusterNames,
  duplicateWindowMs = 120_000,
): Promise<LogStreams> {
  const jsm = await jetstreamManager(nc);
  const prefix = names.eventSubject(0, 'x').split('.')[0] ?? 'snomlink';
  const window = duplicateWindowMs * NANOS_PER_MS;
  await jsm.streams.add({ name: names.eventsStream, subjects: [`${prefix}.ev.>`] });
  await jsm.streams.add({
    name: names.changesStream,
    subjects: [`${prefix}.ch.>`],
    duplicate_window: window,
  });
  await jsm.streams.add({
    name: names.journalStream,
    subjects: [`${prefix}.jr.>`],
    duplicate_window: window,
    max_msgs_per_subject: 1,
    discard: DiscardPolicy.New,
    discard_new_per_subject: true,
  });
  const lines = await new Kvm(jetstream(nc)).create(names.buckets.lines, { history: 1 });
  return { lines };
}

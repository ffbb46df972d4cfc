import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { partitionOf } from '@snomlink/core';
import { checkpointKey, lineKey } from '../line-snapshots.js';
import { clusterNames } from '../names.js';

/** Options of {@link traceCall}. */
export interface TraceCallOptions {
  readonly servers: readonly string[];
  readonly phoneId: string;
  /** SIP Call-ID of the call to follow. */
  readonly callId: string;
  readonly prefix?: string;
  /** Stream messages read per stream at most (default 5 000). */
  readonly limit?: number;
}

const decoder = new TextDecoder();

function text(data: Uint8Array): string {
  return decoder.decode(data);
}

/**
 * Where one call went in the cluster's streams, as lines of text: the phone's EVENTS inputs
 * that mention the call (sequence, receiving node, input), the CHANGES records of the phone for
 * those inputs, the JOURNAL messages of the phone that name the call, the line's snapshot and
 * the partition's checkpoint. For the acceptance tests: when a call answered 200 is missing
 * from every journal, this says whether it was stored, reduced, journalled or skipped.
 */
export async function traceCall(options: TraceCallOptions): Promise<string[]> {
  const names = clusterNames(options.prefix);
  const partition = partitionOf(options.phoneId);
  const limit = options.limit ?? 5_000;
  const out: string[] = [];
  const nc = await connect({ servers: [...options.servers], timeout: 5_000 });
  try {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const read = async (stream: string, subject: string): Promise<[number, string, string][]> => {
      const info = await jsm.streams.info(stream, { subjects_filter: subject }).catch(() => null);
      const found: [number, string, string][] = [];
      if (info === null || info.state.messages === 0) return found;
      const consumer = await js.consumers.get(stream, { filter_subjects: subject });
      const messages = await consumer.fetch({ max_messages: limit, expires: 3_000 });
      for await (const m of messages) {
        found.push([m.seq, m.subject, text(m.data)]);
        if (m.info.pending === 0) break;
      }
      return found;
    };
    const events = await read(names.eventsStream, names.eventSubject(partition, options.phoneId));
    const mine = events.filter(([, , body]) => body.includes(options.callId));
    out.push(
      `trace ${options.callId} (${options.phoneId}, partition ${String(partition)}): ${String(events.length)} inputs of the phone, ${String(mine.length)} name the call`,
    );
    const seqs = new Set(mine.map(([seq]) => seq));
    for (const [seq, , body] of mine) out.push(`  EVENTS #${String(seq)} ${body.slice(0, 300)}`);
    const changes = await read(
      names.changesStream,
      names.changeSubject(partition, options.phoneId),
    );
    for (const [seq, , body] of changes) {
      const eventSeq = /"eventSeq":(\d+)/.exec(body)?.[1];
      if (body.includes(options.callId) || (eventSeq !== undefined && seqs.has(Number(eventSeq)))) {
        out.push(`  CHANGES #${String(seq)} eventSeq ${String(eventSeq)} ${body.slice(0, 300)}`);
      }
    }
    const journal = await read(names.journalStream, names.journalSubject(options.phoneId, '*'));
    const journalled = journal.filter(([, , body]) => body.includes(options.callId));
    out.push(`  JOURNAL: ${String(journalled.length)} message(s) name the call`);
    for (const [seq, subject, body] of journalled) {
      out.push(`  JOURNAL #${String(seq)} ${subject} ${body.slice(0, 200)}`);
    }
    const lines = await new Kvm(nc).open(names.buckets.lines);
    const snapshot = await lines.get(lineKey(partition, options.phoneId));
    out.push(
      `  snapshot rev ${String(snapshot?.revision)} ${snapshot === null ? 'none' : text(snapshot.value).slice(0, 400)}`,
    );
    const ckpt = await lines.get(checkpointKey(partition));
    out.push(
      `  checkpoint rev ${String(ckpt?.revision)} ${ckpt === null ? 'none' : text(ckpt.value)}`,
    );
  } catch (error) {
    out.push(`  trace failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await nc.close();
  }
  return out;
}

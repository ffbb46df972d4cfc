import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  partitionOf,
  type ActionEvent,
  type FinishedCall,
  type LineReducerOptions,
} from '@snomlink/core';
import type { ChangeRecord, LineSnapshot } from '../cluster-types.js';
import type { Ingress } from '../ingress.js';
import type { ClusterNames } from '../names.js';
import { applyStoredInput, emptySnapshot } from '../reduce-step.js';
import { lastToken, parseStoredInput } from '../stored-input.js';

// Test helpers (not exported): phones of one partition, scripted calls, stream contents, and the
// pure fold of the EVENTS log that every owner's outputs must equal.

/** `count` phone ids (`<stem>-<n>`) that all fall in `partition`. */
export function phonesOfPartition(partition: number, count: number, stem = 'ph'): string[] {
  const ids: string[] = [];
  for (let n = 0; ids.length < count; n++) {
    const id = `${stem}-${String(n)}`;
    if (partitionOf(id) === partition) ids.push(id);
  }
  return ids;
}

function event(
  phoneId: string,
  kind: ActionEvent['kind'],
  receivedAt: number,
  params: ActionEvent['params'],
): ActionEvent {
  return { phoneId, kind, source: 'action-url', receivedAt, params };
}

/** One complete inbound call: incoming, connected, disconnected, onhook (four inputs). */
export function callInputs(phoneId: string, callId: string, at: number): ActionEvent[] {
  const p = { callId, remote: 'sip:200@pbx', displayRemote: 'Anna' };
  return [
    event(phoneId, 'incoming', at, { ...p, nrOngoingCalls: 1 }),
    event(phoneId, 'connected', at + 1_000, { ...p, nrOngoingCalls: 1 }),
    event(phoneId, 'disconnected', at + 5_000, { ...p, nrOngoingCalls: 0 }),
    event(phoneId, 'onhook', at + 5_100, { nrOngoingCalls: 0 }),
  ];
}

/** A stream message as the tests look at it. */
export interface StreamMessage {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
}

/** Every message of a stream, in order (small test streams only). */
export async function readStream(nc: NatsConnection, stream: string): Promise<StreamMessage[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const out: StreamMessage[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (m !== null) out.push({ seq: m.seq, subject: m.subject, data: m.data });
  }
  return out;
}

/** JSON of a stream message. */
export function json(m: StreamMessage): unknown {
  return JSON.parse(new TextDecoder().decode(m.data));
}

/** The outputs the EVENTS log determines for `partition`: records and finished calls, in order. */
export interface ExpectedOutputs {
  readonly records: ChangeRecord[];
  readonly finished: FinishedCall[];
  readonly snapshots: Map<string, LineSnapshot>;
}

/** Folds the EVENTS log of one partition with the reducer: what every owner must publish. */
export async function foldEvents(
  nc: NatsConnection,
  names: ClusterNames,
  partition: number,
  reducerOptions: LineReducerOptions = {},
): Promise<ExpectedOutputs> {
  const snapshots = new Map<string, LineSnapshot>();
  const records: ChangeRecord[] = [];
  const finished: FinishedCall[] = [];
  for (const m of await readStream(nc, names.eventsStream)) {
    const phoneId = lastToken(m.subject);
    if (partitionOf(phoneId) !== partition) continue;
    const stored = parseStoredInput(m.data, phoneId);
    if (stored === null) continue;
    const step = applyStoredInput(
      snapshots.get(phoneId) ?? emptySnapshot(phoneId),
      stored,
      m.seq,
      reducerOptions,
    );
    if (step === null) continue;
    snapshots.set(phoneId, step.snapshot);
    if (step.record !== null) records.push(step.record);
    finished.push(...step.finished);
  }
  return { records, finished, snapshots };
}

/** Publishes inputs in order through ingress, returning their sequences. */
export async function publishAll(
  ingress: Pick<Ingress, 'publishInput'>,
  inputs: readonly ActionEvent[],
): Promise<number[]> {
  const seqs: number[] = [];
  for (const input of inputs) {
    seqs.push(await ingress.publishInput(input.phoneId, input, input.receivedAt));
  }
  return seqs;
}

/** Interleaves several phones' input lists (round robin), as phones would send them. */
export function interleave<T>(lists: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) for (const l of lists) if (i < l.length) out.push(l[i]!);
  return out;
}

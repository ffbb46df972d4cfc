import { describe, expect, it } from 'vitest';
import type { ChangeRecord, DeliveredChange } from '@snomlink/cluster-nats';
import { finishedCall } from '../testing/fixtures.js';
import { streamEventId } from '../events/stream-event-ids.js';
import { createStreamReplay, replayedEvents } from './stream-replay.js';

function finishing(seq: number, eventSeq: number): DeliveredChange {
  const call = { ...finishedCall(), id: `c${String(seq)}` };
  const record = {
    phoneId: call.phoneId,
    eventSeq,
    changes: [
      { type: 'call-state', call, previousState: 'connected' },
      { type: 'call-finished', call },
    ],
    presenceChanges: [],
    state: { phoneId: call.phoneId },
  } as unknown as ChangeRecord;
  return { seq, record };
}

describe('replay from CHANGES', () => {
  it('gives each record’s events the ids of the live stream, after the reader’s id', () => {
    const events = replayedEvents(
      [finishing(3, 1), finishing(4, 2)],
      streamEventId(3, 0),
      streamEventId(4, 9_999),
    );
    expect(events.map((e) => [e.id, (JSON.parse(e.data) as { type: string }).type])).toEqual([
      [streamEventId(3, 1), 'call-finished'],
      [streamEventId(4, 0), 'call-state'],
      [streamEventId(4, 1), 'call-finished'],
    ]);
  });

  it('reads from the reader’s own record, and refuses beyond its bound', async () => {
    const asked: number[][] = [];
    const replay = createStreamReplay((after, to, limit) => {
      asked.push([after, to, limit]);
      return Promise.resolve([finishing(3, 1), finishing(4, 2)]);
    }, 10);
    const events = await replay(streamEventId(3, 1), streamEventId(4, 9_999));
    expect(asked).toEqual([[2, 4, 10]]);
    expect(typeof events === 'string' ? events : events.map((e) => e.id)).toEqual([
      streamEventId(4, 0),
      streamEventId(4, 1),
    ]);
    expect(await replay(streamEventId(3, 0), streamEventId(40, 0))).toMatch(/not replayed/);
  });

  it('says why when CHANGES cannot be read', async () => {
    const replay = createStreamReplay(() => Promise.reject(new Error('no responders')));
    expect(await replay(streamEventId(3, 0), streamEventId(4, 0))).toMatch(/no responders/);
  });
});

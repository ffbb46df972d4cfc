import { describe, expect, it } from 'vitest';
import { createEventBuffer } from './event-buffer.js';
import { createStreamEventIds, streamEventId, type StreamPosition } from './stream-event-ids.js';

// Cluster mode: ids from the CHANGES stream, the same for an event on every daemon.

function clusterBuffer(position: { liveAfter: number; known: number }, capacity = 100) {
  const ids = createStreamEventIds((): StreamPosition => position);
  const buffer = createEventBuffer({ capacity, streamIds: ids });
  /** Applies record `seq` with `count` events, as the replica does. */
  const record = (seq: number, count: number): void => {
    position.known = Math.max(position.known, seq);
    ids.inRecord(seq, () => {
      for (let i = 0; i < count; i++) buffer.push('call', { seq, i });
    });
  };
  return { buffer, record };
}

describe('SSE event buffer in cluster mode', () => {
  it('numbers a record’s events sequence × 10 000 + slot, and local events after them', () => {
    const { buffer, record } = clusterBuffer({ liveAfter: 0, known: 0 });
    record(5, 2);
    buffer.push('action-event', { local: 1 });
    record(9, 1);
    const ids = buffer.recent(10).map((e) => e.id);
    expect(ids).toEqual([50_000, 50_001, 50_100, 90_000]);
  });

  it('gives two daemons the same ids for the same records, whatever else each buffered', () => {
    const a = clusterBuffer({ liveAfter: 0, known: 0 });
    const b = clusterBuffer({ liveAfter: 0, known: 0 });
    a.record(1, 2);
    a.buffer.push('action-event', {}); // only daemon A received this phone event
    a.record(2, 1);
    b.record(1, 2);
    b.record(2, 1);
    const calls = (buffer: typeof a.buffer): number[] =>
      buffer.recent(10, ['call']).map((e) => e.id);
    expect(calls(a.buffer)).toEqual(calls(b.buffer));
    // A reader of A resumes on B after the first record: exactly the second.
    const resume = b.buffer.since(streamEventId(1, 1));
    expect(resume.ok && resume.events.map((e) => e.id)).toEqual([streamEventId(2, 0)]);
    // … and after A's local event (slot 100): the same.
    const afterLocal = b.buffer.since(streamEventId(1, 100));
    expect(afterLocal.ok && afterLocal.events.map((e) => e.id)).toEqual([streamEventId(2, 0)]);
  });

  it('accepts a reader ahead of this daemon (up to the stream’s known end), with nothing to send yet', () => {
    const { buffer, record } = clusterBuffer({ liveAfter: 0, known: 0 });
    record(1, 1);
    expect(buffer.since(streamEventId(1, 0))).toEqual({ ok: true, events: [] });
    expect(buffer.since(streamEventId(3, 0)).ok).toBe(false);
  });

  it('waits for a daemon still catching up with a reader ahead of it, then serves the rest', async () => {
    const position = { liveAfter: 0, known: 0 };
    const ids = createStreamEventIds((): StreamPosition => position);
    const buffer = createEventBuffer({ capacity: 100, streamIds: ids, aheadWaitMs: 5_000 });
    const record = (seq: number): void => {
      position.known = Math.max(position.known, seq);
      ids.inRecord(seq, () => buffer.push('call', { seq }));
    };
    record(1);
    // The reader saw records up to 3 on another daemon; this one has only seen 1 so far.
    const resuming = buffer.resume(streamEventId(3, 0));
    setTimeout(() => {
      record(2);
      record(3);
      record(4);
    }, 150);
    const result = await resuming;
    expect(result.ok && result.events.map((e) => e.id)).toEqual([streamEventId(4, 0)]);
  });

  it('answers resync for an id this cluster never reaches, after the bounded wait', async () => {
    const position = { liveAfter: 0, known: 0 };
    const ids = createStreamEventIds((): StreamPosition => position);
    const buffer = createEventBuffer({ capacity: 100, streamIds: ids, aheadWaitMs: 200 });
    ids.inRecord(1, () => buffer.push('call', {}));
    const result = await buffer.resume(1_700_000_000_000); // a local-mode id (a time in ms)
    expect(result.ok).toBe(false);
  });

  it('refuses from the buffer a position before its read view went live, naming the floor', () => {
    const { buffer, record } = clusterBuffer({ liveAfter: 4, known: 4 });
    record(3, 1); // a look-back record: this daemon may have skipped others up to 4
    record(5, 1);
    const resume = buffer.since(streamEventId(3, 0));
    expect(resume).toMatchObject({ ok: false, floorId: streamEventId(4, 9_999) });
    expect(buffer.since(streamEventId(4, 9_999)).ok).toBe(true);
    expect(buffer.lastId).toBe(streamEventId(5, 0));
  });

  it('raises the floor to the last evicted event', () => {
    const { buffer, record } = clusterBuffer({ liveAfter: 0, known: 0 }, 2);
    record(1, 1);
    record(2, 1);
    record(3, 1);
    expect(buffer.since(streamEventId(1, 0))).toEqual({
      ok: true,
      events: buffer.recent(2),
    });
    expect(buffer.since(streamEventId(0, 9_999))).toMatchObject({
      ok: false,
      floorId: streamEventId(1, 0),
    });
  });

  it('resumes an old reader from the replay, then the buffer, with no repeat', async () => {
    const position = { liveAfter: 4, known: 4 };
    const ids = createStreamEventIds(() => position);
    const asked: [number, number][] = [];
    const buffer = createEventBuffer({
      streamIds: ids,
      replay: (after, to) => {
        asked.push([after, to]);
        return Promise.resolve([{ id: streamEventId(4, 0), event: 'call', data: '{}' }]);
      },
    });
    position.known = 5;
    ids.inRecord(5, () => buffer.push('call', {}));
    const resume = await buffer.resume(streamEventId(3, 0));
    expect(asked).toEqual([[streamEventId(3, 0), streamEventId(4, 9_999)]]);
    expect(resume.ok && resume.events.map((e) => e.id)).toEqual([
      streamEventId(4, 0),
      streamEventId(5, 0),
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { createEventBuffer } from './event-buffer.js';

describe('SSE event buffer', () => {
  it('hands events to subscribers with increasing ids', () => {
    const buffer = createEventBuffer({ firstId: 100 });
    const seen: number[] = [];
    buffer.subscribe((e) => seen.push(e.id));
    buffer.push('call', { a: 1 });
    buffer.push('line', { b: 2 });
    expect(seen).toEqual([100, 101]);
    expect(buffer.lastId).toBe(101);
  });

  it('encodes an event when it is first read, once, and not at all when nobody reads it', () => {
    const buffer = createEventBuffer({ firstId: 1 });
    let encoded = 0;
    const payload = (n: number) => ({
      toJSON: () => {
        encoded++;
        return { n };
      },
    });
    buffer.push('call', payload(1));
    buffer.push('call', payload(2));
    expect(encoded).toBe(0);
    const resumed = buffer.since(0);
    if (!resumed.ok) throw new Error(resumed.reason);
    expect(resumed.events.map((e) => e.data)).toEqual(['{"n":1}', '{"n":2}']);
    expect(buffer.recent(1)[0]?.data).toBe('{"n":2}');
    expect(encoded).toBe(2);
    // A connected reader reads each event as it is pushed: encoded then, and only then.
    const seen: string[] = [];
    buffer.subscribe((e) => seen.push(e.data));
    buffer.push('call', payload(3));
    expect(seen).toEqual(['{"n":3}']);
    expect(buffer.since(2)).toMatchObject({ ok: true, events: [{ id: 3, data: '{"n":3}' }] });
    expect(encoded).toBe(3);
  });

  it('resumes after Last-Event-ID with exactly the missed events', () => {
    const buffer = createEventBuffer({ firstId: 1, capacity: 10 });
    for (let i = 0; i < 5; i++) buffer.push('call', { i });
    const resume = buffer.since(2);
    expect(resume.ok).toBe(true);
    expect(resume.ok && resume.events.map((e) => JSON.parse(e.data) as { i: number })).toEqual([
      { i: 2 },
      { i: 3 },
      { i: 4 },
    ]);
    expect(buffer.since(5)).toEqual({ ok: true, events: [] });
  });

  it('tells a client that fell behind the ring to resync', () => {
    const buffer = createEventBuffer({ firstId: 1, capacity: 3 });
    for (let i = 0; i < 6; i++) buffer.push('call', { i });
    expect(buffer.size).toBe(3);
    expect(buffer.since(3).ok).toBe(true);
    const lost = buffer.since(1);
    expect(lost.ok).toBe(false);
    expect(!lost.ok && lost.reason).toMatch(/missed 2 events/);
  });

  it('tells a client with an id from an earlier or unknown run to resync', () => {
    const buffer = createEventBuffer({ firstId: 1000 });
    buffer.push('call', {});
    expect(buffer.since(10).ok).toBe(false);
    expect(buffer.since(5000).ok).toBe(false);
  });

  it('lists the latest events oldest first, filtered by name, across a wrapped ring', () => {
    const buffer = createEventBuffer({ firstId: 1, capacity: 5 });
    expect(buffer.recent(10)).toEqual([]);
    for (let i = 0; i < 8; i++) buffer.push(i % 2 === 0 ? 'call' : 'line', { i });
    expect(buffer.recent(10).map((e) => e.id)).toEqual([4, 5, 6, 7, 8]);
    expect(buffer.recent(2).map((e) => e.id)).toEqual([7, 8]);
    expect(buffer.recent(2, ['call']).map((e) => e.id)).toEqual([5, 7]);
    expect(buffer.recent(10, ['line', 'call']).map((e) => e.id)).toEqual([4, 5, 6, 7, 8]);
    expect(buffer.recent(10, ['action-event'])).toEqual([]);
    // Resuming from the newest listed id misses nothing and repeats nothing.
    const last = buffer.recent(1)[0]!.id;
    buffer.push('call', { i: 8 });
    const resume = buffer.since(last);
    expect(resume.ok && resume.events.map((e) => e.id)).toEqual([9]);
  });
});

/** One message of the SSE stream. */
export interface BufferedEvent {
  /** Increasing id (decimal string on the wire). */
  readonly id: number;
  /** SSE event name: `call`, `line`, `action-event`. */
  readonly event: string;
  /** JSON text of the payload. */
  readonly data: string;
}

/** Options of {@link createEventBuffer}. */
export interface EventBufferOptions {
  /** How many recent events are kept for reconnecting clients. Default 1000. */
  readonly capacity?: number;
  /**
   * First id. Default `Date.now()`, so ids of a later process are larger than any of an earlier
   * one and a client that resumes across a daemon restart is told to resync instead of
   * silently missing events.
   */
  readonly firstId?: number;
}

/** The result of {@link EventBuffer.since}. */
export type ResumeResult =
  | { readonly ok: true; readonly events: readonly BufferedEvent[] }
  | { readonly ok: false; readonly reason: string };

/** A ring buffer of recent SSE events with ids, plus live fan-out to connected clients. */
export interface EventBuffer {
  /** Appends an event and hands it to every subscriber; returns it with its id. */
  push(event: string, payload: unknown): BufferedEvent;
  /**
   * Events after `lastId`. `ok: false` when the client's id is older than the buffer reaches,
   * from an earlier process, or from the future: it must reload its lists.
   */
  since(lastId: number): ResumeResult;
  /**
   * The latest `limit` events still in the buffer, oldest first; with `names`, only events of
   * those names (the latest `limit` of them).
   */
  recent(limit: number, names?: readonly string[]): readonly BufferedEvent[];
  subscribe(listener: (event: BufferedEvent) => void): () => void;
  /** The id of the latest event, or `firstId - 1` when empty. */
  readonly lastId: number;
  readonly size: number;
  readonly subscriberCount: number;
}

/** Creates the SSE ring buffer. */
export function createEventBuffer(options: EventBufferOptions = {}): EventBuffer {
  const capacity = Math.max(1, options.capacity ?? 1000);
  const ring: (BufferedEvent | undefined)[] = new Array<BufferedEvent | undefined>(capacity);
  let start = 0;
  let size = 0;
  let nextId = options.firstId ?? Date.now();
  const firstId = nextId;
  const listeners = new Set<(event: BufferedEvent) => void>();

  const at = (index: number): BufferedEvent => {
    const value = ring[(start + index) % capacity];
    if (value === undefined) throw new Error('event buffer index out of range');
    return value;
  };

  return {
    push(event, payload) {
      const entry: BufferedEvent = { id: nextId++, event, data: JSON.stringify(payload) };
      if (size < capacity) {
        ring[(start + size) % capacity] = entry;
        size++;
      } else {
        ring[start] = entry;
        start = (start + 1) % capacity;
      }
      for (const listener of listeners) {
        try {
          listener(entry);
        } catch {
          // One broken client must not stop the others.
        }
      }
      return entry;
    },
    since(lastId) {
      const latest = nextId - 1;
      if (lastId === latest) return { ok: true, events: [] };
      if (lastId > latest) return { ok: false, reason: 'unknown event id (daemon restarted?)' };
      if (lastId < firstId - 1) return { ok: false, reason: 'event id from an earlier daemon run' };
      const oldest = size === 0 ? nextId : at(0).id;
      if (lastId < oldest - 1) {
        return { ok: false, reason: `missed ${oldest - 1 - lastId} events (buffer overrun)` };
      }
      const events: BufferedEvent[] = [];
      for (let i = lastId - oldest + 1; i < size; i++) events.push(at(i));
      return { ok: true, events };
    },
    recent(limit, names) {
      const wanted = names === undefined ? null : new Set(names);
      const events: BufferedEvent[] = [];
      for (let i = size - 1; i >= 0 && events.length < limit; i--) {
        const event = at(i);
        if (wanted === null || wanted.has(event.event)) events.push(event);
      }
      return events.reverse();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get lastId() {
      return nextId - 1;
    },
    get size() {
      return size;
    },
    get subscriberCount() {
      return listeners.size;
    },
  };
}

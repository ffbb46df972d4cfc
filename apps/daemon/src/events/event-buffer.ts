import type { StreamEventIds } from './stream-event-ids.js';

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
  /**
   * Cluster mode: ids from the CHANGES stream (stream-event-ids.ts), the same for an event on
   * every daemon, instead of a local counter. `firstId` is then ignored.
   */
  readonly streamIds?: StreamEventIds;
  /**
   * Cluster mode: the events after `afterId` up to `toId` (inclusive) read back from CHANGES, for
   * a reader whose position is older than the buffer; a string says why they cannot be.
   */
  readonly replay?: (afterId: number, toId: number) => Promise<readonly BufferedEvent[] | string>;
  /**
   * Cluster mode: how long {@link EventBuffer.resume} waits for this daemon to reach a reader's
   * id that is ahead of what it has seen (the reader came from a daemon further along, e.g. to
   * one just restarted and still catching up) before it answers `resync`. Default 10 000 ms.
   */
  readonly aheadWaitMs?: number;
}

/** How often a resume waiting for this daemon to catch up checks again. */
const AHEAD_POLL_MS = 50;

/** The result of {@link EventBuffer.since}. */
export type ResumeResult =
  | { readonly ok: true; readonly events: readonly BufferedEvent[] }
  | {
      readonly ok: false;
      readonly reason: string;
      /**
       * Cluster mode, a reader older than the buffer: the buffer holds every event after this id,
       * so the events up to it may be read back from the stream.
       */
      readonly floorId?: number;
    };

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
   * Like {@link since}, and in cluster mode, for a reader older than the buffer, the older events
   * read back from the CHANGES stream first (within a bound; beyond it `ok: false`).
   */
  resume(lastId: number): Promise<ResumeResult>;
  /**
   * The latest `limit` events still in the buffer, oldest first; with `names`, only events of
   * those names (the latest `limit` of them).
   */
  recent(limit: number, names?: readonly string[]): readonly BufferedEvent[];
  subscribe(listener: (event: BufferedEvent) => void): () => void;
  /**
   * The id of the latest event, or `firstId - 1` when empty (cluster mode: at least the id up to
   * which the buffer may be incomplete, so a reader resuming from it misses nothing).
   */
  readonly lastId: number;
  readonly size: number;
  readonly subscriberCount: number;
}

/**
 * A buffered event whose JSON text is made when first read, then kept: by the connected SSE
 * readers as it is pushed, by a reader resuming later, or never when nobody reads it. Encoding
 * every event at once was 5.9 % of the daemon's busy time at saturation (issue 19), with no
 * admin panel or SSE client connected. The payloads are the hub's events and calls, which are
 * never changed once published, so encoding later gives the same text.
 */
class LazyEvent implements BufferedEvent {
  readonly id: number;
  readonly event: string;
  /** The payload until it is encoded (then dropped: the text is what is kept). */
  #payload: unknown;
  #data: string | undefined;

  constructor(id: number, event: string, payload: unknown) {
    this.id = id;
    this.event = event;
    this.#payload = payload;
  }

  get data(): string {
    if (this.#data === undefined) {
      this.#data = JSON.stringify(this.#payload);
      this.#payload = undefined;
    }
    return this.#data;
  }
}

/** Creates the SSE ring buffer. */
export function createEventBuffer(options: EventBufferOptions = {}): EventBuffer {
  const capacity = Math.max(1, options.capacity ?? 1000);
  const ring: (BufferedEvent | undefined)[] = new Array<BufferedEvent | undefined>(capacity);
  let start = 0;
  let size = 0;
  const { streamIds } = options;
  let nextId = options.firstId ?? Date.now();
  const firstId = nextId;
  /** Cluster mode: the latest id stored, and the id of the latest event evicted. */
  let latestId = 0;
  let evictedId = 0;
  const listeners = new Set<(event: BufferedEvent) => void>();

  const at = (index: number): BufferedEvent => {
    const value = ring[(start + index) % capacity];
    if (value === undefined) throw new Error('event buffer index out of range');
    return value;
  };

  /** Cluster mode's {@link EventBuffer.since}: ids are sparse, so events are found by value. */
  /** Cluster mode: no event with this id has reached this daemon yet (nor the stream's end it saw). */
  const isAhead = (lastId: number): boolean =>
    streamIds !== undefined && lastId > Math.max(latestId, streamIds.knownUpToId());

  /** Resolves true once this daemon has caught up with `lastId`, false after `aheadWaitMs`. */
  const catchUpTo = async (lastId: number): Promise<boolean> => {
    const deadline = Date.now() + (options.aheadWaitMs ?? 10_000);
    while (isAhead(lastId)) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, AHEAD_POLL_MS));
    }
    return true;
  };

  const sinceInStream = (ids: StreamEventIds, lastId: number): ResumeResult => {
    if (isAhead(lastId)) {
      return { ok: false, reason: 'unknown event id (not of this cluster)' };
    }
    const floorId = Math.max(evictedId, ids.liveAfterId());
    if (lastId < floorId) {
      return { ok: false, reason: `event id ${String(lastId)} is older than the buffer`, floorId };
    }
    const events: BufferedEvent[] = [];
    for (let i = 0; i < size; i++) {
      const entry = at(i);
      if (entry.id > lastId) events.push(entry);
    }
    return { ok: true, events };
  };

  const since = (lastId: number): ResumeResult => {
    if (streamIds !== undefined) return sinceInStream(streamIds, lastId);
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
  };

  return {
    push(event, payload) {
      const id = streamIds === undefined ? nextId++ : streamIds.next();
      latestId = id;
      const entry = new LazyEvent(id, event, payload);
      if (size < capacity) {
        ring[(start + size) % capacity] = entry;
        size++;
      } else {
        evictedId = at(0).id;
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
    since,
    async resume(lastId) {
      // A reader from a daemon further along: wait (bounded) until this one has seen its id, so
      // it is served from here on instead of being told to resync; an id no daemon of this
      // cluster gave (e.g. from local mode) still gets `resync` after the wait.
      if (isAhead(lastId)) await catchUpTo(lastId);
      const result = since(lastId);
      const { replay } = options;
      if (result.ok || result.floorId === undefined || replay === undefined) return result;
      const older = await replay(lastId, result.floorId);
      if (typeof older === 'string') return { ok: false, reason: older };
      // The buffer may have moved on while the stream was read: then the reader resyncs.
      const rest = since(result.floorId);
      return rest.ok ? { ok: true, events: [...older, ...rest.events] } : rest;
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
      if (streamIds === undefined) return nextId - 1;
      return Math.max(latestId, streamIds.liveAfterId());
    },
    get size() {
      return size;
    },
    get subscriberCount() {
      return listeners.size;
    },
  };
}

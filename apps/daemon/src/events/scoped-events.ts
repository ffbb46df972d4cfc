import type { BufferedEvent, EventBuffer } from './event-buffer.js';

// The phone of each buffered event, parsed once however many scoped readers there are.
const phoneOf = new WeakMap<BufferedEvent, string | null>();

/** The phone id an SSE event is about (`call.phoneId`, `phoneId`, `event.phoneId`), or null. */
export function eventPhoneId(event: BufferedEvent): string | null {
  const known = phoneOf.get(event);
  if (known !== undefined) return known;
  let id: string | null = null;
  try {
    const data = JSON.parse(event.data) as {
      phoneId?: unknown;
      call?: { phoneId?: unknown };
      event?: { phoneId?: unknown };
    };
    const found = data.call?.phoneId ?? data.event?.phoneId ?? data.phoneId;
    id = typeof found === 'string' ? found : null;
  } catch {
    id = null;
  }
  phoneOf.set(event, id);
  return id;
}

/**
 * A read-only view of the SSE buffer holding only events of lines `visible` allows (an event
 * about no line is left out too). Ids stay the buffer's, so `Last-Event-ID` resumes work; a
 * reader simply sees gaps. `push` is refused: only the daemon writes the buffer.
 */
export function scopedEventBuffer(
  buffer: EventBuffer,
  visible: (phoneId: string) => boolean,
): EventBuffer {
  const allowed = (event: BufferedEvent): boolean => {
    const id = eventPhoneId(event);
    return id !== null && visible(id);
  };
  return {
    push() {
      throw new Error('a scoped event buffer is read-only');
    },
    since(lastId) {
      const result = buffer.since(lastId);
      return result.ok ? { ok: true, events: result.events.filter(allowed) } : result;
    },
    async resume(lastId) {
      const result = await buffer.resume(lastId);
      return result.ok ? { ok: true, events: result.events.filter(allowed) } : result;
    },
    recent(limit, names) {
      // Walk the whole buffer (it is bounded) so `limit` counts visible events.
      return buffer.recent(buffer.size, names).filter(allowed).slice(-limit);
    },
    subscribe(listener) {
      return buffer.subscribe((event) => {
        if (allowed(event)) listener(event);
      });
    },
    get lastId() {
      return buffer.lastId;
    },
    get size() {
      return buffer.size;
    },
    get subscriberCount() {
      return buffer.subscriberCount;
    },
  };
}

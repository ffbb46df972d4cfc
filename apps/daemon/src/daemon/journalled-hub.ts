import { createEventHub } from '@snomlink/core';
import type { EventHub, SnomlinkEvent } from '@snomlink/core';
import type { Journal } from '../journal/journal.js';

/** Options of {@link createJournalledHub}. */
export interface JournalledHubOptions {
  /** Where finished calls are written. */
  readonly journal: Pick<Journal, 'record' | 'whenWritten'>;
  /**
   * Whether this hub journals its `call-finished` (asked per event, so the daemon can pass its
   * backbone's `fanOutFromHub` before the backbone exists). False: the hub delivers at once,
   * like core's (cluster mode, where the JOURNAL stream is the durable record and the SSE ids
   * are bound to the stream record being applied, synchronously).
   */
  readonly journalled: () => boolean;
}

/** An event published and not yet delivered; a finished call is ready once written. */
interface Held {
  readonly event: SnomlinkEvent;
  ready: boolean;
}

/** The phone (line) an event is about. */
function phoneOf(event: SnomlinkEvent): string {
  switch (event.type) {
    case 'call-state':
    case 'call-info':
    case 'call-finished':
      return event.call.phoneId;
    case 'action-event':
      return event.event.phoneId;
    case 'line-status':
    case 'line-presence':
      return event.phoneId;
  }
}

/**
 * The daemon's event hub in one-process mode: it journals every finished call and delivers it
 * to the subscribers (SSE buffer, webhooks, MQTT, TAPI, mail, metrics) only once the journal has
 * written it ({@link Journal.whenWritten}), so no reader sees a call finished that a `kill -9`
 * could still lose. A phone's events published after its finished call wait behind it, so none
 * of that line's events overtakes an earlier one; other phones' events do not wait (nothing of
 * theirs depends on it), and with nothing waiting an event is delivered at once.
 *
 * With the journal in the daemon's thread, `whenWritten` calls back at once and this hub
 * behaves like core's. With the writer thread, a finished call waits for the thread's commit
 * (a fraction of a millisecond on an idle daemon, a few on a busy one), and every call finished
 * meanwhile shares it. A failed write does not hold the events: the journal keeps the calls
 * queued in memory for its retry timer (health says so, loudly) and reports them written.
 */
export function createJournalledHub(options: JournalledHubOptions): EventHub<SnomlinkEvent> {
  const { journal, journalled } = options;
  const subscribers = createEventHub<SnomlinkEvent>();
  /**
   * Per phone with something waiting, oldest first: its events waiting for a finished call of
   * its own ahead of them (or their own) to be written. A phone leaves the map when it empties.
   */
  const held = new Map<string, Held[]>();

  /** Delivers the events at the front of `phone`'s queue that no longer wait. */
  const deliverReady = (phone: string): void => {
    const queue = held.get(phone);
    if (queue === undefined) return;
    while (queue[0]?.ready === true) {
      const next = queue.shift();
      if (next !== undefined) subscribers.publish(next.event);
    }
    if (queue.length === 0 && held.get(phone) === queue) held.delete(phone);
  };

  return {
    publish(event) {
      if (!journalled()) {
        subscribers.publish(event);
        return;
      }
      const phone = phoneOf(event);
      const queue = held.get(phone);
      if (event.type !== 'call-finished') {
        if (queue === undefined) subscribers.publish(event);
        else queue.push({ event, ready: true });
        return;
      }
      const entry: Held = { event, ready: false };
      if (queue === undefined) held.set(phone, [entry]);
      else queue.push(entry);
      journal.record(event.call);
      journal.whenWritten(() => {
        entry.ready = true;
        deliverReady(phone);
      });
    },
    subscribe: (listener) => subscribers.subscribe(listener),
    stream: (streamOptions) => subscribers.stream(streamOptions),
    get subscriberCount() {
      return subscribers.subscriberCount;
    },
  };
}

import type { SnomlinkEvent } from '@snomlink/core';
import type { SseCallEvent } from '../api/schemas.js';

/** An SSE message before it has an id: its event name and payload. */
export interface SseMessage {
  readonly event: 'call' | 'line' | 'presence' | 'action-event';
  readonly payload: unknown;
}

/**
 * The SSE message of a hub event (every hub event has one). Pure, so the live stream and a
 * replay from the CHANGES stream (cluster mode) send the same messages.
 */
export function sseMessageOf(event: SnomlinkEvent): SseMessage {
  switch (event.type) {
    case 'call-state': {
      const payload: SseCallEvent = {
        type: 'call-state',
        call: event.call,
        previousState: event.previousState,
      };
      return { event: 'call', payload };
    }
    case 'call-info':
      return {
        event: 'call',
        payload: { type: 'call-info', call: event.call, fields: event.fields.map(String) },
      };
    case 'call-finished':
      return {
        event: 'call',
        payload: { type: 'call-finished', call: event.call, missed: event.call.missed },
      };
    case 'line-status':
      return { event: 'line', payload: event };
    case 'line-presence':
      return { event: 'presence', payload: event };
    case 'action-event':
      return { event: 'action-event', payload: event };
  }
}

import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';

/** True for a failed compare-and-set (the key's revision moved, or it exists already). */
export function isWrongLastSequence(e: unknown): boolean {
  return (
    e instanceof JetStreamApiError &&
    (e.code === JetStreamApiCodes.StreamWrongLastSequence ||
      e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

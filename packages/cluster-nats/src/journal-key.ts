import { createHash } from 'node:crypto';
import type { FinishedCall } from '@snomlink/core';

/**
 * The identity of a finished call cluster-wide: the first 32 hex digits of
 * sha256(phoneId | callId). Used as the JOURNAL subject's last token and as its Msg-Id, so a
 * replayed or zombie republish is rejected as a duplicate.
 *
 * The key is the call's identity only, not what an owner computed about it: a call id is the
 * phone's SIP Call-ID (unique per dialog) or a synthetic id that already holds the phone and
 * the start time. An owner that started from a line state missing the call's first events (a
 * snapshot read from a replica that lags) re-creates the call from its `disconnected` with
 * another start and mode `unknown`; keyed by its start too (as before), that second version
 * was journalled next to the right one. The phone id is part of it because synthetic call ids
 * of different phones may collide.
 */
export function journalKey(call: Pick<FinishedCall, 'phoneId' | 'id'>): string {
  return createHash('sha256').update(`${call.phoneId}|${call.id}`).digest('hex').slice(0, 32);
}

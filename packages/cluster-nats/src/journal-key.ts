import { createHash } from 'node:crypto';
import type { FinishedCall } from '@snomlink/core';

/**
 * The identity of a finished call cluster-wide: the first 32 hex digits of
 * sha256(phoneId | callId | startedAt). Used as the JOURNAL subject's last token and as its
 * Msg-Id, so a replayed or zombie republish is rejected as a duplicate. The phone id is part of
 * it because synthetic call ids (parameterless phones) repeat across phones.
 */
export function journalKey(call: Pick<FinishedCall, 'phoneId' | 'id' | 'startedAt'>): string {
  return createHash('sha256')
    .update(`${call.phoneId}|${call.id}|${String(call.startedAt)}`)
    .digest('hex')
    .slice(0, 32);
}

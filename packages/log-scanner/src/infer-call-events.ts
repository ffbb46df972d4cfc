import type { ActionEvent, ActionEventParams, DisconnectMode } from '@snomlink/core';
import { parseNameAddr } from './name-addr.js';
import type { LogRecord, SipMessageRecord } from './parse-log.js';

/** What the scanner remembers about one call it has announced. Plain data (JSON-safe). */
export interface ScannedCall {
  /** The SIP Call-ID. */
  readonly callId: string;
  readonly direction: 'incoming' | 'outgoing';
  /** Remote party URI (`sip:+4930123456@pbx.example`). */
  readonly remote: string;
  readonly displayRemote: string | null;
  /** Own URI on this call, null when the log did not show it. */
  readonly local: string | null;
  readonly connected: boolean;
  readonly disconnected: boolean;
}

/**
 * Where inference stands between two reads: the calls already announced and what was emitted
 * for each. It does not depend on line positions, so a log that was cleared, shortened or
 * rotated between reads is read again from its start and duplicates are still recognised.
 * Bounded: at most `maxCalls` calls, oldest finished calls forgotten first. Plain data.
 */
export interface LogScanCursor {
  /** Oldest first. */
  readonly calls: readonly ScannedCall[];
}

/** Options of {@link inferCallEvents}. */
export interface InferCallEventsOptions {
  readonly phoneId: string;
  /** `receivedAt` of the emitted events, epoch ms. */
  readonly now: number;
  /** How many calls the cursor remembers (default 256; a 64 KiB log holds about 20). */
  readonly maxCalls?: number;
}

/** The result of {@link inferCallEvents}. */
export interface InferCallEventsResult {
  readonly events: readonly ActionEvent[];
  readonly cursor: LogScanCursor;
}

/** Default number of calls a cursor remembers. */
export const DEFAULT_MAX_REMEMBERED_CALLS = 256;

/** A cursor that has seen nothing yet. */
export function createLogScanCursor(): LogScanCursor {
  return { calls: [] };
}

/**
 * Final responses to an INVITE that do not end the call: authentication challenges (the phone
 * retries with credentials), session-interval and glare answers.
 */
const NON_TERMINAL_FAILURES = new Set([401, 407, 422, 491]);

interface MutableCall {
  callId: string;
  direction: 'incoming' | 'outgoing';
  remote: string;
  displayRemote: string | null;
  local: string | null;
  connected: boolean;
  disconnected: boolean;
}

/**
 * Turns parsed log records into `log-scan` ActionEvents for the core state machine:
 * `incoming` (remote = From of the received INVITE) / `outgoing` (remote = To of the sent INVITE)
 * first, then `connected` (2xx to the INVITE) and `disconnected` (BYE, CANCEL, final 3xx–6xx),
 * all with `callId` = the SIP Call-ID. `disconnected` carries `params.reason`: `normal` (BYE),
 * `cancelled` (CANCEL before the answer) or the mapping of the final response (see README). Each kind is emitted at most once per call, whatever
 * reads the records came from. Pure: returns a new cursor.
 */
export function inferCallEvents(
  records: readonly LogRecord[],
  cursor: LogScanCursor | undefined,
  options: InferCallEventsOptions,
): InferCallEventsResult {
  const maxCalls = Math.max(1, options.maxCalls ?? DEFAULT_MAX_REMEMBERED_CALLS);
  const calls = new Map<string, MutableCall>();
  for (const c of cursor?.calls ?? []) calls.set(c.callId, { ...c });
  const events: ActionEvent[] = [];

  const emit = (call: MutableCall, kind: ActionEvent['kind'], reason?: DisconnectMode): void => {
    const params: { -readonly [K in keyof ActionEventParams]: ActionEventParams[K] } = {
      callId: call.callId,
      remote: call.remote,
    };
    if (call.displayRemote !== null) params.displayRemote = call.displayRemote;
    if (call.local !== null) params.local = call.local;
    if (reason !== undefined) params.reason = reason;
    events.push({
      phoneId: options.phoneId,
      kind,
      source: 'log-scan',
      receivedAt: options.now,
      params,
    });
  };

  for (const record of records) {
    if (record.type !== 'sip' || record.callId === null || record.cseq === null) continue;
    let call = calls.get(record.callId);
    if (call === undefined) {
      const created = announce(record);
      if (created === null) continue;
      call = created;
      calls.set(call.callId, call);
      emit(call, call.direction);
    } else {
      // Keep the map's insertion order = least recently touched first.
      calls.delete(call.callId);
      calls.set(call.callId, call);
    }
    if (call.disconnected) continue;
    if (record.kind === 'request') {
      if (record.method === 'BYE') {
        call.disconnected = true;
        emit(call, 'disconnected', 'normal');
      } else if (record.method === 'CANCEL' && !call.connected) {
        // The caller gave up before the answer: received on an incoming call, sent (our user
        // hung up while it rang) on an outgoing one.
        call.disconnected = true;
        emit(call, 'disconnected', 'cancelled');
      }
    } else if (record.cseq.method === 'INVITE' && record.status !== null && !call.connected) {
      if (record.status >= 200 && record.status < 300) {
        call.connected = true;
        emit(call, 'connected');
      } else if (record.status >= 300 && !NON_TERMINAL_FAILURES.has(record.status)) {
        call.disconnected = true;
        emit(call, 'disconnected', failureReason(call.direction, record.status));
      }
    }
  }

  let list = [...calls.values()];
  while (list.length > maxCalls) {
    const finished = list.findIndex((c) => c.disconnected);
    list = list.filter((_, i) => i !== (finished >= 0 ? finished : 0));
  }
  return { events, cursor: { calls: list } };
}

/**
 * Why a final 3xx–6xx to the INVITE ended the call. On an incoming call the phone sent it: 486
 * (the CANCEL key, snom-protocol.md S6) or 603 is the user rejecting. On an outgoing call it was
 * received: 486/600 busy, 480/408/487 nobody answered, 603 the callee declined; anything else
 * (404, 484, 604, 3xx, 5xx, …) is `unknown`. Decided by the call's direction, not the
 * record's, so a message logged without a direction still gets its reason.
 */
function failureReason(direction: MutableCall['direction'], status: number): DisconnectMode {
  if (direction === 'incoming') return status === 486 || status === 603 ? 'rejected' : 'unknown';
  if (status === 486 || status === 600) return 'busy';
  if (status === 480 || status === 408 || status === 487) return 'noanswer';
  if (status === 603) return 'rejected';
  return 'unknown';
}

/** A new call from a message of its INVITE transaction, or null when it cannot tell. */
function announce(record: SipMessageRecord): MutableCall | null {
  if (record.cseq?.method !== 'INVITE' || record.callId === null) return null;
  if (record.direction === 'unknown') return null;
  const from = parseNameAddr(record.from);
  const to = parseNameAddr(record.to);
  if (record.kind === 'request') {
    if (record.method !== 'INVITE') return null;
    // An INVITE with a To tag is a re-INVITE inside a dialog; its direction says nothing.
    if (to?.tag != null) return null;
  }
  // Received INVITE or sent response to it: we are the callee.
  const incoming = (record.kind === 'request') === (record.direction === 'received');
  const remoteParty = incoming ? from : to;
  const localParty = incoming ? to : from;
  const remote = remoteParty?.uri ?? (incoming ? null : record.requestUri);
  if (remote == null || remote === '') return null;
  return {
    callId: record.callId,
    direction: incoming ? 'incoming' : 'outgoing',
    remote,
    displayRemote: remoteParty?.displayName ?? null,
    local: localParty?.uri ?? null,
    connected: false,
    disconnected: false,
  };
}

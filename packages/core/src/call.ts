/** TAPI-aligned call states (ARCHITECTURE section 3); `idle` is terminal. */
export const CALL_STATES = [
  'offering',
  'accepted',
  'dialtone',
  'dialing',
  'proceeding',
  'ringback',
  'busy',
  'connected',
  'onhold',
  'disconnected',
  'idle',
] as const;
/** A call's state (one of {@link CALL_STATES}). */
export type CallState = (typeof CALL_STATES)[number];

/** Why a call ended. */
export const DISCONNECT_MODES = [
  'normal',
  'noanswer',
  'busy',
  'rejected',
  'cancelled',
  'unknown',
] as const;
/** Why a call ended (one of {@link DISCONNECT_MODES}). */
export type DisconnectMode = (typeof DISCONNECT_MODES)[number];

/** Who started the call. */
export type CallDirection = 'inbound' | 'outbound' | 'unknown';
/** Whether the far end is an internal extension or an outside number. */
export type CallLocality = 'internal' | 'external' | 'unknown';

/** One party of a call (TAPI's CallerID / CalledID / ConnectedID). */
export interface PartyId {
  /** The number or user part as reported, cleaned of `sip:`, `<>`, `;params`; null if unknown. */
  readonly number: string | null;
  /** Display name; hostile input, never render as HTML. */
  readonly displayName: string | null;
  /** TAPI canonical form `+49 (30) 1234567`, or the extension for internal numbers. */
  readonly canonical: string | null;
  /** E.164 `+49301234567` for external numbers, else null. */
  readonly e164: string | null;
  /** The caller withheld the number (anonymous) or none was reported. */
  readonly anonymous: boolean;
  /** Exactly what the phone reported, for troubleshooting. */
  readonly raw: string | null;
}

/** One call on one phone line. Immutable: the reducer returns new objects. */
export interface Call {
  /** Stable id within the daemon: the SIP Call-ID when known, else a synthetic one. */
  readonly id: string;
  readonly phoneId: string;
  /** SIP Call-ID reported by the phone or the log, null for synthetic calls not yet enriched. */
  readonly sipCallId: string | null;
  readonly state: CallState;
  readonly direction: CallDirection;
  readonly locality: CallLocality;
  readonly callerId: PartyId;
  readonly calledId: PartyId;
  readonly connectedId: PartyId | null;
  readonly disconnectMode: DisconnectMode | null;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly connectedAt: number | null;
  readonly endedAt: number | null;
  /** Time of the last event that touched this call; drives the stale-call timeout. */
  readonly lastEventAt: number;
}

/** A call that reached `idle`: what the journal stores. */
export interface FinishedCall extends Call {
  readonly state: 'idle';
  readonly endedAt: number;
  /** An inbound call that was never connected. */
  readonly missed: boolean;
}

/** What one reducer step changed; published on the hub in this order. */
export type CallChange =
  | { readonly type: 'call-state'; readonly call: Call; readonly previousState: CallState | null }
  | {
      readonly type: 'call-info';
      readonly call: Call;
      /** Names of the Call fields whose values changed (callerId, calledId, connectedId, sipCallId, …). */
      readonly fields: readonly (keyof Call)[];
    }
  | { readonly type: 'call-finished'; readonly call: FinishedCall };

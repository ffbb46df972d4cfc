// The parts of the daemon's admin API these black-box tests read (ARCHITECTURE.md §4 and
// apps/daemon/README.md). Kept local so the suite tests the wire format, not shared types.

/** `PartyId` as the API returns it. */
export interface ApiParty {
  number: string | null;
  displayName: string | null;
  /** The name an office directory gave the number (issue 17), or null. */
  directoryName: string | null;
  canonical: string | null;
  e164: string | null;
  anonymous: boolean;
  raw: string | null;
}

/** A live call (`GET /api/calls`, SSE `call`). */
export interface ApiCall {
  id: string;
  phoneId: string;
  sipCallId: string | null;
  state: string;
  direction: 'inbound' | 'outbound' | 'unknown';
  callerId: ApiParty;
  calledId: ApiParty;
  connectedId: ApiParty | null;
  disconnectMode: string | null;
  startedAt: number;
  connectedAt: number | null;
  endedAt: number | null;
}

/** SSE `call` payload. */
export interface SseCall {
  type: 'call-state' | 'call-info' | 'call-finished';
  call: ApiCall;
  missed?: boolean;
  previousState?: string | null;
}

/** SSE `line` payload. */
export interface SseLine {
  type: 'line-status';
  phoneId: string;
  status: string;
  detail: string | null;
  at: number;
}

/** SSE `action-event` payload. */
export interface SseActionEvent {
  type: 'action-event';
  event: {
    phoneId: string;
    kind: string;
    source: 'action-url' | 'log-scan';
    receivedAt: number;
    params: { callId?: string; remote?: string; displayRemote?: string; nrOngoingCalls?: number };
  };
}

/** One journal row. */
export interface JournalEntry {
  id: number;
  callId: string;
  sipCallId: string | null;
  phoneId: string;
  direction: 'inbound' | 'outbound' | 'unknown';
  remoteNumber: string | null;
  remoteCanonical: string | null;
  remoteName: string | null;
  callerNumber: string | null;
  callerName: string | null;
  calledNumber: string | null;
  startedAt: number;
  connectedAt: number | null;
  endedAt: number;
  disconnectMode: string | null;
  missed: boolean;
}

/** `GET /api/journal` */
export interface JournalPage {
  entries: JournalEntry[];
  nextBefore: number | null;
}

/** `GET /api/health` */
export interface Health {
  status: 'ok' | 'degraded';
  liveCalls: number;
  phones: { total: number; reachable: number; unreachable: number };
  journal: { ok: boolean; error?: string; pending?: number; dropped?: number };
  listener: { state: string; port: number };
  /** Only with an `mqtt` section. */
  mqtt?: {
    connected: boolean;
    queued: number;
    dropped: number;
    published: number;
    failed: number;
    lastError: string | null;
  };
  /** Only with a `notify.email` section. */
  notify?: {
    email: {
      pendingCalls: number;
      sent: number;
      failed: number;
      retries: number;
      dropped: number;
      lastError: string | null;
    };
  };
}

/** `GET /api/phones/{id}` */
export interface PhoneView {
  id: string;
  host: string;
  hasPassword: boolean;
  health: { status: string; detail: string | null };
}

/** `POST /api/phones/{id}/provision` */
export interface ProvisionResult {
  ok: boolean;
  written: { setting: string; url: string; accepted: boolean }[];
}

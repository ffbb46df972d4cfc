import { useEffect, useState } from 'preact/hooks';
import { storedToken } from './api/auth.js';
import { api } from './api/client.js';
import type {
  CallView,
  PhoneList,
  PhoneView,
  RecentEvents,
  SseActionEvent,
  SseCallEvent,
  SseLineEvent,
  SsePresenceEvent,
} from './api/types.js';

/**
 * One line of the Events page: a raw phone event or a line status change, as received. `id` is
 * the daemon's SSE event id (unique, increasing); `seq` counts locally (the self-test).
 */
export type RawEvent =
  | {
      readonly id: number;
      readonly seq: number;
      readonly type: 'action-event';
      readonly at: number;
      readonly data: SseActionEvent;
    }
  | {
      readonly id: number;
      readonly seq: number;
      readonly type: 'line';
      readonly at: number;
      readonly data: SseLineEvent;
    };

/** Everything the live pages show; replaced (never mutated) on every change. */
export interface LiveState {
  /** SSE connection is open. */
  readonly connected: boolean;
  /** null until the first load. */
  readonly phones: readonly PhoneView[] | null;
  readonly calls: readonly CallView[];
  /** Newest first, at most {@link MAX_EVENTS}. */
  readonly events: readonly RawEvent[];
  /** phoneId → its latest Action URL / log-scan event: receive time and local sequence (self-test). */
  readonly lastEvent: Readonly<Record<string, { readonly at: number; readonly seq: number }>>;
  /** Counts finished calls seen on the stream, so the journal can refresh. */
  readonly finishedCalls: number;
  /** Why the last list load failed. */
  readonly loadError: unknown;
}

/** How many raw events the Events page keeps. */
export const MAX_EVENTS = 300;

/** Before startLive and after stopLive (sign-out): nothing known. */
const INITIAL: LiveState = {
  connected: false,
  phones: null,
  calls: [],
  events: [],
  lastEvent: {},
  finishedCalls: 0,
  loadError: null,
};

let state: LiveState = INITIAL;
const subscribers = new Set<() => void>();
let source: EventSource | null = null;
let seq = 0;
/** startLive ran and stopLive has not: the history is loading or the stream is open. */
let live = false;
/** Bumped by stopLive, so a history load that finishes after a sign-out opens nothing. */
let generation = 0;
/** Newest SSE event id applied: anything at or below it is a repeat and skipped. */
let lastId = -1;

function set(patch: Partial<LiveState>): void {
  state = { ...state, ...patch };
  for (const fn of subscribers) fn();
}

/** The live state, re-rendering the component on every change. */
export function useLive(): LiveState {
  const [, setTick] = useState(0);
  useEffect(() => {
    const fn = (): void => {
      setTick((t) => t + 1);
    };
    subscribers.add(fn);
    return () => {
      subscribers.delete(fn);
    };
  }, []);
  return state;
}

/** The current live state outside components. */
export function liveState(): LiveState {
  return state;
}

/** The sequence number of the newest event seen so far (the self-test waits for a later one). */
export function currentSeq(): number {
  return seq;
}

/** Reloads phones and live calls (on start, after a reconnect or a `resync`). */
export async function reloadLists(): Promise<void> {
  try {
    const [phones, calls] = await Promise.all([
      api<PhoneList>('GET', '/api/phones'),
      api<{ calls: CallView[] }>('GET', '/api/calls'),
    ]);
    set({ phones: phones.phones, calls: calls.calls, loadError: null });
  } catch (e) {
    set({ loadError: e });
  }
}

/** Puts a phone the user just saved into the list without waiting for the stream. */
export function upsertPhone(phone: PhoneView): void {
  const phones = state.phones ?? [];
  const i = phones.findIndex((p) => p.id === phone.id);
  set({
    phones: i === -1 ? [...phones, phone] : phones.map((p) => (p.id === phone.id ? phone : p)),
  });
}

/** Takes a removed phone off the list. */
export function removePhone(id: string): void {
  set({
    phones: (state.phones ?? []).filter((p) => p.id !== id),
    calls: state.calls.filter((c) => c.phoneId !== id),
  });
}

function applyCall(change: SseCallEvent): void {
  const { call } = change;
  const others = state.calls.filter((c) => c.id !== call.id);
  if (change.type === 'call-finished' || call.state === 'idle') {
    set({
      calls: others,
      finishedCalls: state.finishedCalls + (change.type === 'call-finished' ? 1 : 0),
    });
    return;
  }
  const i = state.calls.findIndex((c) => c.id === call.id);
  set({
    calls:
      i === -1 ? [...state.calls, call] : state.calls.map((c) => (c.id === call.id ? call : c)),
  });
}

function applyLine(id: number, change: SseLineEvent): void {
  pushEvent({ id, seq: ++seq, type: 'line', at: change.at, data: change });
  if (change.status === 'removed') {
    removePhone(change.phoneId);
    return;
  }
  if (change.status === 'reconfigured') {
    void reloadLists();
    return;
  }
  const phones = state.phones;
  const status = change.status;
  if (phones === null) return;
  set({
    phones: phones.map((p) =>
      p.id === change.phoneId
        ? { ...p, health: { ...p.health, status, detail: change.detail, checkedAt: change.at } }
        : p,
    ),
  });
}

/** A line's DND / forwarding / user / registration changed: the phone shows the new presence. */
function applyPresence(change: SsePresenceEvent): void {
  const phones = state.phones;
  if (phones === null) return;
  set({
    phones: phones.map((p) => (p.id === change.phoneId ? { ...p, presence: change.presence } : p)),
  });
}

function applyAction(id: number, change: SseActionEvent): void {
  const { event } = change;
  const n = ++seq;
  pushEvent({ id, seq: n, type: 'action-event', at: event.receivedAt, data: change });
  set({ lastEvent: { ...state.lastEvent, [event.phoneId]: { at: event.receivedAt, seq: n } } });
}

function pushEvent(e: RawEvent): void {
  const events = [e, ...state.events];
  if (events.length > MAX_EVENTS) events.length = MAX_EVENTS;
  set({ events });
}

function parse(message: MessageEvent): unknown {
  try {
    return JSON.parse(String(message.data));
  } catch {
    return null;
  }
}

/**
 * The message's SSE id if it is new, else null (a repeat, or no id): each event is applied once
 * even if a resume overlaps what the history already showed.
 */
function fresh(message: MessageEvent): number | null {
  const id = Number(message.lastEventId);
  if (message.lastEventId === '' || !Number.isSafeInteger(id) || id <= lastId) return null;
  lastId = id;
  return id;
}

/** The events the daemon still buffers (the Events page's history); the id to resume after. */
async function loadHistory(): Promise<number | null> {
  try {
    const recent = await api<RecentEvents>(
      'GET',
      `/api/events/recent?limit=${String(MAX_EVENTS)}&event=action-event,line`,
    );
    const events: RawEvent[] = [];
    const lastEvent: Record<string, { at: number; seq: number }> = {};
    for (const e of recent.events) {
      if (e.event === 'action-event') {
        const n = ++seq;
        const at = e.data.event.receivedAt;
        events.push({ id: e.id, seq: n, type: 'action-event', at, data: e.data });
        lastEvent[e.data.event.phoneId] = { at, seq: n };
      } else if (e.event === 'line') {
        events.push({ id: e.id, seq: ++seq, type: 'line', at: e.data.at, data: e.data });
      }
    }
    events.reverse();
    set({ events: events.slice(0, MAX_EVENTS), lastEvent: { ...lastEvent, ...state.lastEvent } });
    lastId = recent.lastId;
    return recent.lastId;
  } catch {
    // A daemon without the route (or a network hiccup): follow the stream from now on.
    return null;
  }
}

/**
 * Loads the recent events (`GET /api/events/recent`), then opens the event stream
 * (`GET /api/events`) right after the newest of them, so the Events page has its history with
 * no gap and no duplicate. EventSource reconnects by itself (sending the last id it saw); each
 * (re)open reloads phones and calls so nothing missed while disconnected stays stale. A pasted
 * token goes once as `?token=` (EventSource cannot send headers); the daemon then sets its
 * cookie.
 */
export function startLive(): void {
  if (live) return;
  live = true;
  const mine = generation;
  void loadHistory().then((resumeAfter) => {
    if (mine === generation) openStream(resumeAfter);
  });
}

function openStream(resumeAfter: number | null): void {
  const params = new URLSearchParams();
  const token = storedToken();
  if (token !== null) params.set('token', token);
  if (resumeAfter !== null) params.set('lastEventId', String(resumeAfter));
  const query = params.toString();
  const es = new EventSource(query === '' ? '/api/events' : `/api/events?${query}`, {
    withCredentials: true,
  });
  source = es;
  es.addEventListener('open', () => {
    set({ connected: true });
    void reloadLists();
  });
  es.addEventListener('error', () => {
    set({ connected: false });
  });
  es.addEventListener('call', (m) => {
    if (fresh(m) === null) return;
    const data = parse(m) as SseCallEvent | null;
    if (data !== null) applyCall(data);
  });
  es.addEventListener('line', (m) => {
    const id = fresh(m);
    const data = parse(m) as SseLineEvent | null;
    if (id !== null && data !== null) applyLine(id, data);
  });
  es.addEventListener('presence', (m) => {
    if (fresh(m) === null) return;
    const data = parse(m) as SsePresenceEvent | null;
    if (data !== null) applyPresence(data);
  });
  es.addEventListener('action-event', (m) => {
    const id = fresh(m);
    const data = parse(m) as SseActionEvent | null;
    if (id !== null && data !== null) applyAction(id, data);
  });
  es.addEventListener('resync', (m) => {
    // The daemon lost our place (restart, overrun): its id is the new starting point.
    const id = Number(m.lastEventId);
    if (m.lastEventId !== '' && Number.isSafeInteger(id)) lastId = id;
    void reloadLists();
  });
}

/** Closes the stream and forgets everything (sign-out). */
export function stopLive(): void {
  source?.close();
  source = null;
  live = false;
  generation++;
  lastId = -1;
  set(INITIAL);
}

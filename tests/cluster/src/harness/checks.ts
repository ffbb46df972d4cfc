import { acceptedCall } from './call-load.js';
import type { PlacedCall } from './call-load.js';

// The acceptance checks of issue 20 as pure functions over what the test observed: each returns
// a list of human-readable problems (empty = passed), so one failing assertion shows them all.

/** The part of a journal row the checks read. */
export interface JournalRowLike {
  readonly sipCallId: string | null;
  readonly phoneId: string;
}

/**
 * Every call whose Action URLs all got 200 is in this daemon's journal exactly once; a call with
 * a refused Action URL at most once; no Call-ID appears twice at all.
 */
export function journalProblems(
  daemon: string,
  calls: readonly PlacedCall[],
  rows: readonly JournalRowLike[],
): string[] {
  const problems: string[] = [];
  const counts = new Map<string, number>();
  for (const row of rows) {
    if (row.sipCallId === null) continue;
    counts.set(row.sipCallId, (counts.get(row.sipCallId) ?? 0) + 1);
  }
  for (const [callId, n] of counts) {
    if (n > 1) problems.push(`${daemon}: ${callId} journalled ${String(n)} times`);
  }
  for (const call of calls) {
    const n = counts.get(call.callId) ?? 0;
    if (acceptedCall(call) && n !== 1) {
      problems.push(
        `${daemon}: accepted call ${call.callId} (${call.phoneId}) journalled ${String(n)} times`,
      );
    }
  }
  return problems;
}

/** One SSE message as a reader saw it. */
export interface SseSeen {
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
}

/**
 * An SSE reader (across its reconnections with Last-Event-ID) saw no gap: no `resync`, ids never
 * go back, the same message never twice, and every call in `journalled` finished exactly once.
 */
export function sseProblems(
  reader: string,
  messages: readonly SseSeen[],
  journalled: ReadonlySet<string>,
): string[] {
  const problems = createProblemList(reader);
  let last = -Infinity;
  const seen = new Set<string>();
  const finished = new Map<string, number>();
  for (const m of messages) {
    if (m.event === 'resync') problems.add('resync', `resync ${m.data.slice(0, 200)}`);
    if (m.id !== null && m.id !== '') {
      const id = Number(m.id);
      if (Number.isFinite(id)) {
        if (id < last) problems.add('back', `id went back from ${String(last)} to ${m.id}`);
        last = Math.max(last, id);
      }
      const key = `${m.id}|${m.event}|${m.data}`;
      if (seen.has(key)) problems.add('twice', `message ${m.id} ${m.event} delivered twice`);
      seen.add(key);
    }
    if (m.event === 'call') {
      const data = JSON.parse(m.data) as { type?: string; call?: { sipCallId?: string | null } };
      const callId = data.call?.sipCallId;
      if (data.type === 'call-finished' && typeof callId === 'string') {
        finished.set(callId, (finished.get(callId) ?? 0) + 1);
      }
    }
  }
  for (const callId of journalled) {
    const n = finished.get(callId) ?? 0;
    if (n !== 1) problems.add('finished', `call-finished of ${callId} seen ${String(n)} times`);
  }
  return problems.list();
}

/**
 * Collects problems by kind, keeping the first three of each kind and then one line with how
 * many more, so one broken mechanism does not bury the others under hundreds of lines.
 */
function createProblemList(prefix: string): {
  add(kind: string, text: string): void;
  list(): string[];
} {
  const byKind = new Map<string, string[]>();
  const counts = new Map<string, number>();
  return {
    add(kind, text) {
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      const kept = byKind.get(kind) ?? [];
      if (kept.length < 3) kept.push(`${prefix}: ${text}`);
      byKind.set(kind, kept);
    },
    list() {
      return [...byKind.entries()].flatMap(([kind, kept]) => {
        const more = (counts.get(kind) ?? 0) - kept.length;
        return more > 0 ? [...kept, `${prefix}: … and ${String(more)} more like that`] : kept;
      });
    },
  };
}

/** One dial request sent to some daemon's API. */
export interface DialSent {
  readonly phoneId: string;
  readonly number: string;
  /** HTTP status the daemon answered (0 = no answer). */
  readonly status: number;
  readonly via: string;
}

/**
 * No phone command ran twice: a dial answered 200 reached its phone exactly once, any other
 * answer at most once. `received(phoneId, number)` counts the phone's `command.htm?number=`.
 */
export function commandProblems(
  dials: readonly DialSent[],
  received: (phoneId: string, number: string) => number,
): string[] {
  const problems: string[] = [];
  for (const dial of dials) {
    const n = received(dial.phoneId, dial.number);
    if (dial.status === 200 ? n !== 1 : n > 1) {
      problems.push(
        `dial ${dial.number} on ${dial.phoneId} via ${dial.via} answered ${String(dial.status)}, phone got it ${String(n)} times`,
      );
    }
  }
  return problems;
}

/** True when every partition has an owner among `live` (and none is unowned). */
export function ownedOnlyBy(owners: readonly (string | null)[], live: readonly string[]): boolean {
  return owners.length > 0 && owners.every((o) => o !== null && live.includes(o));
}

/** The q-quantile (0…1) of `values` by nearest rank; NaN when empty. Pure. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inferCallEvents, type LogScanCursor } from './infer-call-events.js';
import { parseLog } from './parse-log.js';
import {
  formatSipLogEntry,
  scenarioMessages,
  wrapLogHtml,
  type CallScenario,
} from './testing/sip-log.js';

const displayArb = fc.option(
  fc.string({ unit: fc.constantFrom(...'AaÄäöß Mül&"\\<>\'#;,'.split('')), maxLength: 14 }),
  { nil: undefined },
);

const scenarioArb = fc.record({
  direction: fc.constantFrom('incoming' as const, 'outgoing' as const),
  outcome: fc.constantFrom('answered' as const, 'missed' as const, 'rejected' as const),
  hangUpBy: fc.constantFrom('local' as const, 'remote' as const),
  compact: fc.boolean(),
  display: displayArb,
  remote: fc.stringMatching(/^\+?[0-9]{2,12}$/),
  cseq: fc.integer({ min: 1, max: 1_000_000 }),
});

/** A log: several calls' messages interleaved, with unrelated lines between them. */
const logArb = fc
  .record({
    calls: fc.array(scenarioArb, { minLength: 1, maxLength: 4 }),
    picks: fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
    noise: fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
  })
  .map(({ calls, picks, noise }) => {
    const queues = calls.map(({ display, ...c }, i) => {
      const callId = `call-${i}@pbx.example`;
      const s: CallScenario = display === undefined ? { ...c, callId } : { ...c, display, callId };
      return scenarioMessages(s);
    });
    const entries: string[] = [];
    let step = 0;
    let t = Date.UTC(2026, 0, 1);
    for (;;) {
      const open = queues.filter((q) => q.length > 0);
      if (open.length === 0) break;
      const q = open[(picks[step % picks.length] ?? 0) % open.length]!;
      entries.push(formatSipLogEntry(q.shift()!, (t += 13)));
      if (noise[step % noise.length] === true)
        entries.push(`[5]01/01/2026 00:00:00.000 PHN: line ${step}\n`);
      step += 1;
    }
    return entries;
  });

const readsArb = fc.array(
  fc.record({
    cut: fc.nat(),
    clearBefore: fc.boolean(),
    rotate: fc.nat(),
    html: fc.boolean(),
    crlf: fc.boolean(),
  }),
  { maxLength: 8 },
);

type Simple = { kind: string; params: unknown };

function run(texts: readonly string[]): Simple[] {
  let cursor: LogScanCursor | undefined;
  const out: Simple[] = [];
  for (const text of texts) {
    const r = inferCallEvents(parseLog(text).records, cursor, { phoneId: 'p', now: 5 });
    cursor = r.cursor;
    out.push(...r.events.map((e) => ({ kind: e.kind, params: e.params })));
  }
  return out;
}

describe('reading a log in pieces', () => {
  it('emits exactly the events of reading it whole, without duplicates (splits, clears, rotation)', () => {
    fc.assert(
      fc.property(logArb, readsArb, (entries, reads) => {
        const offsets = [0];
        for (const e of entries) offsets.push(offsets[offsets.length - 1]! + e.length);
        const full = entries.join('');
        const n = entries.length;
        const plan = reads
          .map((r) => ({ ...r, cut: r.cut % (n + 1) }))
          .sort((a, b) => a.cut - b.cut);
        plan.push({ cut: n, clearBefore: false, rotate: 0, html: false, crlf: false });
        let prevEnd = 0;
        let windowStart = 0;
        const texts: string[] = [];
        for (const r of plan) {
          const unreadFrom = offsets[prevEnd]!;
          if (r.clearBefore) windowStart = unreadFrom;
          else windowStart += r.rotate % (unreadFrom - windowStart + 1);
          let text = full.slice(windowStart, offsets[r.cut]);
          if (r.crlf) text = text.replace(/\n/g, '\r\n');
          if (r.html) text = wrapLogHtml(text);
          texts.push(text);
          prevEnd = r.cut;
        }
        const whole = run([full]);
        const pieces = run(texts);
        expect(pieces).toEqual(whole);
        const keys = pieces.map((e) => `${e.kind}|${(e.params as { callId: string }).callId}`);
        expect(new Set(keys).size).toBe(keys.length);
      }),
      { numRuns: 300 },
    );
  });

  it('every call of a whole log is announced first, then connected/disconnected at most once', () => {
    fc.assert(
      fc.property(logArb, (entries) => {
        const events = run([entries.join('')]);
        const seen = new Map<string, string[]>();
        for (const e of events) {
          const id = (e.params as { callId: string }).callId;
          seen.set(id, [...(seen.get(id) ?? []), e.kind]);
        }
        for (const kinds of seen.values()) {
          expect(['incoming', 'outgoing']).toContain(kinds[0]);
          expect(kinds.at(-1)).toBe('disconnected');
          expect(kinds.length).toBeLessThanOrEqual(3);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('parseLog never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        const r = parseLog(s);
        expect(Array.isArray(r.records)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

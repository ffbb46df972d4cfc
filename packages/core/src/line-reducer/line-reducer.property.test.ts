import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTION_EVENT_KINDS, type ActionEvent } from '../action-event.js';
import { DISCONNECT_MODES, type CallChange, type CallState } from '../call.js';
import { createLineState, type LineInput, type LineState } from '../line-state.js';
import { reduceLine, type LineReducerOptions } from './reduce-line.js';

const OPTIONS: LineReducerOptions = {
  staleCallTimeoutMs: 60 * 60 * 1000,
  setupTimeoutMs: 5 * 60 * 1000,
  onError: (error) => {
    throw new Error(`reducer internal error: ${String(error)}`);
  },
};

const eventArb: fc.Arbitrary<ActionEvent> = fc.record({
  phoneId: fc.constantFrom('p1', 'p1', 'p1', 'p2'),
  kind: fc.constantFrom(...ACTION_EVENT_KINDS),
  source: fc.constantFrom('action-url' as const, 'log-scan' as const),
  receivedAt: fc.nat(),
  params: fc.record(
    {
      callId: fc.constantFrom('c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'),
      nrOngoingCalls: fc.constantFrom(0, 1, 2),
      remote: fc.oneof(
        fc.constantFrom(
          'sip:+4930123456@pbx',
          '"Anna" <sip:201@pbx>',
          'anonymous@anonymous.invalid',
          '$remote',
          '',
        ),
        fc.string({ maxLength: 30 }),
      ),
      local: fc.constantFrom('sip:201@pbx', '201'),
      displayRemote: fc.string({ maxLength: 20 }),
      reason: fc.constantFrom(...DISCONNECT_MODES),
    },
    { requiredKeys: [] },
  ),
});

const garbageArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.anything(),
  fc.record({ kind: fc.string(), phoneId: fc.constant('p1'), params: fc.anything() }),
);

const stepArb = fc.tuple(
  fc.oneof(
    { weight: 12, arbitrary: eventArb },
    { weight: 2, arbitrary: fc.constant<LineInput>({ kind: 'tick' }) },
    { weight: 1, arbitrary: garbageArb as fc.Arbitrary<LineInput> },
  ),
  fc.constantFrom(0, 0, 500, 1000, 60_000, 6 * 60 * 1000, 2 * 60 * 60 * 1000),
);

/** Sequences with duplicates: some steps are repeated right away or later (reordering). */
const sequenceArb = fc.array(stepArb, { maxLength: 60 }).chain((steps) =>
  fc
    .array(
      fc.tuple(fc.nat({ max: Math.max(0, steps.length - 1) }), fc.nat({ max: steps.length })),
      {
        maxLength: 10,
      },
    )
    .map((copies) => {
      const out = [...steps];
      for (const [from, to] of copies) {
        const step = steps[from];
        if (step !== undefined) out.splice(to, 0, step);
      }
      return out;
    }),
);

interface Audit {
  created: Set<string>;
  finished: Map<string, number>;
  idle: Map<string, number>;
  lastState: Map<string, CallState>;
}

function audit(a: Audit, changes: readonly CallChange[]): void {
  for (const change of changes) {
    const id = change.call.id;
    expect(a.finished.get(id) ?? 0, `${id} changed after it finished`).toBe(0);
    if (change.type === 'call-state') {
      if (change.previousState === null) {
        expect(a.created.has(id), `${id} created twice`).toBe(false);
        a.created.add(id);
      } else {
        expect(a.lastState.get(id)).toBe(change.previousState);
      }
      a.lastState.set(id, change.call.state);
      if (change.call.state === 'idle') a.idle.set(id, (a.idle.get(id) ?? 0) + 1);
    } else if (change.type === 'call-finished') {
      expect(a.idle.get(id), `${id} finished without idle`).toBe(1);
      expect(change.call.state).toBe('idle');
      expect(change.call.missed).toBe(
        change.call.direction === 'inbound' && change.call.connectedAt === null,
      );
      a.finished.set(id, 1);
    } else {
      expect(a.created.has(id)).toBe(true);
      expect(change.fields.length).toBeGreaterThan(0);
    }
  }
}

describe('reduceLine properties', () => {
  it('never throws, idles each call at most once, live calls = created - finished', () => {
    fc.assert(
      fc.property(sequenceArb, (steps) => {
        let state = createLineState('p1');
        let now = 1_700_000_000_000;
        const a: Audit = {
          created: new Set(),
          finished: new Map(),
          idle: new Map(),
          lastState: new Map(),
        };
        for (const [input, dt] of steps) {
          now += dt;
          const step = reduceLine(state, input, now, OPTIONS);
          audit(a, step.changes);
          state = step.lineState;
          const live = Object.values(state.calls);
          expect(live.length).toBe(a.created.size - a.finished.size);
          for (const call of live) {
            expect(call.state).not.toBe('idle');
            expect(call.state).not.toBe('disconnected');
            expect(a.finished.has(call.id)).toBe(false);
          }
        }
        // A final "no calls" and a long tick finish every call exactly once.
        const end = reduceLine(
          state,
          {
            phoneId: 'p1',
            kind: 'onhook',
            source: 'action-url',
            receivedAt: now,
            params: { nrOngoingCalls: 0 },
          },
          now + 1,
          OPTIONS,
        );
        audit(a, end.changes);
        const tick = reduceLine(
          end.lineState,
          { kind: 'tick' },
          now + 24 * 60 * 60 * 1000,
          OPTIONS,
        );
        audit(a, tick.changes);
        expect(Object.keys(tick.lineState.calls)).toEqual([]);
        expect([...a.finished.keys()].sort()).toEqual([...a.created].sort());
        for (const count of a.idle.values()) expect(count).toBe(1);
      }),
      { numRuns: 400 },
    );
  });

  it('an end, hold or unhold for a Call-ID the line never saw journals or revives that call', () => {
    const kindArb = fc.constantFrom(
      'hold' as const,
      'unhold' as const,
      'disconnected' as const,
      'onhook' as const,
    );
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), kindArb, (prefix, kind) => {
        let state = createLineState('p1');
        let now = 1_000;
        for (const e of prefix) {
          now += 1000;
          state = reduceLine(state, e, now, OPTIONS).lineState;
        }
        const event: ActionEvent = {
          phoneId: 'p1',
          kind,
          source: 'action-url',
          receivedAt: now,
          params: { callId: 'never-seen' },
        };
        const step = reduceLine(state, event, now + 1000, OPTIONS);
        const live = Object.values(step.lineState.calls).filter(
          (c) => c.sipCallId === 'never-seen',
        );
        const finished = step.changes.filter(
          (c) => c.type === 'call-finished' && c.call.sipCallId === 'never-seen',
        );
        if (kind === 'hold' || kind === 'unhold') {
          expect(live).toHaveLength(1);
          expect(finished).toHaveLength(0);
        } else {
          expect(live).toHaveLength(0);
          expect(finished).toHaveLength(1);
        }
        // Afterwards the same Call-ID is known or recently ended: the event is a no-op.
        const again = reduceLine(step.lineState, event, now + 2000, OPTIONS);
        expect(again.changes.filter((c) => c.type === 'call-finished')).toEqual([]);
        expect(
          again.changes.filter((c) => c.type === 'call-state' && c.previousState === null),
        ).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('a duplicated event right after itself changes nothing', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), eventArb, (prefix, event) => {
        let state = createLineState('p1');
        let now = 1_000;
        for (const e of prefix) {
          now += 1000;
          state = reduceLine(state, e, now, OPTIONS).lineState;
        }
        const first = reduceLine(state, event, now, OPTIONS);
        const second = reduceLine(first.lineState, event, now, OPTIONS);
        // Events that create a new call each time (no Call-ID) are not duplicates by identity.
        if (event.params.callId !== undefined) {
          expect(second.changes).toEqual([]);
          expect(second.lineState).toBe(first.lineState);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a state round-tripped through JSON, or rebuilt from its declared fields, behaves identically', () => {
    fc.assert(
      fc.property(sequenceArb, fc.nat(), (steps, cut) => {
        const at = steps.length === 0 ? 0 : cut % (steps.length + 1);
        let state = createLineState('p1');
        let now = 1_700_000_000_000;
        for (const [input, dt] of steps.slice(0, at)) {
          now += dt;
          state = reduceLine(state, input, now, OPTIONS).lineState;
        }
        const copy = JSON.parse(JSON.stringify(state)) as LineState;
        // JSON-safe: nothing is lost or changes type on the way (no undefined, Map, Set, NaN).
        expect(copy).toStrictEqual(state);
        let original = state;
        let viaJson = copy;
        let rebuilt = declaredFields(state);
        for (const [input, dt] of steps.slice(at)) {
          now += dt;
          const a = reduceLine(original, input, now, OPTIONS);
          const b = reduceLine(viaJson, input, now, OPTIONS);
          const c = reduceLine(rebuilt, input, now, OPTIONS);
          expect(b.changes).toEqual(a.changes);
          expect(c.changes).toEqual(a.changes);
          expect(b.lineState).toStrictEqual(a.lineState);
          expect(c.lineState).toStrictEqual(a.lineState);
          original = a.lineState;
          viaJson = JSON.parse(JSON.stringify(b.lineState)) as LineState;
          rebuilt = declaredFields(c.lineState);
        }
      }),
      { numRuns: 250 },
    );
  }, 30_000);
});

/**
 * Every field `LineState` declares (the compiler keeps this list complete): a state rebuilt from
 * them, as a snapshot, a test or a stored cluster line would be, must lose nothing.
 */
const LINE_STATE_FIELDS = {
  phoneId: true,
  calls: true,
  offhook: true,
  nextSyntheticId: true,
  endedCallIds: true,
  unboundEnded: true,
  unannounced: true,
  hookDebtAt: true,
  presence: true,
} as const satisfies Record<keyof LineState, true>;

function declaredFields(state: LineState): LineState {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(LINE_STATE_FIELDS)) {
    copy[key] = structuredClone((state as unknown as Record<string, unknown>)[key]);
  }
  return copy as unknown as LineState;
}

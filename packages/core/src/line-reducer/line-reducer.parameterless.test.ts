import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActionEventKind, ActionEventParams } from '../action-event.js';
import type { CallChange, FinishedCall } from '../call.js';
import { DEFAULT_DIAL_RULES, type DialRules } from '../dial-rules.js';
import { createLineState, type LineState } from '../line-state.js';
import { DEFAULT_SETUP_TIMEOUT_MS, reduceLine } from './reduce-line.js';
import { actionEvent } from '../testing/index.js';

// A snom 190-class phone sends Action URLs without parameters (incoming, outgoing, offhook,
// onhook: one synthetic call); the daemon's log scanner reports the same call from the phone's
// SIP log (incoming/outgoing with the remote and the SIP Call-ID, connected, disconnected). The
// two streams are each in order, but either can be ahead of the other. Whatever the
// interleaving, one real call must give exactly one finished call.

const RULES: DialRules = { ...DEFAULT_DIAL_RULES, areaCode: '30' };

type Ev = readonly [
  kind: ActionEventKind,
  source: 'action-url' | 'log-scan',
  params?: ActionEventParams,
];

interface Scenario {
  readonly name: string;
  /** Parameterless Action URLs, in the order the phone sends them. */
  readonly au: readonly Ev[];
  /** Log-scan events, in the order the scanner reports them. */
  readonly log: readonly Ev[];
  readonly direction: 'inbound' | 'outbound';
  readonly missed: boolean;
  /** Index in `au` of the Action URL that ends the call, if one does. */
  readonly auEnd: number | null;
}

function scenarios(callId: string, number: string): Scenario[] {
  const remote = `sip:${number}@pbx.example`;
  const local = 'sip:201@pbx.example';
  const announce = { callId, remote, local, displayRemote: 'Anna' };
  const logged = { callId, remote, local };
  return [
    {
      name: 'incoming, answered, hung up',
      au: [
        ['incoming', 'action-url'],
        ['offhook', 'action-url'],
        ['onhook', 'action-url'],
      ],
      log: [
        ['incoming', 'log-scan', announce],
        ['connected', 'log-scan', logged],
        ['disconnected', 'log-scan', { ...logged, reason: 'normal' }],
      ],
      direction: 'inbound',
      missed: false,
      auEnd: 2,
    },
    {
      name: 'incoming, the caller gives up (the phone sends only incoming)',
      au: [['incoming', 'action-url']],
      log: [
        ['incoming', 'log-scan', announce],
        ['disconnected', 'log-scan', { ...logged, reason: 'cancelled' }],
      ],
      direction: 'inbound',
      missed: true,
      auEnd: null,
    },
    {
      name: 'outgoing, answered, hung up',
      au: [
        ['offhook', 'action-url'],
        ['outgoing', 'action-url'],
        ['onhook', 'action-url'],
      ],
      log: [
        ['outgoing', 'log-scan', logged],
        ['connected', 'log-scan', logged],
        ['disconnected', 'log-scan', { ...logged, reason: 'normal' }],
      ],
      direction: 'outbound',
      missed: false,
      auEnd: 2,
    },
    {
      name: 'outgoing, nobody answers, the user hangs up',
      au: [
        ['offhook', 'action-url'],
        ['outgoing', 'action-url'],
        ['onhook', 'action-url'],
      ],
      log: [
        ['outgoing', 'log-scan', logged],
        ['disconnected', 'log-scan', { ...logged, reason: 'cancelled' }],
      ],
      direction: 'outbound',
      missed: false,
      auEnd: 2,
    },
  ];
}

/** Every interleaving of two ordered lists, as lists of [stream, index]. */
function interleavings(a: number, b: number): ('au' | 'log')[][] {
  if (a === 0) return [Array<'log'>(b).fill('log')];
  if (b === 0) return [Array<'au'>(a).fill('au')];
  return [
    ...interleavings(a - 1, b).map((rest) => ['au' as const, ...rest]),
    ...interleavings(a, b - 1).map((rest) => ['log' as const, ...rest]),
  ];
}

function merge(s: Scenario, order: readonly ('au' | 'log')[]): Ev[] {
  let i = 0;
  let j = 0;
  return order.map((stream) => (stream === 'au' ? s.au[i++] : s.log[j++])!);
}

interface Outcome {
  finished: FinishedCall[];
  state: LineState;
  changes: CallChange[];
  now: number;
}

function feed(
  events: readonly Ev[],
  start: LineState = createLineState('p1'),
  t0 = 1_000_000,
  gapMs: readonly number[] = [],
): Outcome {
  let state = start;
  let now = t0;
  const changes: CallChange[] = [];
  events.forEach(([kind, source, params], index) => {
    now += gapMs[index] ?? 200;
    const step = reduceLine(state, actionEvent('p1', kind, params ?? {}, { source }), now, {
      dialRules: RULES,
    });
    state = step.lineState;
    changes.push(...step.changes);
  });
  // Let anything still live time out: a leftover call would be a second journal row.
  now += DEFAULT_SETUP_TIMEOUT_MS * 60;
  const tick = reduceLine(state, { kind: 'tick' }, now, { dialRules: RULES });
  changes.push(...tick.changes);
  state = tick.lineState;
  const finished = changes.flatMap((c) => (c.type === 'call-finished' ? [c.call] : []));
  return { finished, state, changes, now };
}

function describeOrder(events: readonly Ev[]): string {
  return events.map(([kind, source]) => (source === 'log-scan' ? `log:${kind}` : kind)).join(' ');
}

function remoteOf(call: FinishedCall): string | null {
  return (call.direction === 'outbound' ? call.calledId : call.callerId).number;
}

describe('190-class: parameterless Action URLs interleaved with the log scan', () => {
  const NUMBER = '+4930123456';
  const cases = scenarios('X@pbx', NUMBER).flatMap((s) =>
    interleavings(s.au.length, s.log.length).map((order) => {
      const events = merge(s, order);
      return [`${s.name}: ${describeOrder(events)}`, s, events] as const;
    }),
  );

  it.each(cases)('%s → one finished call', (_name, s, events) => {
    const { finished, state } = feed(events);
    expect(finished.map((c) => c.id)).toHaveLength(1);
    expect(Object.keys(state.calls)).toEqual([]);
    const call = finished[0]!;
    expect(call.missed).toBe(s.missed);
    expect(call.direction).toBe(s.direction);
    // The number is known unless the phone's hang-up ended the call before the log scan had
    // reported it (the journal row is written when the call ends).
    const logAnnounce = events.findIndex(([, source]) => source === 'log-scan');
    const auEnd = s.auEnd === null ? -1 : events.findIndex((e) => e === s.au[s.auEnd ?? 0]);
    if (auEnd === -1 || logAnnounce < auEnd) expect(remoteOf(call)).toBe(NUMBER);
    else expect(remoteOf(call)).toBeNull();
  });

  it('a late log record of an ended call does not bind to the next call that rings', () => {
    // Call 1 ends (onhook) before the log scan reports it; call 2 rings; then one read of the
    // log reports both calls.
    const events: Ev[] = [
      ['incoming', 'action-url'],
      ['offhook', 'action-url'],
      ['onhook', 'action-url'],
      ['incoming', 'action-url'],
      ['incoming', 'log-scan', { callId: 'one', remote: 'sip:+4930111111@pbx' }],
      ['connected', 'log-scan', { callId: 'one' }],
      ['disconnected', 'log-scan', { callId: 'one', reason: 'normal' }],
      ['incoming', 'log-scan', { callId: 'two', remote: 'sip:+4930222222@pbx' }],
      ['offhook', 'action-url'],
      ['connected', 'log-scan', { callId: 'two' }],
      ['onhook', 'action-url'],
      ['disconnected', 'log-scan', { callId: 'two', reason: 'normal' }],
    ];
    const { finished } = feed(events);
    expect(finished.map((c) => [remoteOf(c), c.sipCallId, c.missed])).toEqual([
      [null, null, false],
      ['+4930222222', 'two', false],
    ]);
  });

  it('a missed call still ringing when the next call starts keeps its own record', () => {
    const events: Ev[] = [
      ['incoming', 'action-url'],
      ['incoming', 'log-scan', { callId: 'one', remote: 'sip:+4930111111@pbx' }],
      ['disconnected', 'log-scan', { callId: 'one', reason: 'cancelled' }],
      ['incoming', 'action-url'],
      ['offhook', 'action-url'],
      ['incoming', 'log-scan', { callId: 'two', remote: 'sip:+4930222222@pbx' }],
      ['connected', 'log-scan', { callId: 'two' }],
      ['onhook', 'action-url'],
      ['disconnected', 'log-scan', { callId: 'two', reason: 'normal' }],
    ];
    const { finished } = feed(events);
    expect(finished.map((c) => [remoteOf(c), c.sipCallId, c.missed])).toEqual([
      ['+4930111111', 'one', true],
      ['+4930222222', 'two', false],
    ]);
  });

  it('a log record later than logScanGraceMs after the call ended is a call of its own', () => {
    const gaps = [200, 200, 200, 61_000, 200, 200];
    const events: Ev[] = [
      ['incoming', 'action-url'],
      ['offhook', 'action-url'],
      ['onhook', 'action-url'],
      ['incoming', 'log-scan', { callId: 'late', remote: 'sip:+4930111111@pbx' }],
      ['connected', 'log-scan', { callId: 'late' }],
      ['disconnected', 'log-scan', { callId: 'late', reason: 'normal' }],
    ];
    expect(feed(events, undefined, undefined, gaps).finished).toHaveLength(2);
  });

  it('a lifted and replaced handset (no SIP dialog) does not swallow the next call’s record', () => {
    const events: Ev[] = [
      ['offhook', 'action-url'],
      ['onhook', 'action-url'],
      ['offhook', 'action-url'],
      ['outgoing', 'action-url'],
      ['outgoing', 'log-scan', { callId: 'o', remote: 'sip:0301234567@pbx' }],
      ['onhook', 'action-url'],
    ];
    const { finished } = feed(events);
    expect(finished.map((c) => [c.state, remoteOf(c), c.sipCallId])).toEqual([
      ['idle', null, null],
      ['idle', '0301234567', 'o'],
    ]);
  });
});

describe('190-class: consecutive calls, random interleavings (fast-check)', () => {
  // Several calls in a row on one phone. The phone handles one call at a time; the log scan of
  // a call may lag into the next call's Action URLs (by at most one call), and may be ahead of
  // the Action URLs of its own call once the phone announced it. Every call comes out once.
  it('n real calls give n finished calls, each with its own Call-ID', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(0, 1, 2, 3), { minLength: 1, maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        (kinds, coin) => {
          const calls = kinds.map(
            (k, n) =>
              scenarios(`call-${String(n)}@pbx`, `+49301234${String(n).padStart(2, '0')}`)[k]!,
          );
          const au = calls.flatMap((s, n) => s.au.map((e) => ({ n, e })));
          const log = calls.flatMap((s, n) => s.log.map((e) => ({ n, e })));
          const auDone = (n: number, i: number): boolean =>
            n < 0 || au.slice(0, i).filter((x) => x.n === n).length === calls[n]!.au.length;
          const logDone = (n: number, j: number): boolean =>
            n < 0 || log.slice(0, j).filter((x) => x.n === n).length === calls[n]!.log.length;
          const events: Ev[] = [];
          let i = 0;
          let j = 0;
          let k = 0;
          while (i < au.length || j < log.length) {
            const nextAu = au[i];
            const nextLog = log[j];
            const auOk = nextAu !== undefined && logDone(nextAu.n - 2, j);
            const logOk =
              nextLog !== undefined &&
              auDone(nextLog.n - 1, i) &&
              au.slice(0, i).some((x) => x.n === nextLog.n);
            const takeAu = auOk && (!logOk || (coin[k++ % coin.length] ?? true));
            if (takeAu) events.push(au[i++]!.e);
            else if (logOk) events.push(log[j++]!.e);
            else events.push(au[i++]!.e); // only reachable when both wait: keep the phone's order
          }
          const { finished } = feed(events);
          expect(finished, describeOrder(events)).toHaveLength(calls.length);
          const ids = finished.map((c) => c.sipCallId).filter((id) => id !== null);
          expect(new Set(ids).size, describeOrder(events)).toBe(ids.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});

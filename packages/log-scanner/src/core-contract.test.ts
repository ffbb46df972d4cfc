import {
  createLineState,
  reduceLine,
  type ActionEvent,
  type CallChange,
  type FinishedCall,
  type LineState,
} from '@snomlink/core';
import { describe, expect, it } from 'vitest';
import { inferCallEvents } from './infer-call-events.js';
import { parseLog } from './parse-log.js';
import { formatSipLogEntry, scenarioPhases, type CallScenario } from './testing/sip-log.js';

describe('log-scan events drive the core state machine', () => {
  it('enrich the synthetic call of a parameterless incoming, then connect and end it', () => {
    const url = (kind: ActionEvent['kind'], at: number): ActionEvent => ({
      phoneId: 'p190',
      kind,
      source: 'action-url',
      receivedAt: at,
      params: {},
    });
    const text = scenarioPhases({
      callId: 'sip-call-1',
      direction: 'incoming',
      remote: '+4930123456',
      display: 'Anna Müller',
      outcome: 'answered',
    })
      .flat()
      .map((m) => formatSipLogEntry(m))
      .join('');
    const logEvents = inferCallEvents(parseLog(text).records, undefined, {
      phoneId: 'p190',
      now: 1100,
    }).events;

    let state: LineState = createLineState('p190');
    const apply = (e: ActionEvent) => {
      const step = reduceLine(state, e, e.receivedAt);
      state = step.lineState;
      return step.changes;
    };
    apply(url('incoming', 1000));
    expect(Object.values(state.calls)).toHaveLength(1);
    apply(logEvents[0]!); // incoming with remote + callId
    const calls = Object.values(state.calls);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      sipCallId: 'sip-call-1',
      direction: 'inbound',
      callerId: { number: '+4930123456', displayName: 'Anna Müller' },
    });
    apply(logEvents[1]!);
    expect(Object.values(state.calls)[0]?.state).toBe('connected');
    const finished = apply(logEvents[2]!).filter((c) => c.type === 'call-finished');
    expect(finished).toHaveLength(1);
    expect(Object.values(state.calls)).toHaveLength(0);
  });

  /** Feeds a whole scenario's log-scan events to core: the call it finished, the states passed. */
  const runInCore = (scenario: CallScenario): { call: FinishedCall; states: string[] } => {
    const text = scenarioPhases(scenario)
      .flat()
      .map((m) => formatSipLogEntry(m))
      .join('');
    const events = inferCallEvents(parseLog(text).records, undefined, {
      phoneId: 'p',
      now: 1000,
    }).events;
    let state: LineState = createLineState('p');
    const changes: CallChange[] = [];
    for (const e of events) {
      const step = reduceLine(state, e, e.receivedAt);
      state = step.lineState;
      changes.push(...step.changes);
    }
    const finished = changes.flatMap((c) => (c.type === 'call-finished' ? [c.call] : []));
    expect(finished).toHaveLength(1);
    expect(Object.values(state.calls)).toHaveLength(0);
    const states = changes.flatMap((c) => (c.type === 'call-state' ? [c.call.state] : []));
    return { call: finished[0]!, states };
  };

  it.each([
    ['incoming', 'rejected', 'rejected', true], // the phone sent 486 (the user rejected)
    ['incoming', 'missed', 'cancelled', true], // the caller gave up: CANCEL received
    ['incoming', 'answered', 'normal', false],
    ['outgoing', 'rejected', 'busy', false], // 486 received
    ['outgoing', 'missed', 'cancelled', false], // our user gave up: CANCEL sent
  ] as const)(
    '%s %s ends in core with disconnectMode %s (missed: %s)',
    (dir, outcome, mode, missed) => {
      const { call } = runInCore({ callId: 'c1', direction: dir, remote: '+4930123456', outcome });
      expect(call).toMatchObject({
        sipCallId: 'c1',
        direction: dir === 'incoming' ? 'inbound' : 'outbound',
        disconnectMode: mode,
        missed,
      });
    },
  );

  it("a busy outgoing passes through core's busy state before it ends", () => {
    const { states } = runInCore({
      callId: 'c2',
      direction: 'outgoing',
      remote: '0301234567',
      outcome: 'rejected',
    });
    expect(states.slice(-3)).toEqual(['busy', 'disconnected', 'idle']);
  });
});

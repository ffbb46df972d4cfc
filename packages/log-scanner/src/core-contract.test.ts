import { createLineState, reduceLine, type ActionEvent, type LineState } from '@snomlink/core';
import { describe, expect, it } from 'vitest';
import { inferCallEvents } from './infer-call-events.js';
import { parseLog } from './parse-log.js';
import { formatSipLogEntry, scenarioPhases } from './testing/sip-log.js';

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
});

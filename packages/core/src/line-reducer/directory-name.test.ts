import { describe, expect, it } from 'vitest';
import type { CallChange } from '../call.js';
import { createEventHub } from '../event-hub.js';
import type { SnomlinkEvent } from '../hub-event.js';
import { createLineModel } from '../line-model.js';
import { createLineState, type LineState } from '../line-state.js';
import { actionEvent } from '../testing/index.js';
import { reduceLine } from './reduce-line.js';

const incoming = (callId = 'c1', remote = 'sip:0301234567@pbx', display?: string) =>
  actionEvent('p1', 'incoming', {
    callId,
    remote,
    local: 'sip:2001@pbx',
    ...(display === undefined ? {} : { displayRemote: display }),
  });

function ringing(display?: string): LineState {
  return reduceLine(createLineState('p1'), incoming('c1', 'sip:0301234567@pbx', display), 1000)
    .lineState;
}

describe('directory-name input', () => {
  it('names the party with one call-info, keeps the phone name and lastEventAt', () => {
    const state = ringing('Reception');
    const step = reduceLine(
      state,
      {
        kind: 'directory-name',
        phoneId: 'p1',
        callId: 'c1',
        party: 'callerId',
        number: '0301234567',
        name: 'Jörg Müller',
      },
      5000,
    );
    expect(step.changes).toHaveLength(1);
    const change = step.changes[0] as Extract<CallChange, { type: 'call-info' }>;
    expect(change.type).toBe('call-info');
    expect(change.fields).toEqual(['callerId']);
    expect(change.call.callerId.directoryName).toBe('Jörg Müller');
    expect(change.call.callerId.displayName).toBe('Reception');
    expect(change.call.lastEventAt).toBe(state.calls.c1?.lastEventAt);
    // The state stays JSON-safe and a pure function of its inputs.
    expect(JSON.parse(JSON.stringify(step.lineState))).toEqual(step.lineState);
    // The same name again is a no-op (same state object).
    const again = reduceLine(
      step.lineState,
      {
        kind: 'directory-name',
        phoneId: 'p1',
        callId: 'c1',
        party: 'callerId',
        number: '0301234567',
        name: 'Jörg Müller',
      },
      6000,
    );
    expect(again.changes).toEqual([]);
    expect(again.lineState).toBe(step.lineState);
  });

  it('changes nothing for an unknown call, another number, another phone, or a later event', () => {
    const state = ringing();
    const base = {
      kind: 'directory-name',
      phoneId: 'p1',
      callId: 'c1',
      party: 'callerId',
      number: '0301234567',
      name: 'X',
    } as const;
    for (const input of [
      { ...base, callId: 'nope' },
      { ...base, number: '0309999999' },
      { ...base, phoneId: 'p2' },
      { ...base, party: 'connectedId' as const },
    ]) {
      const step = reduceLine(state, input, 2000);
      expect(step.changes).toEqual([]);
      expect(step.lineState).toBe(state);
    }
    // A name survives later events that re-report the same party.
    const named = reduceLine(state, base, 2000).lineState;
    const connected = reduceLine(
      named,
      actionEvent('p1', 'connected', { callId: 'c1', remote: 'sip:0301234567@pbx' }),
      3000,
    ).lineState;
    expect(connected.calls.c1?.callerId.directoryName).toBe('X');
  });

  it('strips control characters and bounds the length', () => {
    const step = reduceLine(
      ringing(),
      {
        kind: 'directory-name',
        phoneId: 'p1',
        callId: 'c1',
        party: 'callerId',
        number: '0301234567',
        name: ` A\u0000B\u001b[31m ${'x'.repeat(400)}`,
      },
      2000,
    );
    const name = step.lineState.calls.c1?.callerId.directoryName ?? '';
    expect(name.startsWith('AB[31m x')).toBe(true);
    expect(name).toHaveLength(256);
  });
});

describe('LineModel.applyDirectoryName', () => {
  it('publishes the call-info on the hub, and nothing once the call ended', () => {
    const hub = createEventHub<SnomlinkEvent>();
    const seen: SnomlinkEvent[] = [];
    hub.subscribe((e) => seen.push(e));
    const model = createLineModel({ hub });
    model.apply(incoming());
    const input = {
      callId: 'c1',
      party: 'callerId',
      number: '0301234567',
      name: 'Jörg Müller',
    } as const;
    seen.length = 0;
    expect(model.applyDirectoryName(input)).toHaveLength(1);
    expect(seen.map((e) => e.type)).toEqual(['call-info']);
    expect(model.getCall('c1')?.callerId.directoryName).toBe('Jörg Müller');
    model.apply(actionEvent('p1', 'disconnected', { callId: 'c1' }));
    seen.length = 0;
    expect(model.applyDirectoryName({ ...input, name: 'Other' })).toEqual([]);
    expect(seen).toEqual([]);
  });
});

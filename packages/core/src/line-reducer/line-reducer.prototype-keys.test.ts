import { describe, expect, it } from 'vitest';
import type { ActionEventKind, ActionEventParams } from '../action-event.js';
import type { CallChange } from '../call.js';
import { DEFAULT_DIAL_RULES, type DialRules } from '../dial-rules.js';
import { createLineState, type LineInput, type LineState } from '../line-state.js';
import { actionEvent } from '../testing/index.js';
import { reduceLine } from './reduce-line.js';

// A SIP Call-ID is whatever the PBX sends. Calls are keyed by it in a plain object, so an id
// that names an Object.prototype member must behave like any other id, not find the prototype's
// function (or, for `__proto__`, the prototype itself).

const RULES: DialRules = { ...DEFAULT_DIAL_RULES, areaCode: '30' };

const ANNA = { remote: '"Anna" <sip:+4930123456@pbx.example>', local: 'sip:201@pbx.example' };
const BEN = { remote: '"Ben" <sip:+4930654321@pbx.example>', local: 'sip:201@pbx.example' };

type Input =
  | [kind: ActionEventKind, params: ActionEventParams, source?: 'action-url' | 'log-scan']
  | ['directory-name', callId: string]
  | ['tick', number];

/** Two calls on one line, the first with Call-ID `id`: ring, answer, hold, name, end, late dup. */
function scenario(id: string): Input[] {
  return [
    ['incoming', { callId: id, ...ANNA, nrOngoingCalls: 1 }],
    ['offhook', { callId: id }],
    ['connected', { callId: id, ...ANNA }],
    ['directory-name', id],
    ['incoming', { callId: 'second', ...BEN, nrOngoingCalls: 2 }],
    ['hold', { callId: id }],
    ['connected', { callId: 'second', ...BEN }],
    ['disconnected', { callId: 'second', nrOngoingCalls: 1 }],
    ['unhold', { callId: id }],
    ['disconnected', { callId: id, nrOngoingCalls: 0 }],
    ['onhook', { nrOngoingCalls: 0 }],
    // Late duplicates of the ended call stay no-ops (the ended-id memory).
    ['disconnected', { callId: id }, 'log-scan'],
    ['incoming', { callId: id, ...ANNA }, 'log-scan'],
    ['tick', 60_000],
  ];
}

/** Feeds the inputs one second apart; returns each step's changes and the final state. */
function run(inputs: readonly Input[]): { changes: CallChange[][]; state: LineState } {
  let state = createLineState('p1');
  let now = 1_000_000;
  const changes: CallChange[][] = [];
  for (const input of inputs) {
    let event: LineInput;
    if (input[0] === 'tick') {
      now += input[1];
      event = { kind: 'tick' };
    } else if (input[0] === 'directory-name') {
      now += 1000;
      event = {
        kind: 'directory-name',
        phoneId: 'p1',
        callId: input[1],
        party: 'callerId',
        number: '+4930123456',
        name: 'Anna Directory',
      };
    } else {
      now += 1000;
      event = actionEvent('p1', input[0], input[1], { source: input[2] ?? 'action-url' });
    }
    const step = reduceLine(state, event, now, { dialRules: RULES });
    state = step.lineState;
    changes.push([...step.changes]);
  }
  return { changes, state };
}

/** The run as JSON with the special id written as `plain`, to compare with the plain run. */
function normalised(result: ReturnType<typeof run>, id: string): string {
  return JSON.stringify(result).replaceAll(`"${id}"`, '"plain"');
}

describe('reduceLine: Call-IDs that name Object.prototype members', () => {
  const plain = run(scenario('plain'));

  it('the plain scenario itself sees both calls through (the comparison means something)', () => {
    const finished = plain.changes.flat().filter((c) => c.type === 'call-finished');
    expect(finished.map((c) => c.call.id)).toEqual(['second', 'plain']);
    expect(plain.changes.flat().some((c) => c.type === 'call-info')).toBe(true);
    expect(plain.state.calls).toEqual({});
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])(
    'Call-ID %s behaves exactly like any other id',
    (id) => {
      const special = run(scenario(id));
      expect(normalised(special, id)).toBe(normalised(plain, 'plain'));
      // Its state stays JSON-safe: a JSON round trip gives the same line.
      expect(JSON.parse(JSON.stringify(special.state))).toEqual(special.state);
    },
  );

  it('a live call with Call-ID __proto__ is an own entry of calls and survives JSON', () => {
    const { state } = run(scenario('__proto__').slice(0, 3));
    expect(Object.hasOwn(state.calls, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(state.calls)).toBe(Object.prototype);
    const copy = JSON.parse(JSON.stringify(state)) as LineState;
    expect(Object.hasOwn(copy.calls, '__proto__')).toBe(true);
    expect(copy.calls['__proto__']?.state).toBe('connected');
  });
});

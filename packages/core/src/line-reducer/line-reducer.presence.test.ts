import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTION_EVENT_KINDS, type ActionEvent, type ActionEventKind } from '../action-event.js';
import { createEventHub } from '../event-hub.js';
import type { SnomlinkEvent } from '../hub-event.js';
import { createLineModel } from '../line-model.js';
import { createLineState, type LineInput, type LineState } from '../line-state.js';
import { actionEvent } from '../testing/index.js';
import { reduceLine } from './reduce-line.js';

function run(inputs: readonly LineInput[], start = createLineState('p1')): LineState {
  let state = start;
  inputs.forEach((input, i) => {
    state = reduceLine(state, input, 1000 + i).lineState;
  });
  return state;
}

describe('line presence', () => {
  it.each<[string, ActionEventKind[], Partial<LineState['presence']>]>([
    ['dnd-on', ['dnd-on'], { dnd: true, dndChangedAt: 1000 }],
    ['dnd-on then off', ['dnd-on', 'dnd-off'], { dnd: false, dndChangedAt: 1001 }],
    ['redirection-on', ['redirection-on'], { forwarding: true, forwardingChangedAt: 1000 }],
    ['redirection-off', ['redirection-on', 'redirection-off'], { forwarding: false }],
    ['reg-failed', ['reg-failed'], { registered: false, registrationChangedAt: 1000 }],
    ['log-off', ['log-off'], { loggedOn: false, user: null, userChangedAt: 1000 }],
    ['call events leave presence alone', ['incoming', 'connected', 'setup'], { dnd: null }],
  ])('%s', (_name, kinds, expected) => {
    const state = run(kinds.map((kind) => actionEvent('p1', kind, { callId: 'c1' })));
    expect(state.presence).toMatchObject(expected);
  });

  it('log-on records the user and the registration', () => {
    const state = run([
      actionEvent('p1', 'reg-failed'),
      actionEvent('p1', 'log-on', { activeUser: '201' }),
    ]);
    expect(state.presence).toMatchObject({
      loggedOn: true,
      user: '201',
      userChangedAt: 1001,
      registered: true,
      registrationChangedAt: 1001,
    });
  });

  it('emits one line-presence change beside (not in) the call changes', () => {
    const step = reduceLine(createLineState('p1'), actionEvent('p1', 'dnd-on'), 5);
    expect(step.changes).toEqual([]);
    expect(step.presenceChanges).toEqual([
      {
        type: 'line-presence',
        phoneId: 'p1',
        dnd: true,
        forwarding: null,
        user: null,
        registered: null,
        changed: ['dnd'],
        presence: step.lineState.presence,
        at: 5,
      },
    ]);
  });

  it('treats duplicates as no-ops: same state object, no change, time kept', () => {
    const first = reduceLine(createLineState('p1'), actionEvent('p1', 'dnd-on'), 5);
    const again = reduceLine(first.lineState, actionEvent('p1', 'dnd-on'), 9);
    expect(again.lineState).toBe(first.lineState);
    expect(again.presenceChanges).toEqual([]);
    expect(again.lineState.presence.dndChangedAt).toBe(5);
  });

  it('ignores events of another phone', () => {
    const step = reduceLine(createLineState('p1'), actionEvent('p2', 'dnd-on'), 5);
    expect(step.presenceChanges).toEqual([]);
    expect(step.lineState.presence.dnd).toBeNull();
  });

  it('keeps the forwarding target set from the PC and shows it once forwarding is on', () => {
    const target = reduceLine(
      createLineState('p1'),
      { kind: 'forwarding-target', phoneId: 'p1', mode: 'always', target: '0301234' },
      5,
    );
    expect(target.presenceChanges[0]?.forwarding).toBeNull();
    expect(target.lineState.presence.forwardingTarget).toBe('0301234');
    const on = reduceLine(target.lineState, actionEvent('p1', 'redirection-on'), 6);
    expect(on.presenceChanges[0]?.forwarding).toEqual({ mode: 'always', target: '0301234' });
    const repeat = reduceLine(
      on.lineState,
      { kind: 'forwarding-target', phoneId: 'p1', mode: 'always', target: '0301234' },
      7,
    );
    expect(repeat.lineState).toBe(on.lineState);
  });

  it('survives a JSON round trip', () => {
    const state = run([
      actionEvent('p1', 'dnd-on'),
      actionEvent('p1', 'log-on', { activeUser: 'x' }),
    ]);
    const copy = JSON.parse(JSON.stringify(state)) as LineState;
    const a = reduceLine(state, actionEvent('p1', 'dnd-off'), 9);
    const b = reduceLine(copy, actionEvent('p1', 'dnd-off'), 9);
    expect(b).toEqual(a);
  });

  it('line model publishes line-presence to the hub and answers presence()', () => {
    const hub = createEventHub<SnomlinkEvent>();
    const published: SnomlinkEvent[] = [];
    hub.subscribe((e) => published.push(e));
    const model = createLineModel({ hub, now: () => 42 });
    expect(model.apply(actionEvent('p1', 'dnd-on'))).toEqual([]);
    expect(published.map((e) => e.type)).toEqual(['line-presence']);
    expect(model.presence('p1')?.dnd).toBe(true);
    expect(model.lines()).toEqual([{ phoneId: 'p1', presence: model.presence('p1') }]);
    model.setForwardingTarget('p1', 'busy', '555');
    expect(model.presence('p1')).toMatchObject({ forwardingMode: 'busy', forwardingTarget: '555' });
  });
});

const RELEVANT: Partial<Record<ActionEventKind, (p: LineState['presence']) => unknown>> = {
  'dnd-on': (p) => p.dnd === true,
  'dnd-off': (p) => p.dnd === false,
  'redirection-on': (p) => p.forwarding === true,
  'redirection-off': (p) => p.forwarding === false,
  'log-off': (p) => p.loggedOn === false && p.user === null,
  'log-on': (p) => p.loggedOn === true,
  'reg-failed': (p) => p.registered === false,
};

describe('line presence, any event sequence', () => {
  it('equals the last relevant event of each group, and a change is emitted only on a change', () => {
    const eventArb = fc.record({
      phoneId: fc.constant('p1'),
      kind: fc.constantFrom(...ACTION_EVENT_KINDS),
      source: fc.constantFrom('action-url' as const, 'log-scan' as const),
      receivedAt: fc.nat(),
      params: fc.record(
        { callId: fc.constantFrom('c1', 'c2'), activeUser: fc.constantFrom('201', '202') },
        { requiredKeys: [] },
      ),
    }) satisfies fc.Arbitrary<ActionEvent>;
    const groups: [
      ActionEventKind[],
      keyof LineState['presence'],
      (k: ActionEventKind) => unknown,
    ][] = [
      [['dnd-on', 'dnd-off'], 'dnd', (k) => k === 'dnd-on'],
      [['redirection-on', 'redirection-off'], 'forwarding', (k) => k === 'redirection-on'],
      [['log-on', 'log-off'], 'loggedOn', (k) => k === 'log-on'],
      [['reg-failed', 'log-on'], 'registered', (k) => k === 'log-on'],
    ];
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
        let state = createLineState('p1');
        events.forEach((event, i) => {
          const before = state.presence;
          const step = reduceLine(state, event, i);
          state = step.lineState;
          const check = RELEVANT[event.kind];
          if (check !== undefined) expect(check(state.presence)).toBe(true);
          const changed = JSON.stringify(before) !== JSON.stringify(state.presence);
          expect(step.presenceChanges.length).toBe(changed ? 1 : 0);
          expect(step.changes.every((c) => 'call' in c)).toBe(true);
        });
        for (const [kinds, field, valueOf] of groups) {
          const last = events.filter((e) => kinds.includes(e.kind)).at(-1);
          expect(state.presence[field]).toBe(last === undefined ? null : valueOf(last.kind));
        }
      }),
      { numRuns: 300 },
    );
  });
});

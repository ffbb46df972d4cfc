import { describe, expect, it } from 'vitest';
import type { ActionEventKind, ActionEventParams } from '../action-event.js';
import type { CallChange } from '../call.js';
import { DEFAULT_DIAL_RULES, type DialRules } from '../dial-rules.js';
import { createLineState, type LineInput, type LineState } from '../line-state.js';
import {
  DEFAULT_SETUP_TIMEOUT_MS,
  DEFAULT_STALE_CALL_TIMEOUT_MS,
  reduceLine,
} from './reduce-line.js';
import { actionEvent } from '../testing/index.js';

const RULES: DialRules = { ...DEFAULT_DIAL_RULES, areaCode: '30' };

type Input =
  | [kind: ActionEventKind, params?: ActionEventParams, source?: 'action-url' | 'log-scan']
  | ['tick', number];

/** Feeds inputs one second apart; returns the final state and every change in order. */
function run(inputs: readonly Input[], start: LineState = createLineState('p1')) {
  let state = start;
  let now = 1_000_000;
  const changes: CallChange[] = [];
  const steps: (readonly CallChange[])[] = [];
  for (const input of inputs) {
    let event: LineInput;
    if (input[0] === 'tick') {
      now += input[1];
      event = { kind: 'tick' };
    } else {
      now += 1000;
      event = actionEvent('p1', input[0], input[1] ?? {}, { source: input[2] ?? 'action-url' });
    }
    const step = reduceLine(state, event, now, { dialRules: RULES });
    state = step.lineState;
    changes.push(...step.changes);
    steps.push(step.changes);
  }
  return { state, changes, steps };
}

/** `call-state` changes as `id:previous>state`, `call-info` as `id:info(fields)`, finished as `id:finished`. */
function trace(changes: readonly CallChange[]): string[] {
  return changes.map((change) => {
    const id = change.call.id.replace(/^p1:[a-z0-9]+:(\d+)$/, 'S$1');
    const c = { ...change, call: { ...change.call, id } } as CallChange;
    if (c.type === 'call-state') return `${c.call.id}:${c.previousState ?? 'new'}>${c.call.state}`;
    if (c.type === 'call-info') return `${c.call.id}:info(${c.fields.join(',')})`;
    return `${c.call.id}:finished(${c.call.disconnectMode ?? '?'}${c.call.missed ? ',missed' : ''})`;
  });
}

const ANNA = {
  remote: '"Anna Müller" <sip:+4930123456@pbx.example>',
  local: 'sip:201@pbx.example',
};

describe('reduceLine transitions', () => {
  const table: [name: string, inputs: Input[], expected: string[]][] = [
    [
      'incoming → offhook → connected → disconnected → onhook',
      [
        ['incoming', { callId: 'a', ...ANNA, nrOngoingCalls: 1 }],
        ['offhook', { callId: 'a' }],
        ['connected', { callId: 'a', ...ANNA }],
        ['disconnected', { callId: 'a', nrOngoingCalls: 0 }],
        ['onhook', { nrOngoingCalls: 0 }],
      ],
      [
        'a:new>offering',
        'a:offering>connected',
        'a:connected>disconnected',
        'a:disconnected>idle',
        'a:finished(normal)',
      ],
    ],
    [
      'incoming → connected (no offhook) → disconnected',
      [
        ['incoming', { callId: 'a', ...ANNA }],
        ['connected', { callId: 'a' }],
        ['disconnected', { callId: 'a' }],
      ],
      [
        'a:new>offering',
        'a:offering>connected',
        'a:connected>disconnected',
        'a:disconnected>idle',
        'a:finished(normal)',
      ],
    ],
    [
      'outgoing with offhook first: dialtone → dialing → proceeding → connected → disconnected',
      [
        ['offhook', { local: ANNA.local }],
        ['outgoing', { callId: 'b', remote: 'sip:0301234567@pbx.example', local: ANNA.local }],
        ['connected', { callId: 'b' }],
        ['disconnected', { callId: 'b' }],
        ['onhook', {}],
      ],
      [
        'S1:new>dialtone',
        'S1:info(sipCallId,calledId,locality)',
        'S1:dialtone>dialing',
        'S1:dialing>proceeding',
        'S1:proceeding>connected',
        'S1:connected>disconnected',
        'S1:disconnected>idle',
        'S1:finished(normal)',
      ],
    ],
    [
      'offhook alone, then onhook: a dialtone call that ends normally',
      [
        ['offhook', {}],
        ['onhook', {}],
      ],
      [
        'S1:new>dialtone',
        'S1:dialtone>disconnected',
        'S1:disconnected>idle',
        'S1:finished(normal)',
      ],
    ],
    [
      'outgoing without offhook (click-to-dial) creates dialing → proceeding',
      [
        ['outgoing', { callId: 'c', remote: 'sip:202@pbx' }],
        ['disconnected', { callId: 'c' }],
      ],
      [
        'c:new>dialing',
        'c:dialing>proceeding',
        'c:proceeding>disconnected',
        'c:disconnected>idle',
        'c:finished(noanswer)',
      ],
    ],
    [
      'missed: explicit missed event',
      [
        ['incoming', { callId: 'a', ...ANNA }],
        ['missed', { callId: 'a', nrOngoingCalls: 0 }],
      ],
      [
        'a:new>offering',
        'a:offering>disconnected',
        'a:disconnected>idle',
        'a:finished(noanswer,missed)',
      ],
    ],
    [
      'missed: the caller gives up and only onhook follows',
      [
        ['incoming', {}],
        ['onhook', {}],
      ],
      [
        'S1:new>offering',
        'S1:offering>disconnected',
        'S1:disconnected>idle',
        'S1:finished(noanswer,missed)',
      ],
    ],
    [
      'missed: an unrelated event says nr_ongoing_calls=0',
      [
        ['incoming', { callId: 'a', ...ANNA }],
        ['dnd-on', { nrOngoingCalls: 0 }],
      ],
      [
        'a:new>offering',
        'a:offering>disconnected',
        'a:disconnected>idle',
        'a:finished(noanswer,missed)',
      ],
    ],
    [
      'missed event for a call we never saw creates and finishes it',
      [['missed', { callId: 'm', ...ANNA }]],
      [
        'm:new>offering',
        'm:offering>disconnected',
        'm:disconnected>idle',
        'm:finished(noanswer,missed)',
      ],
    ],
    [
      'rejected (log scan reports 486 sent)',
      [
        ['incoming', { callId: 'a', ...ANNA }],
        ['disconnected', { callId: 'a', reason: 'rejected' }, 'log-scan'],
      ],
      [
        'a:new>offering',
        'a:offering>disconnected',
        'a:disconnected>idle',
        'a:finished(rejected,missed)',
      ],
    ],
    [
      'busy: an outgoing call gets 486 and passes through busy',
      [
        ['outgoing', { callId: 'b', remote: 'sip:202@pbx' }],
        ['disconnected', { callId: 'b', reason: 'busy' }],
      ],
      [
        'b:new>dialing',
        'b:dialing>proceeding',
        'b:proceeding>busy',
        'b:busy>disconnected',
        'b:disconnected>idle',
        'b:finished(busy)',
      ],
    ],
    [
      'hold and unhold',
      [
        ['incoming', { callId: 'a', ...ANNA }],
        ['connected', { callId: 'a' }],
        ['hold', { callId: 'a' }],
        ['hold', { callId: 'a' }],
        ['unhold', {}],
        ['disconnected', {}],
      ],
      [
        'a:new>offering',
        'a:offering>connected',
        'a:connected>onhold',
        'a:onhold>connected',
        'a:connected>disconnected',
        'a:disconnected>idle',
        'a:finished(normal)',
      ],
    ],
    [
      'call waiting: two calls keyed by Call-ID',
      [
        ['incoming', { callId: 'a', ...ANNA }],
        ['connected', { callId: 'a' }],
        ['incoming', { callId: 'w', remote: 'sip:203@pbx' }],
        ['hold', { callId: 'a' }],
        ['connected', { callId: 'w' }],
        ['disconnected', { callId: 'w', nrOngoingCalls: 1 }],
        ['unhold', { callId: 'a' }],
        ['disconnected', { callId: 'a', nrOngoingCalls: 0 }],
      ],
      [
        'a:new>offering',
        'a:offering>connected',
        'w:new>offering',
        'a:connected>onhold',
        'w:offering>connected',
        'w:connected>disconnected',
        'w:disconnected>idle',
        'w:finished(normal)',
        'a:onhold>connected',
        'a:connected>disconnected',
        'a:disconnected>idle',
        'a:finished(normal)',
      ],
    ],
    [
      '190-class: parameterless incoming, enriched by the log scan, answered, hung up',
      [
        ['incoming', {}],
        ['incoming', { callId: 'sip-1', ...ANNA }, 'log-scan'],
        ['offhook', {}],
        ['connected', { callId: 'sip-1' }, 'log-scan'],
        ['onhook', {}],
        ['disconnected', { callId: 'sip-1' }, 'log-scan'],
      ],
      [
        'S1:new>offering',
        'S1:info(sipCallId,callerId,calledId,locality)',
        'S1:offering>connected',
        'S1:connected>disconnected',
        'S1:disconnected>idle',
        'S1:finished(normal)',
      ],
    ],
    [
      '190-class: parameterless outgoing after offhook, enriched later',
      [
        ['offhook', {}],
        ['outgoing', {}],
        ['outgoing', { callId: 'sip-2', remote: 'sip:0301234567@pbx' }, 'log-scan'],
        ['onhook', {}],
      ],
      [
        'S1:new>dialtone',
        'S1:dialtone>dialing',
        'S1:dialing>proceeding',
        'S1:info(sipCallId,calledId,locality)',
        'S1:proceeding>disconnected',
        'S1:disconnected>idle',
        'S1:finished(noanswer)',
      ],
    ],
    [
      'a late log-scan record of an ended unbound call creates nothing',
      [
        ['incoming', {}],
        ['onhook', {}],
        ['incoming', { callId: 'late', ...ANNA }, 'log-scan'],
        ['disconnected', { callId: 'late' }, 'log-scan'],
      ],
      [
        'S1:new>offering',
        'S1:offering>disconnected',
        'S1:disconnected>idle',
        'S1:finished(noanswer,missed)',
      ],
    ],
    [
      'duplicates are no-ops',
      [
        ['incoming', { callId: 'a', ...ANNA }],
        ['incoming', { callId: 'a', ...ANNA }],
        ['connected', { callId: 'a' }],
        ['connected', { callId: 'a' }],
        ['disconnected', { callId: 'a' }],
        ['disconnected', { callId: 'a' }],
        ['connected', { callId: 'a' }],
        ['missed', { callId: 'a' }],
      ],
      [
        'a:new>offering',
        'a:offering>connected',
        'a:connected>disconnected',
        'a:disconnected>idle',
        'a:finished(normal)',
      ],
    ],
    [
      'out of order: connected before incoming creates the call; incoming then only adds info',
      [
        ['connected', { callId: 'a' }],
        ['incoming', { callId: 'a', ...ANNA }],
        ['disconnected', { callId: 'a' }],
      ],
      [
        'a:new>connected',
        'a:info(callerId,calledId,locality,connectedId)',
        'a:connected>disconnected',
        'a:disconnected>idle',
        'a:finished(normal)',
      ],
    ],
    [
      'after a restart: hold for an unknown Call-ID recreates the call on hold, its end journals it',
      [
        ['hold', { callId: 'r', ...ANNA }],
        ['unhold', { callId: 'r' }],
        ['disconnected', { callId: 'r' }],
        ['onhook', { callId: 'r' }],
      ],
      [
        'r:new>onhold',
        'r:onhold>connected',
        'r:connected>disconnected',
        'r:disconnected>idle',
        'r:finished(normal)',
      ],
    ],
    [
      'after a restart: unhold for an unknown Call-ID recreates the call connected',
      [
        ['unhold', { callId: 'r' }],
        ['hold', { callId: 'r' }],
        ['onhook', { callId: 'r' }],
      ],
      [
        'r:new>connected',
        'r:connected>onhold',
        'r:onhold>disconnected',
        'r:disconnected>idle',
        'r:finished(normal)',
      ],
    ],
    [
      'after a restart: disconnected for an unknown Call-ID creates and finishes it (mode unknown)',
      [
        ['disconnected', { callId: 'r', ...ANNA }],
        ['disconnected', { callId: 'r' }],
        ['onhook', { callId: 'r' }],
        ['hold', { callId: 'r' }],
      ],
      ['r:new>disconnected', 'r:disconnected>idle', 'r:finished(unknown)'],
    ],
    [
      'after a restart: disconnected with a reason (log scan) keeps the reason',
      [['disconnected', { callId: 'r', reason: 'rejected' }, 'log-scan']],
      ['r:new>disconnected', 'r:disconnected>idle', 'r:finished(rejected)'],
    ],
    [
      'after a restart: onhook for an unknown Call-ID creates and finishes it',
      [['onhook', { callId: 'r', nrOngoingCalls: 0 }]],
      ['r:new>disconnected', 'r:disconnected>idle', 'r:finished(unknown)'],
    ],
    [
      'without a Call-ID and no live call, disconnected, onhook, hold and unhold change nothing',
      [
        ['disconnected', {}],
        ['onhook', {}],
        ['hold', {}],
        ['unhold', {}],
        ['disconnected', { reason: 'normal' }, 'log-scan'],
      ],
      [],
    ],
    [
      'a Call-ID that ended recently is never recreated (hold, unhold, disconnected, onhook)',
      [
        ['incoming', { callId: 'a', ...ANNA }],
        ['disconnected', { callId: 'a' }],
        ['hold', { callId: 'a' }],
        ['unhold', { callId: 'a' }],
        ['disconnected', { callId: 'a' }],
        ['onhook', { callId: 'a' }],
        ['disconnected', { callId: 'a' }, 'log-scan'],
      ],
      [
        'a:new>offering',
        'a:offering>disconnected',
        'a:disconnected>idle',
        'a:finished(noanswer,missed)',
      ],
    ],
    [
      '190-class: a late log-scan disconnected for a synthetic call that already ended creates nothing',
      [
        ['incoming', {}],
        ['offhook', {}],
        ['onhook', {}],
        ['incoming', { callId: 'sip-1', ...ANNA }, 'log-scan'],
        ['connected', { callId: 'sip-1' }, 'log-scan'],
        ['disconnected', { callId: 'sip-1', reason: 'normal' }, 'log-scan'],
      ],
      [
        'S1:new>offering',
        'S1:offering>connected',
        'S1:connected>disconnected',
        'S1:disconnected>idle',
        'S1:finished(normal)',
      ],
    ],
    [
      'nr_ongoing_calls=0 ends every live call',
      [
        ['incoming', { callId: 'a', ...ANNA }],
        ['connected', { callId: 'a' }],
        ['incoming', { callId: 'w' }],
        ['onhook', { nrOngoingCalls: 0 }],
      ],
      [
        'a:new>offering',
        'a:offering>connected',
        'w:new>offering',
        'a:connected>disconnected',
        'a:disconnected>idle',
        'a:finished(normal)',
        'w:offering>disconnected',
        'w:disconnected>idle',
        'w:finished(noanswer,missed)',
      ],
    ],
    [
      'setup timeout: a ringing call with no event for 5 minutes ends on a tick',
      [
        ['incoming', { callId: 'a' }],
        ['tick', DEFAULT_SETUP_TIMEOUT_MS - 1],
        ['tick', 1],
      ],
      [
        'a:new>offering',
        'a:offering>disconnected',
        'a:disconnected>idle',
        'a:finished(noanswer,missed)',
      ],
    ],
    [
      'stale timeout: a connected call with no event for 4 hours ends with mode unknown',
      [
        ['incoming', { callId: 'a' }],
        ['connected', { callId: 'a' }],
        ['tick', DEFAULT_SETUP_TIMEOUT_MS * 2],
        ['tick', DEFAULT_STALE_CALL_TIMEOUT_MS],
      ],
      [
        'a:new>offering',
        'a:offering>connected',
        'a:connected>disconnected',
        'a:disconnected>idle',
        'a:finished(unknown)',
      ],
    ],
    [
      'setup (reboot) ends everything',
      [
        ['incoming', { callId: 'a' }],
        ['setup', {}],
      ],
      [
        'a:new>offering',
        'a:offering>disconnected',
        'a:disconnected>idle',
        'a:finished(unknown,missed)',
      ],
    ],
  ];

  it.each(table)('%s', (_name, inputs, expected) => {
    const { changes, state } = run(inputs);
    expect(trace(changes)).toEqual(expected);
    expect(Object.keys(state.calls)).toEqual([]);
  });
});

describe('reduceLine details', () => {
  it('fills parties with parsed address, canonical form and locality', () => {
    const { state } = run([['incoming', { callId: 'a', ...ANNA, displayRemote: 'Anna M.' }]]);
    const call = state.calls['a']!;
    expect(call).toMatchObject({
      id: 'a',
      sipCallId: 'a',
      phoneId: 'p1',
      state: 'offering',
      direction: 'inbound',
      locality: 'external',
      callerId: {
        number: '+4930123456',
        displayName: 'Anna M.',
        canonical: '+49 (30) 123456',
        e164: '+4930123456',
        anonymous: false,
        raw: ANNA.remote,
      },
      calledId: { number: '201', canonical: '201', e164: null },
      connectedId: null,
      startedAt: 1_001_000,
      connectedAt: null,
    });
  });

  it('marks an internal caller and an anonymous caller', () => {
    const internal = run([['incoming', { callId: 'a', remote: 'sip:202@pbx' }]]).state.calls['a']!;
    expect(internal.locality).toBe('internal');
    const anon = run([['incoming', { callId: 'b', remote: 'anonymous@anonymous.invalid' }]]).state
      .calls['b']!;
    expect(anon.callerId).toMatchObject({ number: null, anonymous: true });
    expect(anon.locality).toBe('unknown');
  });

  it('the finished call carries times, connectedId and missed=false once connected', () => {
    const { changes } = run([
      ['incoming', { callId: 'a', ...ANNA }],
      ['connected', { callId: 'a' }],
      ['disconnected', { callId: 'a' }],
    ]);
    const finished = changes.find((c) => c.type === 'call-finished');
    expect(finished?.type === 'call-finished' && finished.call).toMatchObject({
      state: 'idle',
      missed: false,
      startedAt: 1_001_000,
      connectedAt: 1_002_000,
      endedAt: 1_003_000,
      connectedId: { number: '+4930123456' },
    });
  });

  it('a call recreated by its end has direction unknown, parties from the event, not missed', () => {
    const { changes } = run([['disconnected', { callId: 'r', ...ANNA }]]);
    const finished = changes.find((c) => c.type === 'call-finished');
    expect(finished?.type === 'call-finished' && finished.call).toMatchObject({
      id: 'r',
      sipCallId: 'r',
      direction: 'unknown',
      locality: 'external',
      callerId: { number: '+4930123456', displayName: 'Anna Müller' },
      calledId: { number: '201' },
      connectedAt: null,
      startedAt: 1_001_000,
      endedAt: 1_001_000,
      disconnectMode: 'unknown',
      missed: false,
    });
  });

  it('a call recreated by hold is live, connected before it was held', () => {
    const { state } = run([['hold', { callId: 'r', remote: 'sip:202@pbx' }]]);
    expect(state.calls['r']).toMatchObject({
      state: 'onhold',
      direction: 'unknown',
      locality: 'internal',
      callerId: { number: '202' },
      connectedId: { number: '202' },
      connectedAt: 1_001_000,
    });
  });

  it('returns the very same state for an event that changes nothing', () => {
    const { state } = run([['incoming', { callId: 'a' }]]);
    const again = reduceLine(state, actionEvent('p1', 'incoming', { callId: 'a' }), 1_002_000);
    expect(again.lineState).toBe(state);
    expect(again.changes).toEqual([]);
    const otherPhone = reduceLine(
      state,
      actionEvent('p2', 'connected', { callId: 'a' }),
      1_002_000,
    );
    expect(otherPhone.lineState).toBe(state);
    const tick = reduceLine(state, { kind: 'tick' }, 1_002_000);
    expect(tick.lineState).toBe(state);
  });

  it('tracks the hook state', () => {
    const offhook = run([['offhook', {}]]).state;
    expect(offhook.offhook).toBe(true);
    expect(
      run([
        ['offhook', {}],
        ['onhook', {}],
      ]).state.offhook,
    ).toBe(false);
  });

  it('never throws on garbage input', () => {
    const state = createLineState('p1');
    const garbage = [
      null,
      42,
      {},
      { kind: 'incoming' },
      { kind: 'nope', params: {} },
      { phoneId: 'p1', kind: 'incoming', params: null },
    ];
    for (const input of garbage) {
      expect(reduceLine(state, input as unknown as LineInput, 1).lineState).toBe(state);
    }
  });
});

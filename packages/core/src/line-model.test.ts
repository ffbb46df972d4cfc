import { describe, expect, it } from 'vitest';
import type { CallChange } from './call.js';
import { createEventHub } from './event-hub.js';
import type { SnomlinkEvent } from './hub-event.js';
import { createLineModel } from './line-model.js';
import { actionEvent } from './testing/index.js';

function setup() {
  let clock = 1_000;
  const hub = createEventHub<SnomlinkEvent>();
  const published: SnomlinkEvent[] = [];
  hub.subscribe((e) => published.push(e));
  const model = createLineModel({ hub, now: () => clock, setupTimeoutMs: 10_000 });
  return {
    model,
    published,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('createLineModel', () => {
  it('applies events per phone, publishes exactly the returned changes, and tracks live calls', () => {
    const { model, published, advance } = setup();
    const changes: CallChange[] = [];
    changes.push(
      ...model.apply(actionEvent('p1', 'incoming', { callId: 'a', remote: 'sip:202@pbx' })),
    );
    advance(10);
    changes.push(
      ...model.apply(actionEvent('p2', 'outgoing', { callId: 'b', remote: 'sip:203@pbx' })),
    );
    expect(published).toEqual(changes);
    expect(published.every((e) => e.type === 'call-state')).toBe(true);
    expect(model.liveCalls().map((c) => c.id)).toEqual(['a', 'b']);
    expect(model.liveCalls('p2').map((c) => c.id)).toEqual(['b']);
    expect(model.liveCalls('nope')).toEqual([]);
    expect(model.getCall('a')?.state).toBe('offering');
    expect(model.getCall('b')?.phoneId).toBe('p2');

    const end = model.apply(actionEvent('p1', 'missed', { callId: 'a', nrOngoingCalls: 0 }));
    expect(end.map((c) => c.type)).toEqual(['call-state', 'call-state', 'call-finished']);
    expect(published.slice(-3)).toEqual(end);
    expect(model.getCall('a')).toBeUndefined();
  });

  it('tick ends calls that saw no event for the setup timeout', () => {
    const { model, advance } = setup();
    model.apply(actionEvent('p1', 'incoming', { callId: 'a' }));
    advance(9_999);
    expect(model.tick()).toEqual([]);
    advance(1);
    const changes = model.tick();
    expect(changes.at(-1)).toMatchObject({
      type: 'call-finished',
      call: { id: 'a', missed: true },
    });
    expect(model.liveCalls()).toEqual([]);
  });

  it('removePhone finishes its calls with mode unknown and forgets the line', () => {
    const { model } = setup();
    model.apply(actionEvent('p1', 'connected', { callId: 'a' }));
    model.apply(actionEvent('p2', 'connected', { callId: 'b' }));
    const changes = model.removePhone('p1');
    expect(changes.at(-1)).toMatchObject({
      type: 'call-finished',
      call: { id: 'a', disconnectMode: 'unknown' },
    });
    expect(model.liveCalls().map((c) => c.id)).toEqual(['b']);
    expect(model.removePhone('p1')).toEqual([]);
  });

  it('setDialRules changes how new parties are normalised', () => {
    const { model } = setup();
    model.setDialRules({
      countryCode: '41',
      areaCode: '44',
      internationalPrefix: '00',
      nationalPrefix: '0',
      outsideLine: '',
      internalMaxLength: 3,
    });
    model.apply(actionEvent('p1', 'incoming', { callId: 'a', remote: 'sip:0446681800@pbx' }));
    expect(model.getCall('a')?.callerId.canonical).toBe('+41 (44) 6681800');
  });

  it('works without a hub', () => {
    const model = createLineModel();
    expect(model.apply(actionEvent('p1', 'incoming', { callId: 'x' }))).toHaveLength(1);
  });
});

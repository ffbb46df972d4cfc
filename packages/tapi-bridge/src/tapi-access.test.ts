import { DEFAULT_DIAL_RULES, createEventHub, type SnomlinkEvent } from '@snomlink/core';
import { describe, expect, it } from 'vitest';
import { LINEERR } from './constants.js';
import { isTapiLineError } from './errors.js';
import type { TapiNotification } from './protocol.js';
import { createTapiBridge, type TapiAccess, type TapiLine } from './tapi-bridge.js';
import { createFakePhoneControl, type FakePhoneControl } from './testing/fake-phone-control.js';
import { makeCall } from './testing/make-call.js';

const LINES: TapiLine[] = [
  { id: 'a', name: 'Desk A', model: 'snom360' },
  { id: 'b', name: 'Desk B', model: 'snom360' },
];

function setup(access: TapiAccess) {
  const hub = createEventHub<SnomlinkEvent>();
  const phones = new Map<string, FakePhoneControl>(
    LINES.map((l) => [l.id, createFakePhoneControl()]),
  );
  const bridge = createTapiBridge({
    lines: LINES,
    hub,
    clientFor: (id) => phones.get(id),
    dialRules: DEFAULT_DIAL_RULES,
    makeCallTimeoutMs: 500,
  });
  const received: TapiNotification[] = [];
  const session = bridge.openSession({ onNotification: (n) => received.push(n), access });
  const ring = (id: string, phoneId: string): void => {
    hub.publish({
      type: 'call-state',
      call: makeCall({ id, phoneId, direction: 'inbound', state: 'offering' }),
      previousState: null,
    });
  };
  return { bridge, session, phones, received, ring };
}

async function lineErr(run: () => unknown): Promise<number> {
  try {
    await run();
  } catch (error) {
    if (isTapiLineError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a TapiLineError');
}

const viewerOfA: TapiAccess = { canSee: (l) => l === 'a', canControl: () => false };
const agentOfA: TapiAccess = { canSee: (l) => l === 'a', canControl: (l) => l === 'a' };

describe('per-session access', () => {
  it('lists, opens and reports only the lines a session may see', async () => {
    const { bridge, session, received, ring } = setup(viewerOfA);
    expect(bridge.lineInitialize(viewerOfA).lines.map((l) => [l.lineId, l.canControl])).toEqual([
      ['a', false],
    ]);
    expect(bridge.lineInitialize().lines).toHaveLength(2);
    await session.lineOpen('a');
    expect(await lineErr(() => session.lineOpen('b'))).toBe(LINEERR.BADDEVICEID);
    expect(await lineErr(() => session.lineGetCalls('b'))).toBe(LINEERR.BADDEVICEID);
    ring('call-b', 'b');
    ring('call-a', 'a');
    const lines = received.map((n) => (n.params as { lineId: string }).lineId);
    expect(lines).toEqual(['a']);
    expect(await lineErr(() => session.lineGetCallInfo('call-b'))).toBe(LINEERR.INVALCALLHANDLE);
    expect(session.lineGetCallInfo('call-a').callId).toBe('call-a');
  });

  it('refuses control to a viewer with NOTOWNER / OPERATIONUNAVAIL and sends nothing to the phone', async () => {
    const { session, phones, ring } = setup(viewerOfA);
    await session.lineOpen('a');
    ring('call-a', 'a');
    expect(await lineErr(() => session.lineAnswer('call-a'))).toBe(LINEERR.NOTOWNER);
    expect(await lineErr(() => session.lineDrop('call-a'))).toBe(LINEERR.NOTOWNER);
    expect(await lineErr(() => session.lineMakeCall('a', '123'))).toBe(LINEERR.OPERATIONUNAVAIL);
    expect(phones.get('a')?.commands).toEqual([]);
  });

  it('lets an agent control its own line', async () => {
    const { session, phones, ring } = setup(agentOfA);
    await session.lineOpen('a');
    ring('call-a', 'a');
    await session.lineAnswer('call-a');
    expect(phones.get('a')?.commands.map((c) => c.op)).toEqual(['answer']);
  });
});

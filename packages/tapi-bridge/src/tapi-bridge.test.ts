import {
  DEFAULT_DIAL_RULES,
  createEventHub,
  type Call,
  type CallState,
  type SnomlinkEvent,
} from '@snomlink/core';
import { describe, expect, it } from 'vitest';
import { LINECALLSTATE, LINEDEVSTATE, LINEDISCONNECTMODE, LINEERR } from './constants.js';
import { isTapiLineError } from './errors.js';
import type { TapiNotification } from './protocol.js';
import { createTapiBridge, type TapiBridgeOptions, type TapiLine } from './tapi-bridge.js';
import { createFakePhoneControl, type FakePhoneControl } from './testing/fake-phone-control.js';
import { makeCall, party } from './testing/make-call.js';

const LINES: TapiLine[] = [
  { id: 'p360', name: 'Reception', model: 'snom360' },
  { id: 'p190', name: 'Store', model: 'snom190' },
  { id: 'd865', name: 'Boss', model: 'D865' },
];
const RULES = { ...DEFAULT_DIAL_RULES, areaCode: '30', outsideLine: '0' };

function setup(extra: Partial<TapiBridgeOptions> = {}) {
  const hub = createEventHub<SnomlinkEvent>();
  const phones = new Map<string, FakePhoneControl>();
  for (const l of LINES) phones.set(l.id, createFakePhoneControl());
  const bridge = createTapiBridge({
    lines: LINES,
    hub,
    clientFor: (id) => phones.get(id),
    dialRules: RULES,
    makeCallTimeoutMs: 2_000,
    ...extra,
  });
  const received: TapiNotification[] = [];
  const session = bridge.openSession({ onNotification: (n) => received.push(n) });
  let current = new Map<string, Call>();
  const set = (id: string, patch: Partial<Call>): Call => {
    const before = current.get(id);
    const call = makeCall({ ...before, id, ...patch });
    current = new Map(current).set(id, call);
    hub.publish({ type: 'call-state', call, previousState: before?.state ?? null });
    return call;
  };
  const states = (): string[] =>
    received.flatMap((n) =>
      n.method === 'LINE_CALLSTATE' ? [`${n.params.callId}:${n.params.callStateName}`] : [],
    );
  return { hub, bridge, session, phones, received, set, states };
}

async function expectLineErr(
  promise: Promise<unknown> | (() => unknown),
  code: number,
): Promise<void> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(isTapiLineError(error)).toBe(true);
    if (isTapiLineError(error)) expect(error.code).toBe(code);
    return;
  }
  throw new Error('expected a TapiLineError');
}

describe('createTapiBridge', () => {
  it('lineInitialize lists the lines with capability class and control', () => {
    const { bridge } = setup();
    expect(bridge.lineInitialize().lines).toEqual([
      {
        lineId: 'p360',
        name: 'Reception',
        model: 'snom360',
        capabilityClass: 'full',
        canControl: true,
        provisionOnOpen: false,
      },
      {
        lineId: 'p190',
        name: 'Store',
        model: 'snom190',
        capabilityClass: 'parameterless',
        canControl: true,
        provisionOnOpen: false,
      },
      {
        lineId: 'd865',
        name: 'Boss',
        model: 'D865',
        capabilityClass: 'full',
        canControl: false,
        provisionOnOpen: false,
      },
    ]);
  });

  it('notifies only sessions that opened the line', async () => {
    const { session, set, states } = setup();
    set('c0', { phoneId: 'p360', state: 'offering' });
    expect(states()).toEqual([]);
    const opened = await session.lineOpen('p360');
    expect(opened.calls.map((c) => c.callId)).toEqual(['c0']);
    set('c0', { phoneId: 'p360', state: 'connected' });
    set('x', { phoneId: 'p190', state: 'offering' });
    expect(states()).toEqual(['c0:CONNECTED']);
  });

  it('builds no notification (dial rules, libphonenumber) for a line no session has open', async () => {
    // Issue 19: the call info of every state change was ~10 % of the daemon's CPU at
    // saturation, with no TAPI client connected.
    let ruleReads = 0;
    const { session, set, states } = setup({
      dialRules: () => {
        ruleReads++;
        return RULES;
      },
    });
    await session.lineOpen('p360');
    ruleReads = 0;
    set('x', { phoneId: 'p190', state: 'offering', callerId: party('+4930123456') });
    set('x', { phoneId: 'p190', state: 'connected', callerId: party('+4930123456') });
    set('x', { phoneId: 'p190', state: 'idle', callerId: party('+4930123456') });
    expect(ruleReads).toBe(0);
    set('c0', { phoneId: 'p360', state: 'offering', callerId: party('+4930123456') });
    expect(states()).toEqual(['c0:OFFERING']);
    expect(ruleReads).toBeGreaterThan(0);
  });

  it('incoming call: OFFERING → CONNECTED → DISCONNECTED → IDLE, with previous states and info', async () => {
    const { session, set, received } = setup();
    await session.lineOpen('p360');
    set('c1', { phoneId: 'p360', state: 'offering' });
    set('c1', {
      phoneId: 'p360',
      state: 'connected',
      connectedId: party('+4930123456', 'Anna Müller'),
    });
    set('c1', { phoneId: 'p360', state: 'disconnected', disconnectMode: 'normal' });
    set('c1', { phoneId: 'p360', state: 'idle', disconnectMode: 'normal' });
    const cs = received.flatMap((n) => (n.method === 'LINE_CALLSTATE' ? [n.params] : []));
    expect(cs.map((p) => [p.callState, p.previousState])).toEqual([
      [LINECALLSTATE.OFFERING, null],
      [LINECALLSTATE.CONNECTED, LINECALLSTATE.OFFERING],
      [LINECALLSTATE.DISCONNECTED, LINECALLSTATE.CONNECTED],
      [LINECALLSTATE.IDLE, LINECALLSTATE.DISCONNECTED],
    ]);
    expect(cs[0]?.info.callerId).toMatchObject({
      number: '+4930123456',
      name: 'Anna Müller',
      dialable: '0123456', // same area: outside line + local number,
    });
    expect(cs[2]?.callStateMode).toBe(LINEDISCONNECTMODE.NORMAL);
    expect(session.lineGetCalls('p360').calls).toEqual([]);
  });

  it('fills in DISCONNECTED when core jumps straight to idle, and ignores a duplicate', async () => {
    const { session, set, states, hub } = setup();
    await session.lineOpen('p190');
    set('c2', { phoneId: 'p190', state: 'connected' });
    const idle = set('c2', { phoneId: 'p190', state: 'idle', disconnectMode: null });
    hub.publish({
      type: 'call-finished',
      call: { ...idle, state: 'idle', endedAt: 9, missed: false },
    });
    set('c2', { phoneId: 'p190', state: 'idle' });
    expect(states()).toEqual(['c2:CONNECTED', 'c2:DISCONNECTED', 'c2:IDLE']);
  });

  it('LINE_CALLINFO carries the LINECALLINFOSTATE mask and fields', async () => {
    const { session, set, hub, received } = setup();
    await session.lineOpen('p360');
    const call = set('c3', { phoneId: 'p360', state: 'offering' });
    hub.publish({
      type: 'call-info',
      call: { ...call, callerId: party('+4940111', 'Bert') },
      fields: ['callerId'],
    });
    const n = received.find((x) => x.method === 'LINE_CALLINFO');
    expect(n?.params).toMatchObject({ callId: 'c3', infoState: 0x8000, fields: ['callerId'] });
    expect(session.lineGetCallInfo('c3').callerId.name).toBe('Bert');
  });

  it('LINE_LINEDEVSTATE from line-status events', async () => {
    const { session, hub, received } = setup();
    await session.lineOpen('p360');
    hub.publish({
      type: 'line-status',
      phoneId: 'p360',
      status: 'unreachable',
      detail: 'ECONNREFUSED',
      at: 5,
    });
    expect(received).toEqual([
      {
        method: 'LINE_LINEDEVSTATE',
        params: {
          lineId: 'p360',
          devState: LINEDEVSTATE.OUTOFSERVICE,
          status: 'unreachable',
          detail: 'ECONNREFUSED',
          at: 5,
        },
      },
    ]);
  });

  it.each<[string, CallState, (s: ReturnType<typeof setup>['session']) => Promise<unknown>]>([
    ['lineAnswer on a connected call', 'connected', (s) => s.lineAnswer('c4')],
    ['lineHold on an offering call', 'offering', (s) => s.lineHold('c4')],
    ['lineUnhold on a connected call', 'connected', (s) => s.lineUnhold('c4')],
    ['lineGenerateDigits on an offering call', 'offering', (s) => s.lineGenerateDigits('c4', '12')],
    ['lineDrop on a disconnected call', 'disconnected', (s) => s.lineDrop('c4')],
    ['lineBlindTransfer on a held call', 'onhold', (s) => s.lineBlindTransfer('c4', '202')],
  ])(
    'refuses %s with LINEERR_INVALCALLSTATE before touching the phone',
    async (_name, state, op) => {
      const { session, set, phones } = setup();
      await session.lineOpen('p360');
      set('c4', { phoneId: 'p360', state });
      await expectLineErr(op(session), LINEERR.INVALCALLSTATE);
      expect(phones.get('p360')?.commands).toEqual([]);
    },
  );

  it('refuses unknown calls, unopened lines, D8xx control and bad digits', async () => {
    const { session, set, phones } = setup();
    await expectLineErr(session.lineDrop('nope'), LINEERR.INVALCALLHANDLE);
    set('c5', { phoneId: 'p360', state: 'connected' });
    await expectLineErr(session.lineDrop('c5'), LINEERR.INVALCALLHANDLE); // line not open
    await expectLineErr(session.lineMakeCall('p360', '201'), LINEERR.INVALLINEHANDLE);
    await expectLineErr(session.lineOpen('ghost'), LINEERR.BADDEVICEID);
    await session.lineOpen('d865');
    set('c6', { phoneId: 'd865', state: 'connected' });
    await expectLineErr(session.lineDrop('c6'), LINEERR.OPERATIONUNAVAIL);
    await expectLineErr(session.lineMakeCall('d865', '201'), LINEERR.OPERATIONUNAVAIL);
    await session.lineOpen('p360');
    await expectLineErr(session.lineGenerateDigits('c5', '12x'), LINEERR.INVALDIGITS);
    await expectLineErr(session.lineMakeCall('p360', 'hello'), LINEERR.INVALADDRESS);
    expect(phones.get('p360')?.commands).toEqual([]);
    expect(phones.get('d865')?.commands).toEqual([]);
  });

  it('allowed operations reach the phone; a phone failure is LINEERR_OPERATIONFAILED', async () => {
    const { session, set, phones } = setup();
    await session.lineOpen('p360');
    set('c7', { phoneId: 'p360', state: 'offering' });
    await session.lineAnswer('c7');
    set('c7', { phoneId: 'p360', state: 'connected' });
    await session.lineGenerateDigits('c7', '12#');
    await session.lineHold('c7');
    set('c7', { phoneId: 'p360', state: 'onhold' });
    await session.lineUnhold('c7');
    set('c7', { phoneId: 'p360', state: 'connected' });
    expect(await session.lineBlindTransfer('c7', '+49 40 1234567')).toEqual({
      callId: 'c7',
      dialed: '00401234567',
    });
    phones.get('p360')?.failNext('hangUp', new Error('HTTP 500'));
    await expectLineErr(session.lineDrop('c7'), LINEERR.OPERATIONFAILED);
    await session.lineDrop('c7');
    expect(phones.get('p360')?.commands.map((c) => c.op)).toEqual([
      'answer',
      'sendDtmf',
      'hold',
      'unhold',
      'blindTransfer',
      'hangUp',
    ]);
  });

  it('lineMakeCall dials the dialable number and resolves with the call the phone reports', async () => {
    const hub = createEventHub<SnomlinkEvent>();
    const phone = createFakePhoneControl(({ op, args }) => {
      if (op !== 'dial') return;
      // The phone fires offhook (dialtone) then outgoing, as a snom does.
      hub.publish({
        type: 'call-state',
        call: makeCall({ id: 'o1', phoneId: 'p360', direction: 'outbound', state: 'dialtone' }),
        previousState: null,
      });
      hub.publish({
        type: 'call-state',
        call: makeCall({
          id: 'o1',
          phoneId: 'p360',
          direction: 'outbound',
          state: 'dialing',
          calledId: party(String(args[0])),
        }),
        previousState: 'dialtone',
      });
    });
    const bridge = createTapiBridge({
      lines: LINES,
      hub,
      clientFor: () => phone,
      dialRules: RULES,
    });
    const session = bridge.openSession({ onNotification: () => undefined });
    await session.lineOpen('p360');
    const result = await session.lineMakeCall('p360', '+49 30 1234567');
    expect(phone.commands).toEqual([{ op: 'dial', args: ['01234567'] }]);
    expect(result.dialed).toBe('01234567');
    expect(result.callId).toBe('o1');
    expect(result.info.callStateName).toBe('DIALING');
  });

  it('lineMakeCall times out with LINEERR_OPERATIONFAILED when the phone reports nothing', async () => {
    const { session, phones } = setup({ makeCallTimeoutMs: 50 });
    await session.lineOpen('p360');
    await expectLineErr(session.lineMakeCall('p360', '201'), LINEERR.OPERATIONFAILED);
    expect(phones.get('p360')?.commands).toEqual([{ op: 'dial', args: ['201'] }]);
  });

  it('a second lineMakeCall while one waits is LINEERR_RESOURCEUNAVAIL', async () => {
    const { session } = setup({ makeCallTimeoutMs: 5_000 });
    await session.lineOpen('p360');
    const first = session.lineMakeCall('p360', '201');
    await expectLineErr(session.lineMakeCall('p360', '202'), LINEERR.RESOURCEUNAVAIL);
    await session.close();
    await expectLineErr(first, LINEERR.OPERATIONFAILED);
  });

  it('provisionOnOpen: writes on the first open, removes on the last close, a failure fails lineOpen', async () => {
    const log: string[] = [];
    let fail = true;
    const { bridge } = setup({
      lines: [{ id: 'p360', name: 'R', model: 'snom360', provisionOnOpen: true }],
      provision: (id) => {
        log.push(`provision ${id}`);
        return fail ? Promise.reject(new Error('401 Unauthorized')) : Promise.resolve();
      },
      unprovision: (id) => {
        log.push(`unprovision ${id}`);
        return Promise.resolve();
      },
    });
    const a = bridge.openSession({ onNotification: () => undefined });
    const b = bridge.openSession({ onNotification: () => undefined });
    await expect(a.lineOpen('p360')).rejects.toThrow(
      /could not write the Action URLs into phone p360.*401 Unauthorized/,
    );
    fail = false;
    await a.lineOpen('p360');
    await b.lineOpen('p360');
    await a.lineClose('p360');
    expect(log).toEqual(['provision p360', 'provision p360']);
    await b.close();
    expect(log).toEqual(['provision p360', 'provision p360', 'unprovision p360']);
  });

  it('seeds live calls from the line model', async () => {
    const hub = createEventHub<SnomlinkEvent>();
    const bridge = createTapiBridge({
      lines: LINES,
      hub,
      clientFor: () => undefined,
      dialRules: RULES,
      lineModel: {
        liveCalls: () => [makeCall({ id: 'old', phoneId: 'p360', state: 'connected' })],
      },
    });
    const session = bridge.openSession({ onNotification: () => undefined });
    expect((await session.lineOpen('p360')).calls.map((c) => [c.callId, c.callStateName])).toEqual([
      ['old', 'CONNECTED'],
    ]);
    await expectLineErr(session.lineDrop('old'), LINEERR.OPERATIONUNAVAIL);
  });
});

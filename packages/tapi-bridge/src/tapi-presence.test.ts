import {
  DEFAULT_DIAL_RULES,
  createEventHub,
  createLineModel,
  type SnomlinkEvent,
} from '@snomlink/core';
import { actionEvent } from '@snomlink/core/testing';
import { describe, expect, it } from 'vitest';
import { LINEADDRESSSTATE, LINEERR, LINEFORWARDMODE } from './constants.js';
import { isTapiLineError } from './errors.js';
import type { TapiNotification } from './protocol.js';
import { createTapiBridge, type TapiPresenceChange } from './tapi-bridge.js';

function setup(withSetter = true) {
  const hub = createEventHub<SnomlinkEvent>();
  const model = createLineModel({ hub });
  const asked: [string, TapiPresenceChange][] = [];
  const bridge = createTapiBridge({
    lines: [{ id: 'p1', name: 'Desk', model: 'snom360' }],
    hub,
    clientFor: () => undefined,
    dialRules: DEFAULT_DIAL_RULES,
    presence: (id) => model.presence(id),
    ...(withSetter && {
      setPresence: (lineId: string, change: TapiPresenceChange) => {
        asked.push([lineId, change]);
        return Promise.resolve();
      },
    }),
  });
  const received: TapiNotification[] = [];
  const session = bridge.openSession({ onNotification: (n) => received.push(n) });
  return { model, bridge, session, received, asked };
}

describe('TAPI presence', () => {
  it("reports the phone's dnd-on as LINE_ADDRESSSTATE FORWARD with UNCOND to nowhere", async () => {
    const { model, session, received } = setup();
    await session.lineOpen('p1');
    model.apply(actionEvent('p1', 'dnd-on'));
    expect(received).toEqual([
      {
        method: 'LINE_ADDRESSSTATE',
        params: {
          lineId: 'p1',
          addressState: LINEADDRESSSTATE.FORWARD,
          dnd: true,
          forwarding: null,
          forwardList: [{ forwardMode: LINEFORWARDMODE.UNCOND, destAddress: '' }],
          at: expect.any(Number) as number,
        },
      },
    ]);
    expect(session.lineGetAddressStatus('p1').dnd).toBe(true);
    // A duplicate is no change and sends nothing; a log-on (not DND/forwarding) neither.
    model.apply(actionEvent('p1', 'dnd-on'));
    model.apply(actionEvent('p1', 'log-on', { activeUser: '201' }));
    expect(received).toHaveLength(1);
  });

  it('shows forwarding with the mode and target set from the PC', async () => {
    const { model, session, received } = setup();
    await session.lineOpen('p1');
    model.setForwardingTarget('p1', 'busy', '0301234');
    model.apply(actionEvent('p1', 'redirection-on'));
    const last = received.at(-1);
    expect(last?.method).toBe('LINE_ADDRESSSTATE');
    expect(session.lineGetAddressStatus('p1').forwardList).toEqual([
      { forwardMode: LINEFORWARDMODE.BUSY, destAddress: '0301234' },
    ]);
  });

  it('lineForward and lineSetDoNotDisturb ask the daemon to switch the phone', async () => {
    const { session, asked } = setup();
    await session.lineOpen('p1');
    await session.lineForward('p1', [{ forwardMode: LINEFORWARDMODE.UNCOND, destAddress: '555' }]);
    await session.lineForward('p1', [{ forwardMode: LINEFORWARDMODE.UNCOND, destAddress: '' }]);
    await session.lineForward('p1', null);
    await session.lineSetDoNotDisturb('p1', false);
    expect(asked).toEqual([
      ['p1', { forwarding: { enabled: true, mode: 'always', target: '555' } }],
      ['p1', { dnd: true }],
      ['p1', { forwarding: { enabled: false } }],
      ['p1', { dnd: false }],
    ]);
  });

  it('refuses unsupported modes, closed lines and a bridge without a setter', async () => {
    const { session } = setup();
    const code = async (p: Promise<unknown>): Promise<number | undefined> => {
      try {
        await p;
      } catch (error) {
        return isTapiLineError(error) ? error.code : undefined;
      }
      return undefined;
    };
    expect(await code(session.lineSetDoNotDisturb('p1', true))).toBe(LINEERR.INVALLINEHANDLE);
    await session.lineOpen('p1');
    expect(
      await code(
        session.lineForward('p1', [{ forwardMode: LINEFORWARDMODE.BUSYNA, destAddress: '1' }]),
      ),
    ).toBe(LINEERR.INVALPARAM);
    const bare = setup(false);
    await bare.session.lineOpen('p1');
    expect(await code(bare.session.lineSetDoNotDisturb('p1', true))).toBe(LINEERR.OPERATIONUNAVAIL);
  });
});

import { CALL_STATES, DISCONNECT_MODES, type CallState, type DisconnectMode } from '@snomlink/core';
import { describe, expect, it } from 'vitest';
import {
  callFeatures,
  toCallInfoState,
  toCallOrigin,
  toDisconnectMode,
  toLineCallInfo,
  toPartyInfo,
  toTapiCallState,
} from './call-mapping.js';
import {
  LINECALLFEATURE as F,
  LINECALLINFOSTATE,
  LINECALLORIGIN,
  LINECALLPARTYID,
  LINECALLREASON,
  LINECALLSTATE as S,
  LINEDISCONNECTMODE as D,
} from './constants.js';
import { ANONYMOUS_PARTY, makeCall, party } from './testing/make-call.js';

// state, LINECALLSTATE, mode, features (full-control line)
const TABLE: readonly [CallState, number, number, number][] = [
  ['offering', S.OFFERING, 0x1, F.ANSWER | F.DROP],
  ['accepted', S.ACCEPTED, 0, F.ANSWER | F.DROP],
  ['dialtone', S.DIALTONE, 0x10, F.DROP],
  ['dialing', S.DIALING, 0, F.DROP],
  ['proceeding', S.PROCEEDING, 0, F.DROP],
  ['ringback', S.RINGBACK, 0, F.DROP],
  ['busy', S.BUSY, 0x4, F.DROP],
  ['connected', S.CONNECTED, 0x1, F.DROP | F.HOLD | F.BLINDTRANSFER | F.GENERATEDIGITS],
  ['onhold', S.ONHOLD, 0, F.DROP | F.UNHOLD],
  ['disconnected', S.DISCONNECTED, D.NORMAL, 0],
  ['idle', S.IDLE, 0, 0],
];

describe('toTapiCallState / callFeatures', () => {
  it('covers every core state exactly once', () => {
    expect(TABLE.map(([s]) => s).sort()).toEqual([...CALL_STATES].sort());
  });

  it.each(TABLE)('%s → state %i, mode %i, features %i', (state, tapiState, mode, features) => {
    const call = makeCall({ state, disconnectMode: state === 'disconnected' ? 'normal' : null });
    expect(toTapiCallState(call)).toMatchObject({ state: tapiState, mode });
    expect(callFeatures(state)).toBe(features);
    expect(callFeatures(state, { control: false })).toBe(0);
    const info = toLineCallInfo(call);
    expect(info.callState).toBe(tapiState);
    expect(info.callStateMode).toBe(mode);
    expect(info.callFeatures).toBe(features);
  });

  it('uses the real tapi.h values', () => {
    expect(S.CONNECTED).toBe(0x100);
    expect(S.DISCONNECTED).toBe(0x4000);
    expect(F.UNHOLD).toBe(0x08000000);
    expect(F.GENERATEDIGITS).toBe(0x200);
  });
});

describe('toDisconnectMode', () => {
  const expected: Record<DisconnectMode, number> = {
    normal: D.NORMAL,
    noanswer: D.NOANSWER,
    busy: D.BUSY,
    rejected: D.REJECT,
    cancelled: D.CANCELLED,
    unknown: D.UNKNOWN,
  };
  it.each(DISCONNECT_MODES.map((m) => [m, expected[m]] as const))('%s → %i', (mode, value) => {
    expect(toDisconnectMode(mode)).toBe(value);
    expect(toTapiCallState({ state: 'disconnected', disconnectMode: mode }).mode).toBe(value);
  });
  it('an ended call without a mode is UNKNOWN', () => {
    expect(toTapiCallState({ state: 'disconnected', disconnectMode: null }).mode).toBe(D.UNKNOWN);
  });
});

describe('toCallOrigin', () => {
  it.each([
    ['outbound', 'external', LINECALLORIGIN.OUTBOUND],
    ['outbound', 'internal', LINECALLORIGIN.OUTBOUND],
    ['inbound', 'internal', LINECALLORIGIN.INTERNAL],
    ['inbound', 'external', LINECALLORIGIN.EXTERNAL],
    ['inbound', 'unknown', LINECALLORIGIN.INBOUND],
    ['unknown', 'unknown', LINECALLORIGIN.UNKNOWN],
  ] as const)('%s/%s → %i', (direction, locality, origin) => {
    expect(toCallOrigin({ direction, locality })).toBe(origin);
  });
});

describe('toPartyInfo', () => {
  const dialable = (n: string): string => (n.startsWith('+49') ? `0${n.slice(3)}` : n);

  it('number and name → ADDRESS|NAME with canonical and dialable forms', () => {
    const p = toPartyInfo(party('+4930123456', 'Anna'), dialable);
    expect(p).toEqual({
      flags: LINECALLPARTYID.ADDRESS | LINECALLPARTYID.NAME,
      number: '+4930123456',
      name: 'Anna',
      phoneName: 'Anna',
      directoryName: null,
      canonical: '+4930123456',
      e164: '+4930123456',
      dialable: '030123456',
    });
  });

  it('withheld caller → BLOCKED (plus NAME when a display name came), no number', () => {
    const p = toPartyInfo(ANONYMOUS_PARTY, dialable);
    expect(p.flags).toBe(LINECALLPARTYID.BLOCKED | LINECALLPARTYID.NAME);
    expect(p.number).toBeNull();
    expect(p.dialable).toBeNull();
  });

  it('nothing reported (parameterless phone) → UNKNOWN', () => {
    expect(toPartyInfo(party(null)).flags).toBe(LINECALLPARTYID.UNKNOWN);
    expect(toPartyInfo({ ...party(null), anonymous: true, raw: null }).flags).toBe(
      LINECALLPARTYID.UNKNOWN,
    );
    expect(toPartyInfo(null).flags).toBe(LINECALLPARTYID.UNKNOWN);
  });

  it('a dial-rule failure leaves dialable null instead of throwing', () => {
    const p = toPartyInfo(party('201'), () => {
      throw new Error('not implemented yet');
    });
    expect(p.dialable).toBeNull();
    expect(p.number).toBe('201');
  });
});

describe('toLineCallInfo', () => {
  it('an incoming external call', () => {
    const info = toLineCallInfo(makeCall());
    expect(info).toMatchObject({
      lineId: 'phone-1',
      callId: 'call-1',
      sipCallId: 'a84b4c76e66710@pbx.example',
      relatedCallId: null,
      origin: LINECALLORIGIN.EXTERNAL,
      reason: LINECALLREASON.DIRECT,
      callStateName: 'OFFERING',
      disconnectMode: null,
      callerId: { number: '+4930123456', name: 'Anna Müller' },
      calledId: { number: '201' },
      connectedId: { flags: LINECALLPARTYID.UNKNOWN },
    });
  });

  it('an ended outbound call carries the connected party and the disconnect mode', () => {
    const info = toLineCallInfo(
      makeCall({
        state: 'disconnected',
        direction: 'outbound',
        connectedId: party('+4940999'),
        disconnectMode: 'busy',
        endedAt: 5_000,
      }),
    );
    expect(info.origin).toBe(LINECALLORIGIN.OUTBOUND);
    expect(info.connectedId.number).toBe('+4940999');
    expect(info.disconnectMode).toBe(D.BUSY);
    expect(info.endedAt).toBe(5_000);
  });

  it('an unknown direction gives reason UNKNOWN', () => {
    expect(toLineCallInfo(makeCall({ direction: 'unknown' })).reason).toBe(LINECALLREASON.UNKNOWN);
  });
});

describe('toCallInfoState', () => {
  it('maps changed fields to LINECALLINFOSTATE flags', () => {
    expect(toCallInfoState(['callerId', 'connectedId'])).toBe(
      LINECALLINFOSTATE.CALLERID | LINECALLINFOSTATE.CONNECTEDID,
    );
    expect(toCallInfoState(['sipCallId'])).toBe(LINECALLINFOSTATE.CALLID);
    expect(toCallInfoState(['lastEventAt'])).toBe(LINECALLINFOSTATE.OTHER);
  });
});

describe('toPartyInfo names', () => {
  it('uses the phone name first and the directory name when the phone sent none', () => {
    expect(toPartyInfo(party('+4930123', 'Reception', 'Jörg Müller'))).toMatchObject({
      name: 'Reception',
      phoneName: 'Reception',
      directoryName: 'Jörg Müller',
    });
    const dirOnly = toPartyInfo(party('+4930123', null, 'Jörg Müller'));
    expect(dirOnly.name).toBe('Jörg Müller');
    expect(dirOnly.flags & LINECALLPARTYID.NAME).toBe(LINECALLPARTYID.NAME);
  });

  it('prefers the directory name when told to', () => {
    expect(toPartyInfo(party('+4930123', 'Reception', 'Jörg Müller'), undefined, true).name).toBe(
      'Jörg Müller',
    );
  });
});

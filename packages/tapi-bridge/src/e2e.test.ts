// Acceptance: simulated phones of both classes → Action URLs → real listener → core LineModel →
// hub → bridge → JSON-RPC over a real WebSocket → the library client; commands go back through
// snom-client to the simulated phone. Provisioning on lineOpen writes the Action URLs for real.
import {
  DEFAULT_DIAL_RULES,
  createEventHub,
  createLineModel,
  type SnomlinkEvent,
} from '@snomlink/core';
import {
  buildActionUrls,
  createListener,
  createSecret,
  removeActionUrls,
} from '@snomlink/listener';
import { createSnomClient, type SnomClient } from '@snomlink/snom-client';
import { createSimulatedPhone, type SimulatedPhone } from '@snomlink/snom-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTapiClient, type TapiClient } from './client/tapi-client.js';
import {
  LINECALLFEATURE,
  LINECALLORIGIN,
  LINECALLPARTYID,
  LINEDISCONNECTMODE,
  LINEERR,
} from './constants.js';
import { isTapiClientError } from './errors.js';
import type { LineCallStateParams } from './protocol.js';
import { createTapiBridge, type TapiBridge, type TapiLine } from './tapi-bridge.js';
import { startTapiTestServer, type TapiTestServer } from './testing/serve-tapi.js';

const TOKEN = 'e2e-token';
const RULES = { ...DEFAULT_DIAL_RULES, areaCode: '30', outsideLine: '0' };

interface PhoneRig {
  readonly line: TapiLine;
  readonly phone: SimulatedPhone;
  readonly client: SnomClient;
  readonly secret: string;
}

let rigs: Map<string, PhoneRig>;
let listener: ReturnType<typeof createListener>;
let bridge: TapiBridge;
let server: TapiTestServer;
let tapi: TapiClient;
let stopTicks: () => void;

beforeAll(async () => {
  const hub = createEventHub<SnomlinkEvent>();
  const lineModel = createLineModel({ hub, dialRules: RULES });
  rigs = new Map();
  listener = createListener({
    resolvePhone: (id) => {
      const rig = rigs.get(id);
      return rig && { id, secret: rig.secret };
    },
    onEvent: (event) => {
      hub.publish({ type: 'action-event', event });
      lineModel.apply(event);
    },
  });
  const listenerAddress = await listener.start({ host: '127.0.0.1', port: 0 });
  const publicBase = `http://127.0.0.1:${listenerAddress.port}`;
  for (const [id, model, host] of [
    ['desk360', 'snom360', '127.0.0.2'],
    ['shop190', 'snom190', '127.0.0.3'],
  ] as const) {
    const phone = createSimulatedPhone({ model, answerDelayMs: 30 });
    const address = await phone.listen({ host, port: 0 });
    const client = createSnomClient({
      host: `${address.host}:${address.port}`,
      model,
      timeoutMs: 5_000,
    });
    rigs.set(id, {
      line: { id, name: id, model, provisionOnOpen: true },
      phone,
      client,
      secret: createSecret(),
    });
  }
  const capabilities = (id: string): 'full' | 'parameterless' =>
    rigs.get(id)?.phone.capabilities ?? 'full';
  bridge = createTapiBridge({
    lines: () => [...rigs.values()].map((r) => r.line),
    hub,
    lineModel,
    dialRules: RULES,
    clientFor: (id) => rigs.get(id)?.client,
    provision: async (id) => {
      const rig = rigs.get(id);
      if (!rig) throw new Error(`no phone ${id}`);
      await rig.client.writeSettings(
        buildActionUrls({
          publicBase,
          phoneId: id,
          secret: rig.secret,
          capabilities: capabilities(id),
        }),
      );
    },
    unprovision: async (id) => {
      await rigs.get(id)?.client.writeSettings(removeActionUrls(capabilities(id)));
    },
    makeCallTimeoutMs: 10_000,
  });
  const tick = setInterval(() => lineModel.tick(), 1_000);
  stopTicks = () => {
    clearInterval(tick);
  };
  server = await startTapiTestServer({ bridge, token: TOKEN });
  tapi = createTapiClient({ url: server.url, token: TOKEN });
  await tapi.connect();
}, 30_000);

afterAll(async () => {
  stopTicks();
  await tapi.close();
  await server.close();
  await bridge.close();
  await listener.stop();
  for (const rig of rigs.values()) await rig.phone.close();
});

function rig(id: string): PhoneRig {
  const r = rigs.get(id);
  if (!r) throw new Error(id);
  return r;
}

/**
 * Records every LINE_CALLSTATE from now on, so a test never misses a notification that arrives
 * before the reply it is awaiting (the phone may fire its Action URLs before answering HTTP).
 */
function record(): {
  seen: LineCallStateParams[];
  until(predicate: (p: LineCallStateParams) => boolean): Promise<LineCallStateParams>;
  stop(): void;
} {
  const seen: LineCallStateParams[] = [];
  const waiters = new Set<() => void>();
  const off = tapi.on('LINE_CALLSTATE', (p) => {
    seen.push(p);
    for (const w of waiters) w();
  });
  return {
    seen,
    stop: off,
    until: (predicate) =>
      new Promise((resolve) => {
        const check = (): void => {
          const hit = seen.find(predicate);
          if (hit === undefined) return;
          waiters.delete(check);
          resolve(hit);
        };
        waiters.add(check);
        check();
      }),
  };
}

/** The distinct successive state names of one call. */
function steps(seen: readonly LineCallStateParams[], callId: string): string[] {
  return seen
    .filter((p) => p.callId === callId)
    .map((p) => p.callStateName)
    .filter((s, i, a) => a[i - 1] !== s);
}

describe('TAPI bridge end to end (listener + LineModel + simulated phones + WebSocket)', () => {
  it('lineOpen with provisionOnOpen writes the Action URLs into both phones', async () => {
    const { lines } = await tapi.lineInitialize();
    expect(lines.map((l) => [l.lineId, l.capabilityClass])).toEqual([
      ['desk360', 'full'],
      ['shop190', 'parameterless'],
    ]);
    for (const l of lines) expect((await tapi.lineOpen(l.lineId)).calls).toEqual([]);
    expect(rig('desk360').phone.settings.get('action_incoming_url')).toMatch(
      /\/snom\/desk360\/incoming\?k=.*cid=\$call-id/,
    );
    expect(rig('shop190').phone.settings.get('action_incoming_url')).toMatch(
      /\/snom\/shop190\/incoming\?k=[^&]+$/,
    );
  });

  it('360 class: incoming → OFFERING → CONNECTED → DISCONNECTED → IDLE with the right info at each step', async () => {
    const { phone } = rig('desk360');
    const rec = record();
    const sipId = await phone.ring('sip:+4940555123@pbx.example', { display: 'Jörg Müller' });
    const offering = await rec.until(
      (p) => p.lineId === 'desk360' && p.callStateName === 'OFFERING',
    );
    const callId = offering.callId;
    expect(offering.info).toMatchObject({
      sipCallId: sipId,
      origin: LINECALLORIGIN.EXTERNAL,
      callerId: {
        number: '+4940555123',
        name: 'Jörg Müller',
        dialable: '0040555123', // outside line 0 + national form
        flags: LINECALLPARTYID.ADDRESS | LINECALLPARTYID.NAME,
      },
      calledId: { number: '201' },
    });
    // A refused operation never reaches the phone.
    const before = phone.requests.length;
    const refused = await tapi.lineHold(callId).catch((e: unknown) => e);
    expect(isTapiClientError(refused) && refused.lineErrCode).toBe(LINEERR.INVALCALLSTATE);
    expect(phone.requests.length).toBe(before);

    await tapi.lineAnswer(callId);
    const connected = await rec.until(
      (p) => p.callId === callId && p.callStateName === 'CONNECTED',
    );
    expect(connected.info.connectedId.number).toBe('+4940555123');
    expect(connected.callFeatures & LINECALLFEATURE.DROP).toBe(LINECALLFEATURE.DROP);
    await phone.remoteHangUp();
    await rec.until((p) => p.callId === callId && p.callStateName === 'IDLE');
    rec.stop();
    expect(steps(rec.seen, callId)).toEqual(['OFFERING', 'CONNECTED', 'DISCONNECTED', 'IDLE']);
    const disconnected = rec.seen.find(
      (p) => p.callId === callId && p.callStateName === 'DISCONNECTED',
    );
    expect(disconnected?.callStateMode).toBe(LINEDISCONNECTMODE.NORMAL);
    expect((await tapi.lineGetCalls('desk360')).calls).toEqual([]);
  });

  it('190 class (parameterless): incoming reaches OFFERING → CONNECTED → DISCONNECTED → IDLE', async () => {
    const { phone } = rig('shop190');
    const rec = record();
    await phone.ring('sip:+4940555123@pbx.example');
    const offering = await rec.until(
      (p) => p.lineId === 'shop190' && p.callStateName === 'OFFERING',
    );
    // A 190 sends no parameters: the caller is unknown until the log scanner fills it in.
    expect(offering.info.callerId.flags).toBe(LINECALLPARTYID.UNKNOWN);
    await tapi.lineAnswer(offering.callId);
    await rec.until((p) => p.callId === offering.callId && p.callStateName === 'CONNECTED');
    await phone.remoteHangUp();
    await rec.until((p) => p.callId === offering.callId && p.callStateName === 'IDLE');
    rec.stop();
    expect(steps(rec.seen, offering.callId)).toEqual([
      'OFFERING',
      'CONNECTED',
      'DISCONNECTED',
      'IDLE',
    ]);
  });

  it('lineMakeCall: the phone receives the dialable number, the call reaches CONNECTED, lineDrop ends it', async () => {
    const { phone } = rig('desk360');
    const rec = record();
    const made = await tapi.lineMakeCall('desk360', '+49 30 9876543');
    expect(made.dialed).toBe('09876543'); // same area code: outside line + local number
    const dialRequest = phone.requests.find(
      (r) => r.path.includes('command.htm') && JSON.stringify(r.query).includes('09876543'),
    );
    expect(dialRequest).toBeDefined();
    expect(made.info.origin).toBe(LINECALLORIGIN.OUTBOUND);
    expect(made.info.calledId.number).toBe('09876543');
    await rec.until((p) => p.callId === made.callId && p.callStateName === 'CONNECTED');
    await tapi.lineDrop(made.callId);
    await rec.until((p) => p.callId === made.callId && p.callStateName === 'IDLE');
    rec.stop();
    expect(steps(rec.seen, made.callId).slice(-3)).toEqual(['CONNECTED', 'DISCONNECTED', 'IDLE']);
    expect(phone.calls).toEqual([]);
  });

  it('lineMakeCall on a 190-class phone resolves from its parameterless outgoing event', async () => {
    const { phone } = rig('shop190');
    const rec = record();
    const made = await tapi.lineMakeCall('shop190', '202');
    expect(made.dialed).toBe('202');
    expect(made.info.origin).toBe(LINECALLORIGIN.OUTBOUND);
    await tapi.lineDrop(made.callId);
    await rec.until((p) => p.callId === made.callId && p.callStateName === 'IDLE');
    rec.stop();
    expect(steps(rec.seen, made.callId).slice(-2)).toEqual(['DISCONNECTED', 'IDLE']);
    expect(phone.calls).toEqual([]);
  });

  it('a second client connecting mid-call gets the snapshot; closing the last user unprovisions', async () => {
    const { phone } = rig('desk360');
    const rec = record();
    await phone.ring('sip:205@pbx.example', { display: 'Colleague' });
    const { callId } = await rec.until(
      (p) => p.lineId === 'desk360' && p.callStateName === 'OFFERING',
    );
    const late = createTapiClient({ url: server.url, token: TOKEN });
    await late.connect();
    const snap = await late.lineOpen('desk360');
    expect(snap.calls.map((c) => [c.callId, c.callStateName, c.origin, c.callerId.name])).toEqual([
      [callId, 'OFFERING', LINECALLORIGIN.INTERNAL, 'Colleague'],
    ]);
    await late.close();
    await phone.remoteHangUp();
    await rec.until((p) => p.callId === callId && p.callStateName === 'IDLE');
    rec.stop();
    await tapi.lineClose('desk360');
    expect(phone.settings.get('action_incoming_url') ?? '').toBe('');
  });
});

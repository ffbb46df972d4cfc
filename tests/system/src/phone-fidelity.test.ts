// Black-box tests of the built daemon against simulated phones that behave like the public
// evidence (docs/snom-protocol.md, snom-evidence.md): the SIP-trace format real snom phones print,
// `user@host` Action URL values, snom-made Call-IDs, and every simulator firmware profile.
import { FIRMWARE_PROFILES, firmwareProfileSpec } from '@snomlink/snom-simulator';
import type { FirmwareProfile } from '@snomlink/snom-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiCall, SseActionEvent, SseCall } from './harness/api-types.js';
import { startDaemon } from './harness/daemon-process.js';
import type { DaemonProcess } from './harness/daemon-process.js';
import { closePhones, startPhones } from './harness/phones.js';
import type { TestPhone } from './harness/phones.js';
import { callState, events, finished, journal, liveCalls } from './harness/scenario.js';
import type { SseClient, SseMessage } from './harness/sse-client.js';

let daemon: DaemonProcess | undefined;
let phones: TestPhone[] = [];
let sse: SseClient | undefined;

afterEach(async () => {
  sse?.close();
  await daemon?.stop();
  await closePhones(phones);
  daemon = undefined;
  sse = undefined;
  phones = [];
});

const CALLER = '+4930123456';
const CALLER_NAME = 'Müller, Anna';

/** Starts one phone of `profile` and a daemon that knows it, with its Action URLs written. */
async function startProfile(profile: FirmwareProfile, id: string): Promise<TestPhone> {
  const model = firmwareProfileSpec(profile).defaultModel;
  phones = await startPhones([{ id, firmwareProfile: profile, model }]);
  daemon = await startDaemon({ phones: phones.map((p) => p.entry) });
  sse = await events(daemon);
  const test = phones[0]!;
  // Written the way the daemon would provision them; a D8xx has no dummy.htm, so its Action URLs
  // come from the daemon's action-urls view (a provisioning server would deliver them).
  const { urls } = await daemon.json<{ urls: Record<string, string> }>(
    `/api/phones/${id}/action-urls`,
  );
  test.phone.setSettings(urls);
  return test;
}

function parseCall(message: SseMessage): SseCall {
  return JSON.parse(message.data) as SseCall;
}

function parseActionEvent(message: SseMessage): SseActionEvent {
  return JSON.parse(message.data) as SseActionEvent;
}

/** The SSE `call` message of `phoneId` whose caller number is known. */
function callerKnown(client: SseClient, phoneId: string, after: number): Promise<SseMessage> {
  return client.waitFor((m) => {
    if (m.event !== 'call' || m.receivedAt < after) return false;
    const d = parseCall(m);
    return (
      d.call.phoneId === phoneId && d.call.callerId.number === CALLER && d.type !== 'call-finished'
    );
  }, 20_000);
}

/** The SSE `action-event` from the phone itself (`source: action-url`) of `kind`. */
function phoneEvent(
  client: SseClient,
  phoneId: string,
  kind: string,
  after: number,
): Promise<SseMessage> {
  return client.waitFor((m) => {
    if (m.event !== 'action-event' || m.receivedAt < after) return false;
    const d = parseActionEvent(m);
    return d.event.phoneId === phoneId && d.event.kind === kind && d.event.source === 'action-url';
  }, 20_000);
}

/**
 * One incoming call: ring, answer, hang up. Returns the ms from the phone's own `incoming` event
 * to the call carrying the caller's number (both as the SSE reader saw them).
 */
async function answeredCall(test: TestPhone, client: SseClient, d: DaemonProcess): Promise<number> {
  const id = test.entry.id;
  const since = Date.now();
  const urlEvent = phoneEvent(client, id, 'incoming', since);
  const known = callerKnown(client, id, since);
  const sipCallId = await test.phone.ring(CALLER, { display: CALLER_NAME });
  const [u, k] = await Promise.all([urlEvent, known]);
  const live = (await liveCalls(d, id)).find((c) => c.sipCallId === sipCallId);
  expect(live?.callerId).toMatchObject({ number: CALLER, displayName: CALLER_NAME });

  await test.phone.answer();
  const connected = await callState(client, id, 'connected');
  expect(connected.call.callerId.number).toBe(CALLER);
  await test.phone.hangUp();
  const done = await finished(client, sipCallId);
  expect(done.call.direction).toBe('inbound');
  expect(typeof done.call.endedAt).toBe('number');
  expect(done.call.callerId).toMatchObject({ number: CALLER, displayName: CALLER_NAME });
  expect(done.call.connectedAt).toEqual(expect.any(Number));

  const rows = (await journal(d)).filter((r) => r.sipCallId === sipCallId);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ remoteNumber: CALLER, remoteName: CALLER_NAME, missed: false });
  return k.receivedAt - u.receivedAt;
}

/** The callee rejects an outgoing call: the caller's call ends once, unanswered. */
async function rejectedOutgoing(
  test: TestPhone,
  client: SseClient,
  d: DaemonProcess,
): Promise<void> {
  const id = test.entry.id;
  const sipCallId = await test.phone.dial('0301234567', { autoAnswer: false });
  expect(sipCallId).toMatch(/^[0-9a-f]{12}-[a-z0-9]{12}$/); // snom-made (tine20)
  await client.waitForData<SseCall>(
    'call',
    (c) =>
      c.call.phoneId === id &&
      c.call.sipCallId === sipCallId &&
      c.call.calledId.number === '0301234567',
    20_000,
  );
  await test.phone.remoteHangUp(sipCallId);
  const done = await finished(client, sipCallId);
  expect(done.call.connectedAt).toBeNull();
  expect(done.call.direction).toBe('outbound');
  // A later call proves the daemon has processed everything the rejected one caused.
  await answeredCall(test, client, d);
  const ends = client
    .dataOf<SseCall>('call')
    .filter((c) => c.type === 'call-finished' && c.call.sipCallId === sipCallId);
  expect(ends).toHaveLength(1);
  const rows = (await journal(d)).filter((r) => r.sipCallId === sipCallId);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({
    connectedAt: null,
    direction: 'outbound',
    calledNumber: '0301234567',
  });
  expect(await liveCalls(d, id)).toEqual([] as ApiCall[]);
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
};

describe('a snom 190 whose caller shows only in the public SIP-trace format', () => {
  it('gets number and name on the live call within 100 ms median, connected, ended, one journal row each', async () => {
    const test = await startProfile('3.x-190', 'old-190');
    expect(test.phone.capabilities).toBe('parameterless');
    const latencies: number[] = [];
    for (let i = 0; i < 7; i += 1) latencies.push(await answeredCall(test, sse!, daemon!));
    // The phone sent no parameters: every Action URL it fired is the bare path and secret.
    expect(test.phone.firedActionUrls.every((f) => !f.url.includes('remote='))).toBe(true);
    // And it served the public trace format (`Received from udp:… at … (n bytes):`).
    expect(test.phone.requests.some((r) => r.path === '/log.htm')).toBe(true);
    expect(median(latencies)).toBeLessThan(100);
  }, 120_000);
});

describe.each(FIRMWARE_PROFILES)('firmware profile %s through the daemon', (profile) => {
  it('an answered incoming call gets the caller number and name, connected and ended, one journal row; a rejected outgoing call ends once, unanswered', async () => {
    const test = await startProfile(profile, `fw-${profile.replace(/\./g, '-')}`);
    await answeredCall(test, sse!, daemon!);
    await rejectedOutgoing(test, sse!, daemon!);
  }, 90_000);
});

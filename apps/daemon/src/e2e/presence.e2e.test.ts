/**
 * Black-box acceptance of line presence (issue 17): the BUILT daemon, a simulated phone, and
 * only HTTP, SSE and the TAPI WebSocket.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulatedPhone, type SimulatedPhone } from '@snomlink/snom-simulator';
import { createTapiClient } from '@snomlink/tapi-bridge/client';
import { LINEADDRESSSTATE, LINEFORWARDMODE } from '@snomlink/tapi-bridge';
import type {
  LineList,
  PhoneView,
  PresenceUpdateResult,
  ProvisionResult,
  SsePresenceEvent,
} from '../api/schemas.js';
import { openSse, killIfRunning, startLoopbackDaemon } from '../testing/daemon-process.js';
import type { DaemonProcess, SseMessage } from '../testing/daemon-process.js';

let dir: string;
let daemon: DaemonProcess;
let desk: SimulatedPhone;

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${daemon.adminBase}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${daemon.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path} → ${String(res.status)} ${await res.text()}`);
  return (await res.json()) as T;
}

function presenceEvent(m: SseMessage): SsePresenceEvent | null {
  return m.event === 'presence' ? (JSON.parse(m.data) as SsePresenceEvent) : null;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-presence-'));
  desk = createSimulatedPhone({ model: 'snom360', identity: { user: '201', host: 'pbx.example' } });
  await desk.listen({ host: '127.0.0.1', port: 0 });
  daemon = await startLoopbackDaemon(dir);
  await api('POST', '/api/phones', { id: 'desk', host: `127.0.0.1:${String(desk.address!.port)}` });
  const provisioned = await api<ProvisionResult>('POST', '/api/phones/desk/provision');
  expect(provisioned.ok).toBe(true);
}, 60_000);

afterAll(async () => {
  await killIfRunning(daemon);
  await desk.close();
  await rm(dir, { recursive: true, force: true });
});

describe('line presence (built binary)', () => {
  it("a phone's dnd-on shows DND in the API, SSE and TAPI; dnd-off from the PC is confirmed by the phone", async () => {
    const sse = await openSse(`${daemon.adminBase}/api/events`, {
      authorization: `Bearer ${daemon.token}`,
    });
    const tapi = createTapiClient({
      url: `${daemon.adminBase.replace(/^http/, 'ws')}/tapi`,
      token: daemon.token,
      reconnect: false,
    });
    try {
      await tapi.connect();
      await tapi.lineOpen('desk');
      const before = await api<PhoneView>('GET', '/api/phones/desk');
      expect(before.presence.dnd).toBeNull();

      const addressState = tapi.waitFor('LINE_ADDRESSSTATE', undefined, 20_000);
      await desk.setDnd(true); // the user presses DND on the phone
      const on = await sse.waitFor((m) => presenceEvent(m)?.dnd === true, 20_000);
      expect(presenceEvent(on)).toMatchObject({ phoneId: 'desk', changed: ['dnd'] });
      const tapiState = await addressState;
      expect(tapiState).toMatchObject({
        lineId: 'desk',
        addressState: LINEADDRESSSTATE.FORWARD,
        dnd: true,
        forwardList: [{ forwardMode: LINEFORWARDMODE.UNCOND, destAddress: '' }],
      });
      expect((await api<PhoneView>('GET', '/api/phones/desk')).presence.dnd).toBe(true);
      const lines = await api<LineList>('GET', '/api/lines');
      expect(lines.lines.find((l) => l.phoneId === 'desk')?.presence.dnd).toBe(true);
      expect((await tapi.lineGetAddressStatus('desk')).dnd).toBe(true);

      // Switch DND off from the PC: the daemon writes the phone, the phone confirms with dnd-off.
      const result = await api<PresenceUpdateResult>('PUT', '/api/phones/desk/presence', {
        dnd: false,
      });
      expect(result.written).toEqual(['dnd_mode']);
      expect(desk.settings.get('dnd_mode')).toBe('off');
      await desk.waitForActionUrl('dnd-off');
      await sse.waitFor((m) => presenceEvent(m)?.dnd === false, 20_000);
      expect((await api<PhoneView>('GET', '/api/phones/desk')).presence.dnd).toBe(false);

      // Forwarding through TAPI lineForward: the phone forwards, and the target shows everywhere.
      await tapi.lineForward('desk', [
        { forwardMode: LINEFORWARDMODE.BUSY, destAddress: '0301234' },
      ]);
      expect(desk.forwarding).toEqual({ mode: 'busy', target: '0301234' });
      await sse.waitFor((m) => presenceEvent(m)?.forwarding?.target === '0301234', 20_000);
      const view = await api<PhoneView>('GET', '/api/phones/desk');
      expect(view.presence).toMatchObject({
        forwarding: true,
        forwardingMode: 'busy',
        forwardingTarget: '0301234',
      });
    } finally {
      sse.close();
      await tapi.close();
    }
  });

  it('refuses a bad presence body with a clear 400 and an unknown phone with 404', async () => {
    const res = await fetch(`${daemon.adminBase}/api/phones/desk/presence`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${daemon.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ forwarding: { enabled: true } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/target is required/);
    const missing = await fetch(`${daemon.adminBase}/api/phones/nope/presence`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${daemon.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ dnd: true }),
    });
    expect(missing.status).toBe(404);
  });
});

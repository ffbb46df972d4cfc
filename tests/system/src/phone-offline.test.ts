import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PhoneView, SseLine } from './harness/api-types.js';
import { startDaemon } from './harness/daemon-process.js';
import type { DaemonProcess } from './harness/daemon-process.js';
import { closePhones, startPhones } from './harness/phones.js';
import type { TestPhone } from './harness/phones.js';
import {
  callState,
  events,
  finished,
  journal,
  liveCalls,
  provisionAll,
} from './harness/scenario.js';
import type { SseClient } from './harness/sse-client.js';

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

describe('a phone goes offline mid-call and comes back', () => {
  it('reports the line unreachable, ends the call by the next event and leaves nothing stuck', async () => {
    phones = await startPhones([{ id: 'desk-1', model: 'snom360' }]);
    daemon = await startDaemon({
      phones: phones.map((p) => p.entry),
      config: { health: { intervalMs: 300, phoneTimeoutMs: 1000 } },
    });
    sse = await events(daemon);
    await provisionAll(daemon, phones);
    const phone = phones[0]!.phone;
    // The first health check runs as the daemon starts, often before this reader connected:
    // its `line` event is then gone, so the API's view says when the phone is known reachable.
    await vi.waitFor(
      async () => {
        const view = await daemon!.json<PhoneView>('/api/phones/desk-1');
        expect(view.health.status).toBe('reachable');
      },
      { timeout: 20_000, interval: 50 },
    );

    const first = await phone.ring('+4930111111', { display: 'First Caller' });
    await phone.answer(first);
    await callState(sse, 'desk-1', 'connected');

    // The network goes away: the phone's web server, and the Action URLs it would send.
    const actionSettings = Object.fromEntries(
      [...phone.settings].filter(([name]) => name.startsWith('action_')),
    );
    phone.setSettings(Object.fromEntries(Object.keys(actionSettings).map((k) => [k, ''])));
    await phone.setFault({ offline: true });
    const down = await sse.waitForData<SseLine>(
      'line',
      (d) => d.phoneId === 'desk-1' && d.status === 'unreachable',
    );
    expect(down.detail).toEqual(expect.any(String));
    const view = await daemon.json<PhoneView>('/api/phones/desk-1');
    expect(view.health.status).toBe('unreachable');

    // While away the caller hangs up; the daemon cannot know, so the call is still live.
    await phone.remoteHangUp(first);
    expect((await liveCalls(daemon, 'desk-1')).map((c) => c.sipCallId)).toEqual([first]);

    // Back on the network.
    phone.setSettings(actionSettings);
    await phone.setFault({});
    await sse.waitForData<SseLine>(
      'line',
      (d) => d.phoneId === 'desk-1' && d.status === 'reachable' && d.at > down.at,
    );

    // The phone's next call reports $nr_ongoing_calls; at 0 the forgotten call must end too.
    const second = await phone.ring('+4930222222', { display: 'Second Caller' });
    await phone.answer(second);
    await phone.hangUp(second);
    await finished(sse, second);
    const old = await finished(sse, first);
    expect(old.call.endedAt).toEqual(expect.any(Number));
    expect(await liveCalls(daemon)).toEqual([]);

    const rows = await journal(daemon);
    expect(rows.filter((r) => r.sipCallId === first)).toHaveLength(1);
    expect(rows.filter((r) => r.sipCallId === second)).toHaveLength(1);
    expect(rows.find((r) => r.sipCallId === first)?.remoteNumber).toBe('+4930111111');
    const health = await daemon.json<{ liveCalls: number }>('/api/health');
    expect(health.liveCalls).toBe(0);
  });
});

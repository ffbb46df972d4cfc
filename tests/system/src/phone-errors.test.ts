import { afterEach, describe, expect, it } from 'vitest';
import type { PhoneView } from './harness/api-types.js';
import { startDaemon } from './harness/daemon-process.js';
import type { DaemonProcess } from './harness/daemon-process.js';
import { closePhones, startPhones } from './harness/phones.js';
import type { TestPhone } from './harness/phones.js';
import { events, finished, provisionAll } from './harness/scenario.js';
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

interface Answer {
  status: number;
  body: {
    error?: string;
    detail?: string;
    reachable?: boolean;
    authOk?: boolean;
    ok?: boolean;
  };
}

async function post(d: DaemonProcess, path: string, body?: unknown): Promise<Answer> {
  const response = await d.api(path, {
    method: 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    // Nothing may hang: every answer must come well within this.
    signal: AbortSignal.timeout(20_000),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

describe('a phone that answers with 500s, garbage or very slowly', () => {
  it('reports client errors per phone, answers every request in time, and keeps other phones working', async () => {
    phones = await startPhones([
      { id: 'p500', model: 'snom360' },
      { id: 'junk', model: 'snom360' },
      { id: 'slow', model: 'snom360' },
      { id: 'good', model: 'snom360' },
    ]);
    daemon = await startDaemon({
      phones: phones.map((p) => p.entry),
      config: { health: { intervalMs: 60_000, phoneTimeoutMs: 1000 } },
    });
    sse = await events(daemon);
    await provisionAll(daemon, phones);
    const byId = Object.fromEntries(phones.map((p) => [p.entry.id, p.phone]));
    await byId['p500']!.setFault({ status500: true });
    await byId['junk']!.setFault({ garbage: true });
    await byId['slow']!.setFault({ delayMs: 8000 });

    // A slow dial is in flight while the good phone takes a call and the API answers.
    const slowDial = post(daemon, '/api/phones/slow/dial', { number: '+4930123456' });
    const good = byId['good']!;
    const id = await good.ring('+4930777777', { display: 'Still Works' });
    await good.answer(id);
    await good.hangUp(id);
    await finished(sse, id);
    expect((await daemon.api('/api/health')).status).toBe(200);

    const slow = await slowDial;
    expect(slow.status).toBe(504);
    expect(slow.body.error).toEqual(expect.any(String));
    expect(slow.body.detail).toMatch(/slow|time/i);

    const dial500 = await post(daemon, '/api/phones/p500/dial', { number: '+4930123456' });
    expect(dial500.status).toBe(502);
    expect(dial500.body.detail).toMatch(/500/);

    const test500 = await post(daemon, '/api/phones/p500/test');
    expect(test500).toMatchObject({ status: 200, body: { reachable: false, authOk: false } });
    expect(test500.body.error).toMatch(/answered 500/);
    const testSlow = await post(daemon, '/api/phones/slow/test');
    expect(testSlow).toMatchObject({ status: 200, body: { reachable: false } });
    expect(testSlow.body.error).toMatch(/did not answer .* within 1000 ms/);
    for (const phoneId of ['p500', 'slow']) {
      const view = await daemon.json<PhoneView>(`/api/phones/${phoneId}`);
      expect(view.health.status, phoneId).toBe('unreachable');
      expect(view.health.detail, phoneId).toEqual(expect.any(String));
    }
    // Garbage answers: the host is up but nothing it says makes sense. The check says it is not
    // a snom phone (line unreachable, model forgotten); provisioning reports every setting as
    // not taken instead of claiming success; a dial answers 502 with the same reason.
    const testJunk = await post(daemon, '/api/phones/junk/test');
    expect(testJunk).toMatchObject({ status: 200, body: { reachable: false, model: null } });
    expect(testJunk.body.error).toMatch(/^answers, but not like a snom phone: /);
    const junkView = await daemon.json<PhoneView>('/api/phones/junk');
    expect(junkView.health.status).toBe('unreachable');
    expect(junkView.health.detail).toMatch(/^answers, but not like a snom phone: /);
    const provisionJunk = await post(daemon, '/api/phones/junk/provision');
    expect(provisionJunk).toMatchObject({ status: 200, body: { ok: false } });
    const written = (provisionJunk.body as { written: { accepted: boolean }[] }).written;
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((w) => !w.accepted)).toBe(true);
    expect((await post(daemon, '/api/phones/p500/provision')).status).toBe(502);
    expect((await post(daemon, '/api/phones/slow/provision')).status).toBe(504);
    const junkDial = await post(daemon, '/api/phones/junk/dial', { number: '+4930123456' });
    expect(junkDial.status).toBe(502);
    expect(junkDial.body.error).toBe('phone-not-snom');
    expect(junkDial.body.detail).toMatch(/answers, but not like a snom phone: /);

    // Faults gone: the next check sees every phone again.
    for (const phone of Object.values(byId)) await phone.setFault({});
    for (const phoneId of ['p500', 'junk', 'slow']) {
      const again = await post(daemon, `/api/phones/${phoneId}/test`);
      expect(again.body, phoneId).toMatchObject({
        reachable: true,
        authOk: true,
        model: 'snom360',
      });
    }
  }, 120_000);
});

/**
 * The built daemon with a `notify.email` section against a local SMTP sink (smtp-server,
 * messages parsed with mailparser): one missed call → exactly one e-mail naming the caller; a
 * burst of 50 missed calls → a few batched mails over one connection; `POST /api/notify/test`;
 * and an SMTP server that never answers delays nothing (phones get their 200 at once, calls are
 * journalled).
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { startSilentServer, startSmtpSink } from '@snomlink/notify/testing';
import type { SmtpSink } from '@snomlink/notify/testing';
import type { FiredActionUrl } from '@snomlink/snom-simulator';
import type { Health } from './harness/api-types.js';
import { startDaemon } from './harness/daemon-process.js';
import type { DaemonProcess } from './harness/daemon-process.js';
import { closePhones, startPhones } from './harness/phones.js';
import type { TestPhone } from './harness/phones.js';
import { events, finished, journal, provisionAll } from './harness/scenario.js';
import type { SseClient } from './harness/sse-client.js';

let daemon: DaemonProcess | undefined;
let phones: TestPhone[] = [];
let sse: SseClient | undefined;
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  sse?.close();
  await daemon?.stop();
  await closePhones(phones);
  for (const close of closers.splice(0)) await close().catch(() => undefined);
  daemon = undefined;
  sse = undefined;
  phones = [];
});

async function start(
  count: number,
  smtpPort: number,
  extra: Record<string, unknown> = {},
): Promise<DaemonProcess> {
  phones = await startPhones(
    Array.from({ length: count }, (_, i) => ({ id: `desk-${String(i + 1)}`, model: 'snom360' })),
  );
  daemon = await startDaemon({
    phones: phones.map((p) => p.entry),
    config: {
      notify: {
        email: {
          smtp: { host: '127.0.0.1', port: smtpPort, timeoutMs: 10_000 },
          from: 'pbx@example.com',
          recipients: [{ email: 'office@example.com', name: 'Office' }],
          batchDelayMs: 1500,
          ...extra,
        },
      },
    },
  });
  sse = await events(daemon);
  await provisionAll(daemon, phones);
  return daemon;
}

/** A missed call: it rings, the caller gives up. Resolves once the daemon finished it. */
async function missedCall(phone: TestPhone, number: string, display: string): Promise<string> {
  const id = await phone.phone.ring(number, { display });
  await phone.phone.remoteHangUp(id);
  await finished(sse!, id, 30_000);
  return id;
}

function recordFired(phone: TestPhone): FiredActionUrl[] {
  const fired: FiredActionUrl[] = [];
  phone.phone.on('action-url', (f) => fired.push(f));
  return fired;
}

describe('missed-call e-mail in the built daemon', () => {
  it('one missed call → exactly one e-mail naming the caller; the test route sends a test message', async () => {
    const sink: SmtpSink = await startSmtpSink();
    closers.push(() => sink.close());
    const d = await start(1, sink.port);
    const desk = phones[0]!;

    await missedCall(desk, '+4930123456', 'Anna Example');
    const [mail] = await sink.waitForMessages(1, 20_000);
    expect(mail!.rcptTo).toEqual(['office@example.com']);
    expect(mail!.parsed.subject).toContain('Anna Example');
    expect(mail!.parsed.subject).toContain('+4930123456');
    expect(mail!.parsed.text).toContain('+4930123456');
    expect(mail!.parsed.text).toContain('Phone desk-1');

    // A second missed call gives a second mail that lists only the second caller: the first
    // call was mailed exactly once.
    await missedCall(desk, '+4940999888', 'Bernd Second');
    const mails = await sink.waitForMessages(2, 20_000);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.parsed.text).toContain('+4940999888');
    expect(mails[1]!.parsed.text).not.toContain('+4930123456');
    const health = await d.json<Health>('/api/health');
    expect(health.notify?.email).toMatchObject({ sent: 2, failed: 0, pendingCalls: 0 });
    const metrics = await (await d.api('/api/metrics')).text();
    expect(metrics).toMatch(/^snomlink_notify_emails_total\{result="sent"\} 2$/m);

    const res = await d.api('/api/notify/test', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'admin@example.com' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accepted: string[] };
    expect(body.accepted).toEqual(['admin@example.com']);
    const all = await sink.waitForMessages(3, 20_000);
    expect(all[2]!.rcptTo).toEqual(['admin@example.com']);
    expect(all[2]!.parsed.subject).toMatch(/test message/i);
    expect(sink.messages).toHaveLength(3);
  }, 120_000);

  it('a burst of 50 missed calls produces batched mail over one connection, not 50', async () => {
    const sink = await startSmtpSink();
    closers.push(() => sink.close());
    await start(5, sink.port, { batchDelayMs: 3000 });
    const numbers = Array.from({ length: 50 }, (_, i) => `+4969${String(5_000_000 + i)}`);
    // Five phones, ten missed calls each, all at once.
    await Promise.all(
      phones.map(async (phone, p) => {
        for (let i = 0; i < 10; i++)
          await missedCall(phone, numbers[p * 10 + i]!, `Burst ${String(p * 10 + i)}`);
      }),
    );
    await expect
      .poll(
        () => {
          const text = sink.messages.map((m) => m.parsed.text ?? '').join('\n');
          return numbers.filter((n) => !text.includes(n)).length;
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(0);
    // Each call is in exactly one mail.
    for (const n of numbers)
      expect(
        sink.messages.filter((m) => (m.parsed.text ?? '').includes(n)),
        n,
      ).toHaveLength(1);
    console.log(
      `50 missed calls → ${String(sink.messages.length)} e-mails over ${String(sink.connections())} SMTP connection(s)`,
    );
    expect(sink.messages.length).toBeLessThanOrEqual(5);
    expect(sink.connections()).toBeLessThanOrEqual(2);
  }, 180_000);

  it('an SMTP server that never answers delays nothing: phones get their 200 at once, calls are journalled', async () => {
    const silent = await startSilentServer();
    closers.push(() => silent.close());
    const d = await start(1, silent.port, { batchDelayMs: 0 });
    const desk = phones[0]!;
    const fired = recordFired(desk);
    const ids: string[] = [];
    const durations: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      ids.push(await missedCall(desk, `+4930777${String(1000 + i)}`, `Silent ${String(i)}`));
      durations.push(performance.now() - t0);
    }
    expect(fired.length).toBeGreaterThanOrEqual(40);
    expect(fired.every((f) => f.status === 200)).toBe(true);
    const rows = await journal(d);
    for (const id of ids) expect(rows.filter((r) => r.sipCallId === id)).toHaveLength(1);
    const sorted = [...durations].sort((a, b) => a - b);
    console.log(
      `missed call (ring + hang-up + finished on SSE) with a silent SMTP server: median ${sorted[10]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms`,
    );
    // The SMTP timeout is 10 s: a call that waited for it would take at least that long.
    expect(sorted.at(-1)!).toBeLessThan(2000);
    expect(silent.connections()).toBeGreaterThanOrEqual(1);
    const health = await d.json<Health>('/api/health');
    expect(health.notify?.email.sent).toBe(0);
    expect(health.notify?.email.pendingCalls).toBe(20);
  }, 180_000);
});

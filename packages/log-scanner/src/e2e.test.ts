import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PARAMETERLESS_EVENT_KINDS, type ActionEvent } from '@snomlink/core';
import { createSnomClient, type SnomClientOptions } from '@snomlink/snom-client';
import {
  createSimulatedPhone,
  type SimulatedPhone,
  type SimulatedPhoneOptions,
} from '@snomlink/snom-simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogScanner, type LogScanner } from './log-scanner.js';

/** A minimal Action URL receiver: `/snom/{phoneId}/{kind}?k=…` → a parameterless ActionEvent. */
async function startReceiver(
  onEvent: (e: ActionEvent) => void,
): Promise<{ server: Server; base: string; urls: string[] }> {
  const urls: string[] = [];
  const server = createServer((req, res) => {
    urls.push(req.url ?? '');
    const m = /^\/snom\/([^/?]+)\/([a-z-]+)/.exec(req.url ?? '');
    res.writeHead(m ? 200 : 404).end();
    if (m?.[1] && m[2]) {
      onEvent({
        phoneId: m[1],
        kind: m[2] as ActionEvent['kind'],
        source: 'action-url',
        receivedAt: Date.now(),
        params: {},
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${String(port)}`, urls };
}

/** Resolves when `events` holds an event matching `pred` (checked on every push). */
function waitFor(
  events: ActionEvent[],
  pred: (e: ActionEvent) => boolean,
  timeoutMs = 15_000,
): Promise<ActionEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(
          `no matching event within ${String(timeoutMs)} ms; got ${JSON.stringify(events.map((e) => e.kind))}`,
        ),
      );
    }, timeoutMs);
    const check = (): void => {
      const hit = events.find(pred);
      if (hit) {
        clearTimeout(timer);
        resolve(hit);
      } else setImmediate(check);
    };
    check();
  });
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/**
 * A 190-class simulated phone whose Action URLs (`/snom/{phoneId}/{kind}?k={secret}`, no
 * parameters) reach a receiver that notifies the phone's log scanner; the scanner's events land in
 * `events`. Everything is closed after the test.
 */
async function scanned190(
  phoneId: string,
  secret: string,
  phoneOptions: SimulatedPhoneOptions = {},
  clientOptions: Omit<SnomClientOptions, 'host'> = {},
): Promise<{
  events: ActionEvent[];
  receiver: Awaited<ReturnType<typeof startReceiver>>;
  phone: SimulatedPhone;
}> {
  const events: ActionEvent[] = [];
  let scanner: LogScanner | null = null;
  const receiver = await startReceiver((e) => scanner?.notify(e));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        receiver.server.close(() => {
          r();
        });
      }),
  );
  const phone = createSimulatedPhone({
    model: 'snom190',
    ...phoneOptions,
    settings: Object.fromEntries(
      PARAMETERLESS_EVENT_KINDS.map((k) => [
        `action_${k}_url`,
        `${receiver.base}/snom/${phoneId}/${k}?k=${secret}`,
      ]),
    ),
  });
  const address = await phone.listen({ host: '127.0.0.1' });
  cleanup.push(() => phone.close());
  const client = createSnomClient({
    host: `${address.host}:${String(address.port)}`,
    ...clientOptions,
  });
  const started = createLogScanner({ phoneId, client, onEvent: (e) => events.push(e) });
  scanner = started;
  cleanup.push(() => started.stop());
  return { events, receiver, phone };
}

describe('end to end against a 190-class simulated phone', () => {
  it('a parameterless incoming becomes the caller, then connected, then disconnected', async () => {
    const { events, receiver, phone } = await scanned190(
      'p190',
      'secret',
      {},
      { model: 'snom190' },
    );

    const callId = await phone.ring('+4930123456', { display: 'Anna Müller' });
    const incoming = await waitFor(events, (e) => e.kind === 'incoming');
    expect(incoming).toMatchObject({
      phoneId: 'p190',
      source: 'log-scan',
      params: { callId, displayRemote: 'Anna Müller' },
    });
    expect(incoming.params.remote).toContain('+4930123456');

    await phone.answer();
    await waitFor(events, (e) => e.kind === 'connected');
    await phone.hangUp();
    await waitFor(events, (e) => e.kind === 'disconnected');

    expect(events.map((e) => [e.kind, e.params.callId])).toEqual([
      ['incoming', callId],
      ['connected', callId],
      ['disconnected', callId],
    ]);
    // The phone sent no parameters at all: only the path and the secret.
    expect(receiver.urls.length).toBeGreaterThanOrEqual(3);
    for (const url of receiver.urls) expect(url).toMatch(/^\/snom\/p190\/[a-z]+\?k=secret$/);
    // The scanner cleared the log after the call.
    await waitFor(events, () => phone.logText === '');
    expect(phone.requests.some((r) => r.path === '/log.htm' && r.query.includes('clear_log'))).toBe(
      true,
    );
  });

  it('an outgoing call from the phone is announced with the callee', async () => {
    const { events, phone } = await scanned190('p2', 's', { answerDelayMs: 50 });

    const callId = await phone.dial('0301234567');
    const outgoing = await waitFor(events, (e) => e.kind === 'outgoing');
    expect(outgoing.params).toMatchObject({ callId });
    expect(outgoing.params.remote).toContain('0301234567');
    await waitFor(events, (e) => e.kind === 'connected');
    await phone.remoteHangUp();
    await waitFor(events, (e) => e.kind === 'disconnected');
    expect(events.map((e) => e.kind)).toEqual(['outgoing', 'connected', 'disconnected']);
  });

  it('a phone whose /log.htm answers 404 is read and cleared on its fallback page through snom-client', async () => {
    const { events, phone } = await scanned190('p-fallback', 's', {
      logPagePath: '/sip_trace.htm',
    });
    const callId = await phone.ring('+4930123456', { display: 'Anna Müller' });
    const incoming = await waitFor(events, (e) => e.kind === 'incoming');
    expect(incoming.params).toMatchObject({ callId, displayRemote: 'Anna Müller' });
    await phone.answer();
    await waitFor(events, (e) => e.kind === 'connected');
    await phone.hangUp();
    await waitFor(events, (e) => e.kind === 'disconnected');
    // The scanner clears the page it read, with that page's clear action.
    await waitFor(events, () => phone.logText === '');
    const pages = phone.requests.map((r) => r.url);
    expect(pages[0]).toBe('/log.htm');
    expect(pages).toContain('/sip_trace.htm');
    expect(pages).toContain('/sip_trace.htm?clear=1');
    // Remembered: once the fallback page answered, /log.htm is not asked again.
    const first = pages.indexOf('/sip_trace.htm');
    expect(pages.slice(first).filter((u) => u.startsWith('/log.htm'))).toEqual([]);
    expect(pages.filter((u) => u === '/sip_trace.htm').length).toBeGreaterThan(1);
  }, 20_000);

  // Issue 19: a system run on an overloaded machine showed duplicated 190-class journal rows
  // after snom-client moved to undici request(). Here every log read and clear is slow (the
  // phone waits before answering), so reads are still on their way while the next call rings,
  // is answered and ends: the scanner must still report each call's events exactly once.
  it('slow log reads overlapping back-to-back calls report every call once', async () => {
    const { events, phone } = await scanned190('p-slow', 's', { answerDelayMs: 50 });
    await phone.setFault({ delayMs: 250 });
    const callIds: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const callId = await phone.ring(`+49301234${String(i)}`, { display: `Caller ${String(i)}` });
      callIds.push(callId);
      await phone.answer(callId);
      await phone.hangUp(callId);
    }
    for (const callId of callIds) {
      await waitFor(events, (e) => e.kind === 'disconnected' && e.params.callId === callId, 30_000);
    }
    // The scanner clears the log only when it has gone quiet: every read is done by then.
    await waitFor(events, () => phone.logText === '', 30_000);

    const counts = new Map<string, number>();
    for (const e of events) {
      const key = `${e.params.callId ?? ''} ${e.kind}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    for (const callId of callIds) {
      expect(counts.get(`${callId} incoming`)).toBe(1);
      expect(counts.get(`${callId} disconnected`)).toBe(1);
    }
  }, 60_000);

  // Every trace format the simulator's firmware profiles write (snom-evidence.md §4), through
  // snom-client over a real socket.
  it.each(['public', 'fw7-embedded', 'syslog', 'legacy'] as const)(
    'the %s trace format: caller with a comma in the name, connected, rejected-outgoing busy',
    async (sipTraceFormat) => {
      const { events, phone } = await scanned190(`p-${sipTraceFormat}`, 's', {
        sipTraceFormat,
        answerDelayMs: 50,
      });
      const callId = await phone.ring('+4930123456', { display: 'Müller, Anna' });
      const incoming = await waitFor(events, (e) => e.kind === 'incoming');
      expect(incoming.params).toMatchObject({ callId, displayRemote: 'Müller, Anna' });
      await phone.answer();
      await waitFor(events, (e) => e.kind === 'connected');
      await phone.hangUp();
      await waitFor(events, (e) => e.kind === 'disconnected');
      // Let the scanner clear the log first (the README's known clear-vs-new-INVITE race).
      await waitFor(events, () => phone.logText === '');

      const out = await phone.dial('0301234567', { autoAnswer: false });
      await waitFor(events, (e) => e.kind === 'outgoing' && e.params.callId === out);
      await phone.remoteHangUp(out);
      const ended = await waitFor(
        events,
        (e) => e.kind === 'disconnected' && e.params.callId === out,
      );
      expect(ended.params.reason).toBe('busy');
      expect(out).toMatch(/^[0-9a-f]{12}-[a-z0-9]{12}$/);
    },
    30_000,
  );
});

import { connect } from 'node:net';
import type { ActionEvent } from '@snomlink/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createListener } from './create-listener.js';
import type { Listener } from './create-listener.js';
import { isListenerConfigError } from './errors.js';
import { createListenerApp } from './listener-app.js';
import type {
  CreateListenerOptions,
  ListenerConnectionEvent,
  ListenerPhone,
  ListenerRejection,
} from './listener-options.js';
import { rawPhoneRequest } from './testing/phone-request.js';
import { sendRawRequest } from './testing/send-raw-request.js';

// Cluster mode answers a phone 200 only once its event is stored in the stream: the listener
// awaits an admission before answering, and refuses with 503 when the store says no or is slow.

const HOST = '127.0.0.1';
const SECRET = 'k-3f9a8b7c6d5e4f3a2b1c';
const PHONES: Record<string, ListenerPhone> = {
  p1: { id: 'p1', secret: SECRET, host: HOST },
  p2: { id: 'p2', secret: SECRET, host: HOST },
};

interface Deferred {
  event: ActionEvent;
  resolve: () => void;
  reject: (error: Error) => void;
}

const open: Listener[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.stop()));
});

/** A listener whose admissions the test settles by hand (`next()` waits for the next one). */
async function start(extra: Partial<CreateListenerOptions> = {}): Promise<{
  port: number;
  listener: Listener;
  events: ActionEvent[];
  rejections: ListenerRejection[];
  nextAdmission: () => Promise<Deferred>;
}> {
  const events: ActionEvent[] = [];
  const rejections: ListenerRejection[] = [];
  const admissions: Deferred[] = [];
  const waiters: ((d: Deferred) => void)[] = [];
  const listener = createListener({
    resolvePhone: (id) => PHONES[id],
    onEvent: (event) => events.push(event),
    onReject: (r) => rejections.push(r),
    admit: (event) =>
      new Promise<void>((resolve, reject) => {
        const d: Deferred = { event, resolve, reject };
        const waiter = waiters.shift();
        if (waiter === undefined) admissions.push(d);
        else waiter(d);
      }),
    ...extra,
  });
  open.push(listener);
  const { port } = await listener.start({ host: HOST, port: 0 });
  return {
    port,
    listener,
    events,
    rejections,
    nextAdmission: () => {
      const ready = admissions.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

function send(port: number, phoneId = 'p1', kind = 'onhook'): ReturnType<typeof sendRawRequest> {
  return sendRawRequest(HOST, port, rawPhoneRequest(`/snom/${phoneId}/${kind}?k=${SECRET}`), {
    timeoutMs: 30_000,
  });
}

async function waitUntil(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('admission on the phone port', () => {
  it('answers 200 only after the admission resolved, and hands the event on only then', async () => {
    const { port, events, nextAdmission } = await start();
    let firstAnswered = false;
    const first = send(port, 'p1').then((r) => {
      firstAnswered = true;
      return r;
    });
    const held = await nextAdmission();
    expect(held.event).toMatchObject({ phoneId: 'p1', kind: 'onhook', source: 'action-url' });
    // A second phone's event is admitted and answered while the first one's ack is held: proof
    // that the first answer waits for its own admission, not for the clock.
    const second = send(port, 'p2');
    (await nextAdmission()).resolve();
    expect((await second).status).toBe(200);
    expect(firstAnswered).toBe(false);
    expect(events.map((e) => e.phoneId)).toEqual(['p2']);
    held.resolve();
    expect((await first).status).toBe(200);
    await waitUntil(() => events.length === 2);
    expect(events.map((e) => e.phoneId)).toEqual(['p2', 'p1']);
  });

  it('answers 503 with Retry-After when the admission is refused, and drops the event', async () => {
    const { port, events, rejections, nextAdmission } = await start();
    const answer = send(port);
    (await nextAdmission()).reject(new Error('no stream ack'));
    const res = await answer;
    expect(res.status).toBe(503);
    expect(res.head).toMatch(/\r\nRetry-After: 1/i);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'unavailable' });
    expect(res.body).not.toContain('no stream ack');
    expect(rejections).toEqual([expect.objectContaining({ status: 503, phoneId: 'p1' })]);
    // Nothing was handed on (an event the store refused must not show up as accepted).
    const next = send(port, 'p2');
    (await nextAdmission()).resolve();
    expect((await next).status).toBe(200);
    await waitUntil(() => events.length === 1);
    expect(events.map((e) => e.phoneId)).toEqual(['p2']);
  });

  it('answers 503 when the admission does not settle in time, and frees the connection', async () => {
    const { port, listener, events, nextAdmission } = await start({ admitTimeoutMs: 200 });
    const answer = send(port);
    const never = await nextAdmission(); // never settled by the test
    const res = await answer;
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'unavailable' });
    await waitUntil(() => listener.stats().connections === 0);
    // A late ack after the 503 does not turn it into an accepted event.
    never.resolve();
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual([]);
  });

  it('refuses at once beyond maxPendingAdmissions, and accepts again once they are answered', async () => {
    const { port, nextAdmission } = await start({ maxPendingAdmissions: 2 });
    const a = send(port, 'p1');
    const b = send(port, 'p2');
    const held = [await nextAdmission(), await nextAdmission()];
    const c = await send(port, 'p1', 'offhook');
    expect(c.status).toBe(503);
    expect(JSON.parse(c.body)).toMatchObject({ error: 'unavailable' });
    held.forEach((d) => {
      d.resolve();
    });
    expect((await a).status).toBe(200);
    expect((await b).status).toBe(200);
    const d = send(port, 'p1', 'offhook');
    (await nextAdmission()).resolve();
    expect((await d).status).toBe(200);
  });

  it('a flood of phones whose answers stall holds no connection beyond the timeout', async () => {
    // Attacker's view: connections awaiting an admission are busy (not evictable). With the cap
    // at 2 connections, stalled admissions block a third only until admitTimeoutMs answers them.
    const { port, listener, nextAdmission } = await start({
      maxConnections: 2,
      admitTimeoutMs: 1500,
    });
    const stalled = [send(port, 'p1'), send(port, 'p2')];
    await nextAdmission();
    await nextAdmission();
    const results = await Promise.all(stalled);
    expect(results.map((r) => r.status)).toEqual([503, 503]);
    await waitUntil(() => listener.stats().connections === 0);
    const later = send(port, 'p1');
    (await nextAdmission()).resolve();
    expect((await later).status).toBe(200);
  });

  it("a phone's last request awaiting its admission is not evicted by a new connection", async () => {
    // Before: a request sent with `Connection: close` (what snom phones send) marked its
    // connection as closing while its admission was still awaited, which made it the first to
    // be evicted, silently: behind a balancer (every phone one source address) a burst over
    // maxConnectionsPerSource during a NATS fail-over closed phones' connections with no answer.
    const reports: ListenerConnectionEvent[] = [];
    const { port, nextAdmission } = await start({
      maxConnectionsPerSource: 1,
      onConnectionEvent: (event) => reports.push(event),
    });
    const first = send(port, 'p1');
    const admission = await nextAdmission();
    // Over the cap with nothing evictable: the new connection is refused (and reported).
    const second = await send(port, 'p2');
    expect(second.status).toBe(0);
    expect(reports).toContainEqual({
      type: 'refused',
      reason: 'per-source-limit',
      remoteAddress: HOST,
    });
    admission.resolve();
    expect((await first).status).toBe(200);
  });

  it('a connection waiting for its admission longer than the idle timeout still gets its answer', async () => {
    // Before: no bytes moved while the answer was awaited, so the socket's idle timer
    // (keepAliveTimeoutMs) destroyed the connection without an answer.
    const { port, nextAdmission } = await start({ keepAliveTimeoutMs: 100 });
    const answer = send(port, 'p1');
    const admission = await nextAdmission();
    // An idle connection opened now is closed by the same timer: once it is, the waiting one
    // has been silent longer than keepAliveTimeoutMs too (an event, not a guessed sleep).
    const idle = connect({ host: HOST, port });
    idle.on('error', () => undefined);
    await new Promise((resolve) => idle.once('close', resolve));
    admission.resolve();
    expect((await answer).status).toBe(200);
  });

  it('does not reach the admission for a refused request (wrong secret)', async () => {
    let admitted = 0;
    const { port } = await start({
      admit: () => {
        admitted += 1;
        return Promise.resolve();
      },
    });
    const res = await sendRawRequest(HOST, port, rawPhoneRequest('/snom/p1/onhook?k=wrong'));
    expect(res.status).toBe(403);
    expect(admitted).toBe(0);
  });

  it('rejects unusable admission limits with a ListenerConfigError', () => {
    for (const bad of [{ admitTimeoutMs: 0 }, { maxPendingAdmissions: 0 }]) {
      let caught: unknown;
      try {
        createListener({
          resolvePhone: () => undefined,
          onEvent: () => undefined,
          admit: () => Promise.resolve(),
          ...bad,
        });
      } catch (error) {
        caught = error;
      }
      expect(isListenerConfigError(caught)).toBe(true);
    }
  });
});

describe('admission in the Hono app', () => {
  it('waits for the admission and answers 200, or 503 when refused', async () => {
    let release: (() => void) | undefined;
    let refuse = false;
    const events: ActionEvent[] = [];
    const app = createListenerApp({
      resolvePhone: (id) => PHONES[id],
      onEvent: (event) => events.push(event),
      admit: () =>
        refuse
          ? Promise.reject(new Error('down'))
          : new Promise<void>((resolve) => {
              release = resolve;
            }),
    });
    const pending = app.request(`/snom/p1/onhook?k=${SECRET}`);
    await waitUntil(() => release !== undefined);
    release?.();
    expect((await pending).status).toBe(200);
    refuse = true;
    const refused = await app.request(`/snom/p1/onhook?k=${SECRET}`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    await waitUntil(() => events.length === 1);
  });
});

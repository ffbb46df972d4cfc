import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createMqttBridge, type MqttBridge } from './index.js';
import {
  callFinished,
  callState,
  hasMosquitto,
  startMosquitto,
  watchTopics,
  type Mosquitto,
  type TopicWatcher,
} from './testing/index.js';

const skip = !hasMosquitto() && process.env.CI === undefined;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe.skipIf(skip)('the bridge when the broker or the bridge goes away', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function broker(options: { persistence?: boolean } = {}): Promise<Mosquitto> {
    const b = await startMosquitto(options);
    cleanup.push(() => b.dispose());
    return b;
  }
  function track<T extends MqttBridge | TopicWatcher>(thing: T): T {
    cleanup.push(() => thing.close());
    return thing;
  }

  it('the broker publishes the last will "offline" when the bridge process dies', async () => {
    const b = await broker();
    const watcher = track(await watchTopics(b.url, 'lwt/status'));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('./__fixtures__/bridge-child.ts', import.meta.url)),
        b.url,
        'lwt',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanup.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await Promise.resolve();
    });
    await watcher.waitForPayload('lwt/status', 'online', 20_000);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await watcher.waitForPayload('lwt/status', 'offline');
  });

  it('close() publishes "offline" itself', async () => {
    const b = await broker();
    const watcher = track(await watchTopics(b.url, 'bye/status'));
    const bridge = createMqttBridge({
      url: b.url,
      topicPrefix: 'bye',
      discoveryPrefix: false,
      lines: [],
    });
    await watcher.waitForPayload('bye/status', 'online');
    await bridge.close();
    await watcher.waitForPayload('bye/status', 'offline');
  });

  it('close() returns promptly when the broker is gone', async () => {
    const b = await broker();
    const bridge = createMqttBridge({
      url: b.url,
      topicPrefix: 'gone',
      discoveryPrefix: false,
      lines: [],
    });
    await expect.poll(() => bridge.status().connected).toBe(true);
    await b.stop();
    bridge.publish(callState({ phoneId: 'x', id: 'c', state: 'offering' }));
    const started = performance.now();
    await bridge.close();
    expect(performance.now() - started).toBeLessThan(2500);
    expect(bridge.status().connected).toBe(false);
  });

  it('retained state is correct after a broker restart that lost every retained message', async () => {
    const b = await broker({ persistence: false });
    const bridge = track(
      createMqttBridge({
        url: b.url,
        topicPrefix: 'rs',
        discoveryPrefix: 'harestart',
        lines: [{ id: 'desk-1' }],
        reconnectPeriodMs: 50,
      }),
    );
    const before = track(await watchTopics(b.url, 'rs/#'));
    bridge.publish(callState({ phoneId: 'desk-1', id: 'c1', state: 'offering', number: '100' }));
    await before.waitForPayload('rs/line/desk-1/state', 'ringing');
    await b.stop();
    // The client notices the lost connection asynchronously; then the call is answered.
    await expect.poll(() => bridge.status().connected, { timeout: 10_000 }).toBe(false);
    bridge.publish(
      callState({ phoneId: 'desk-1', id: 'c1', state: 'connected', number: '100' }, 'offering'),
    );
    await b.start();
    await expect.poll(() => bridge.status().connected, { timeout: 10_000 }).toBe(true);
    await expect.poll(() => bridge.status().queued, { timeout: 10_000 }).toBe(0);
    // A new subscriber gets the current state as a retained message from the fresh broker.
    const after = track(
      await watchTopics(b.url, ['rs/line/desk-1/state', 'rs/status', 'harestart/#']),
    );
    const state = await after.waitFor((m) => m.topic === 'rs/line/desk-1/state');
    expect(state).toMatchObject({ payload: 'talking', retain: true });
    expect(await after.waitFor((m) => m.topic === 'rs/status')).toMatchObject({
      payload: 'online',
      retain: true,
    });
    expect((await after.waitFor((m) => m.topic.startsWith('harestart/'))).retain).toBe(true);
  });

  it('keeps accepting events while the broker is down and delivers them when it returns', async () => {
    const b = await broker({ persistence: true });
    const bridge = track(
      createMqttBridge({
        url: b.url,
        topicPrefix: 'down',
        discoveryPrefix: false,
        lines: [{ id: 'desk-1' }],
        reconnectPeriodMs: 50,
      }),
    );
    // A persistent QoS 1 session, so the broker keeps what arrives before this client is back.
    const watcher = track(
      await watchTopics(b.url, 'down/line/desk-1/event', {
        clientId: 'down-watch',
        clean: false,
        reconnectPeriod: 50,
      }),
    );
    await expect.poll(() => bridge.status().connected).toBe(true);
    await b.stop();
    await expect.poll(() => bridge.status().connected).toBe(false);

    const started = performance.now();
    for (let i = 0; i < 100; i += 1) {
      bridge.publish(
        callState({ phoneId: 'desk-1', id: `c${i}`, state: 'offering', number: String(1000 + i) }),
      );
      bridge.publish(
        callFinished({ phoneId: 'desk-1', id: `c${i}`, number: String(1000 + i) }, true),
      );
    }
    const elapsed = performance.now() - started;
    // 200 events handled without waiting for any broker: far below one reconnect period.
    expect(elapsed).toBeLessThan(50);
    expect(bridge.status().queued).toBeGreaterThanOrEqual(200);

    await b.start();
    const last = await watcher.waitFor(
      (m) => m.payload.includes('"c99"') && m.payload.includes('call-finished'),
      15_000,
    );
    expect(JSON.parse(last.payload)).toMatchObject({ missed: true, number: '1099' });
    const ids = new Set(
      watcher.messages.map((m) => (JSON.parse(m.payload) as { callId: string }).callId),
    );
    expect(ids.size).toBe(100);
    expect(bridge.status()).toMatchObject({ connected: true, dropped: 0 });
    // Acknowledged publishes count as published, not failed (mqtt.js calls back with null).
    await expect.poll(() => bridge.status().published).toBeGreaterThanOrEqual(100);
    expect(bridge.status().failed).toBe(0);
  });

  it('drops the oldest events beyond maxQueue, counts them and never blocks', async () => {
    const b = await broker({ persistence: true });
    const bridge = track(
      createMqttBridge({
        url: b.url,
        topicPrefix: 'cap',
        discoveryPrefix: false,
        lines: [{ id: 'desk-1' }],
        reconnectPeriodMs: 50,
        maxQueue: 10,
      }),
    );
    const watcher = track(
      await watchTopics(b.url, 'cap/line/desk-1/event', {
        clientId: 'cap-watch',
        clean: false,
        reconnectPeriod: 50,
      }),
    );
    await expect.poll(() => bridge.status().connected).toBe(true);
    await b.stop();
    await expect.poll(() => bridge.status().connected).toBe(false);
    for (let i = 0; i < 25; i += 1) {
      bridge.publish(callState({ phoneId: 'desk-1', id: `c${i}`, state: 'offering' }));
    }
    expect(bridge.status().dropped).toBe(15);
    await b.start();
    await watcher.waitFor((m) => m.payload.includes('"c24"'), 15_000);
    await expect.poll(() => bridge.status().queued).toBe(0);
    const ids = watcher.messages.map((m) => (JSON.parse(m.payload) as { callId: string }).callId);
    // Exactly the 10 newest, in order.
    expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => `c${i + 15}`));
  });

  it('a hub event reaches a subscriber within 100 ms (p50/p99 over 200 calls)', async () => {
    const b = await broker();
    const bridge = track(
      createMqttBridge({
        url: b.url,
        topicPrefix: 'lat',
        discoveryPrefix: false,
        lines: [{ id: 'desk-1' }],
      }),
    );
    const watcher = track(await watchTopics(b.url, 'lat/line/desk-1/event'));
    await expect.poll(() => bridge.status().connected).toBe(true);
    const latencies: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const arrived = watcher.next((m) => m.payload.includes(`"lat${i}"`));
      const sent = performance.now();
      bridge.publish(
        callState({
          phoneId: 'desk-1',
          id: `lat${i}`,
          state: i % 2 === 0 ? 'offering' : 'connected',
        }),
      );
      latencies.push((await arrived).at - sent);
    }
    latencies.sort((x, y) => x - y);
    const p50 = latencies[99]!;
    const p99 = latencies[197]!;
    console.log(
      `mqtt hub event -> subscriber over 200 calls: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${latencies[199]!.toFixed(2)} ms`,
    );
    expect(p99).toBeLessThan(100);
  });
});

/**
 * The daemon's `mqtt` section in process against a real mosquitto: a phone's DND Action URL
 * becomes the line's `dnd` topic, and (enabled) dial and DND command topics drive the phone's
 * own HTTP control; a config naming an unknown line stops the start.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasMosquitto, startMosquitto, watchTopics } from '@snomlink/mqtt/testing';
import type { Mosquitto, TopicWatcher } from '@snomlink/mqtt/testing';
import { createSimulatedPhone } from '@snomlink/snom-simulator';
import type { RecordedRequest, SimulatedPhone } from '@snomlink/snom-simulator';
import { phoneConfig } from '../config/config-schema.js';
import { openConfigStore } from '../config/config-store.js';
import { createDaemon } from '../daemon.js';
import type { Daemon } from '../daemon.js';
import { sourceWriterThread } from '../testing/source-writer-thread.js';

const skip = !hasMosquitto() && process.env['CI'] === undefined;
if (skip) console.warn('\n*** SKIPPED: mqtt-link.test.ts needs /usr/sbin/mosquitto ***\n');

const SECRET = 'desk-secret-0123456789';
let dir: string;
let broker: Mosquitto;
let desk: SimulatedPhone;
let daemon: Daemon;
let watcher: TopicWatcher;
let listenerPort: number;
const requests: RecordedRequest[] = [];

async function newDaemon(mqtt: Record<string, unknown>, sub: string): Promise<Daemon> {
  const config = await openConfigStore({
    file: join(dir, sub, 'config.json'),
    initial: (c) => ({
      ...c,
      listener: { ...c.listener, host: '127.0.0.1', port: 0 },
      health: { ...c.health, intervalMs: 0 },
      mqtt: mqtt as never,
      phones: [
        phoneConfig({
          id: 'desk',
          name: 'Front desk',
          host: `127.0.0.1:${String(desk.address!.port)}`,
          secret: SECRET,
        }),
        phoneConfig({ id: 'lobby', host: '127.0.0.9:1', secret: 'lobby-secret-0123456789' }),
      ],
    }),
  });
  return createDaemon({
    config,
    dataDir: join(dir, sub),
    logger: pino({ level: 'silent' }),
    admin: { host: '127.0.0.1', port: 0 },
    webUiDir: null,
    startWriterThread: sourceWriterThread(),
  });
}

beforeAll(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'snomlink-mqtt-link-'));
  broker = await startMosquitto();
  desk = createSimulatedPhone({ model: 'snom360' });
  desk.on('request', (r) => requests.push(r));
  await desk.listen({ host: '127.0.0.1', port: 0 });
  watcher = await watchTopics(broker.url, 'snomlink/#');
  daemon = await newDaemon(
    {
      url: broker.url,
      reconnectPeriodMs: 200,
      commands: { dial: true, dnd: true, lines: ['desk'] },
    },
    'a',
  );
  listenerPort = (await daemon.start()).listener.port;
  await watcher.waitForPayload('snomlink/status', 'online');
}, 60_000);

afterAll(async () => {
  if (skip) return;
  await watcher.close();
  await daemon.stop();
  await desk.close();
  await broker.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(skip)('mqtt section of the daemon', () => {
  it('publishes a DND Action URL as the line dnd state', async () => {
    const res = await fetch(
      `http://127.0.0.1:${String(listenerPort)}/snom/desk/dnd-on?k=${SECRET}`,
    );
    expect(res.status).toBe(200);
    await watcher.waitForPayload('snomlink/line/desk/dnd', 'ON');
  });

  it('dials through the phone for a dial command, with the dial rules applied', async () => {
    const seen = new Promise<RecordedRequest>((resolve) => {
      const off = desk.on('request', (r) => {
        if (r.path === '/command.htm' && r.query.includes('number=')) {
          off();
          resolve(r);
        }
      });
    });
    await watcher.client.publishAsync('snomlink/line/desk/dial/set', '+49 (30) 1234-567', {
      qos: 1,
    });
    const request = await seen;
    // Default dial rules (country 49): a national number is dialled with the national prefix.
    expect(decodeURIComponent(request.query)).toContain('number=0301234567');
  });

  it('writes dnd_mode for a DND command and publishes the new state', async () => {
    await watcher.client.publishAsync('snomlink/line/desk/dnd/set', 'OFF', { qos: 1 });
    await watcher.waitForPayload('snomlink/line/desk/dnd', 'OFF');
    expect(desk.settings.get('dnd_mode')).toBe('off');
  });

  it('counts in /api/health and /api/metrics', async () => {
    const token = daemon.config.current.admin.token;
    const health = (await (
      await daemon.app.request('/api/health', { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { mqtt?: { connected: boolean; published: number; failed: number } };
    expect(health.mqtt).toMatchObject({ connected: true, failed: 0 });
    expect(health.mqtt!.published).toBeGreaterThan(0);
    const text = await (
      await daemon.app.request('/api/metrics', { headers: { authorization: `Bearer ${token}` } })
    ).text();
    expect(text).toMatch(/^snomlink_mqtt_connected 1$/m);
  });

  it('refuses to start with a line that is not a configured phone', async () => {
    const bad = await newDaemon({ url: broker.url, lines: ['nope'] }, 'b');
    await expect(bad.start()).rejects.toThrow(/mqtt: line "nope" is not a configured phone/);
    await bad.stop();
  });
});

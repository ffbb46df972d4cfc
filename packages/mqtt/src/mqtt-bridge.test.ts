import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMqttBridge, type MqttBridge, type MqttBridgeOptions } from './index.js';
import {
  HA_DISCOVERY_TOPIC,
  callFinished,
  callState,
  hasMosquitto,
  haSchemaFor,
  makeSelfSignedCert,
  startMosquitto,
  watchTopics,
  type Mosquitto,
  type TopicWatcher,
} from './testing/index.js';

const skip = !hasMosquitto() && process.env.CI === undefined;
if (skip) {
  console.warn(
    '\n*** SKIPPING @snomlink/mqtt broker tests: /usr/sbin/mosquitto is missing; run bash scripts/ensure-mosquitto.sh ***\n',
  );
}

let prefixCounter = 0;
/** Each test gets its own topic prefix so retained messages of one never leak into another. */
function uniquePrefix(): string {
  prefixCounter += 1;
  return `t${prefixCounter}x${process.pid}`;
}

describe.skipIf(skip)('createMqttBridge against a real mosquitto', () => {
  let broker: Mosquitto;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    for (const thing of open.reverse()) await thing.close();
    await broker.dispose();
  });

  async function bridgeAndWatcher(
    options: Partial<MqttBridgeOptions> & Pick<MqttBridgeOptions, 'lines'>,
  ): Promise<{ bridge: MqttBridge; watcher: TopicWatcher; prefix: string; discovery: string }> {
    const prefix = options.topicPrefix ?? uniquePrefix();
    const discovery = `ha${prefix}`;
    const watcher = await watchTopics(broker.url, [`${prefix}/#`, `${discovery}/#`]);
    const bridge = createMqttBridge({
      url: broker.url,
      topicPrefix: prefix,
      discoveryPrefix: discovery,
      reconnectPeriodMs: 100,
      ...options,
    });
    open.push(watcher, bridge);
    await watcher.waitForPayload(`${prefix}/status`, 'online');
    return { bridge, watcher, prefix, discovery };
  }

  it('publishes retained idle state and Home Assistant discovery that matches the schema', async () => {
    const { watcher, prefix, discovery } = await bridgeAndWatcher({
      lines: [
        { id: 'desk-1', name: 'Reception', model: 'snom D785' },
        { id: 'desk-2', name: 'Back office' },
      ],
    });
    await watcher.waitForPayload(`${prefix}/line/desk-2/state`, 'idle');
    const configs = await (async () => {
      const wanted = 12; // 6 entities x 2 lines without commands
      for (;;) {
        const found = [...watcher.last.values()].filter((m) => m.topic.startsWith(`${discovery}/`));
        if (found.length >= wanted) return found;
        await watcher.next((m) => m.topic.startsWith(`${discovery}/`));
      }
    })();
    expect(configs).toHaveLength(12);
    const uniqueIds = new Set<string>();
    for (const message of configs) {
      expect(message.topic).toMatch(HA_DISCOVERY_TOPIC);
      const component = message.topic.split('/')[1] ?? '';
      const schema = haSchemaFor(component);
      expect(schema, message.topic).not.toBeNull();
      const config: unknown = JSON.parse(message.payload);
      const result = v.safeParse(schema!, config);
      expect(
        result.issues?.map((i) => `${v.getDotPath(i) ?? ''}: ${i.message}`),
        message.topic,
      ).toBeUndefined();
      const parsed = result.output as {
        unique_id: string;
        state_topic?: string;
        availability_topic: string;
      };
      uniqueIds.add(parsed.unique_id);
      expect(parsed.availability_topic).toBe(`${prefix}/status`);
      // Every state topic the entity reads exists below our prefix.
      if (parsed.state_topic !== undefined)
        expect(parsed.state_topic.startsWith(`${prefix}/line/`)).toBe(true);
    }
    expect(uniqueIds.size).toBe(12);
    const state = JSON.parse(
      watcher.last.get(`${discovery}/sensor/snomlink_${prefix}_desk-1/state/config`)!.payload,
    ) as {
      device: { name: string; model: string; identifiers: string[] };
      options: string[];
    };
    expect(state.device).toMatchObject({ name: 'Reception', model: 'snom D785' });
    expect(state.options).toEqual(['idle', 'ringing', 'dialing', 'talking']);
    // Without command handlers DND is read-only and there is no dial entity.
    expect(configs.some((m) => m.topic.includes('/switch/') || m.topic.includes('/text/'))).toBe(
      false,
    );
    // Retained: a subscriber arriving later gets state and discovery with the retain flag.
    const late = await watchTopics(broker.url, [
      `${prefix}/line/desk-1/state`,
      `${discovery}/sensor/+/state/config`,
    ]);
    open.push(late);
    const retainedState = await late.waitFor((m) => m.topic === `${prefix}/line/desk-1/state`);
    expect(retainedState).toMatchObject({ payload: 'idle', retain: true });
    expect((await late.waitFor((m) => m.topic.endsWith('/config'))).retain).toBe(true);
  });

  it('follows a call: ringing with the caller, talking, idle, and a missed call', async () => {
    const { bridge, watcher, prefix } = await bridgeAndWatcher({ lines: [{ id: 'desk-1' }] });
    const line = `${prefix}/line/desk-1`;
    const caller = { phoneId: 'desk-1', id: 'c1', number: '+4930123456', name: 'Anna Schmidt' };
    bridge.publish(callState({ ...caller, state: 'offering' }));
    await watcher.waitForPayload(`${line}/state`, 'ringing');
    // The caller topic may still hold its retained idle value when the state arrives: wait for
    // the message about this call (searching what was already seen first).
    const shown = JSON.parse(
      (
        await watcher.waitFor(
          (m) => m.topic === `${line}/caller` && m.payload.includes('"callId":"c1"'),
        )
      ).payload,
    ) as Record<string, unknown>;
    expect(shown).toMatchObject({
      state: 'ringing',
      number: '+4930123456',
      name: 'Anna Schmidt',
      direction: 'inbound',
      callId: 'c1',
    });
    const event = JSON.parse(
      (await watcher.waitFor((m) => m.topic === `${line}/event`)).payload,
    ) as Record<string, unknown>;
    expect(event).toMatchObject({
      type: 'call-state',
      lineId: 'desk-1',
      callId: 'c1',
      state: 'offering',
      previousState: null,
      number: '+4930123456',
    });

    bridge.publish(callState({ ...caller, state: 'connected' }, 'offering'));
    await watcher.waitForPayload(`${line}/state`, 'talking');
    bridge.publish(callFinished(caller, false));
    await watcher.waitForPayload(`${line}/state`, 'idle');

    const missed = { phoneId: 'desk-1', id: 'c2', number: '0800111', name: 'Bob' };
    bridge.publish(callState({ ...missed, state: 'offering' }));
    await watcher.waitForPayload(`${line}/state`, 'ringing');
    bridge.publish(callFinished(missed, true));
    const lastMissed = await watcher.waitFor((m) => m.topic === `${line}/last_missed`);
    expect(JSON.parse(lastMissed.payload)).toMatchObject({
      number: '0800111',
      name: 'Bob',
      callId: 'c2',
    });
    const finished = await watcher.waitFor(
      (m) =>
        m.topic === `${line}/event` &&
        m.payload.includes('"call-finished"') &&
        m.payload.includes('"c2"'),
    );
    expect(JSON.parse(finished.payload)).toMatchObject({
      missed: true,
      disconnectMode: 'noanswer',
    });
    await watcher.waitForPayload(`${line}/state`, 'idle');
    expect(bridge.status()).toMatchObject({ connected: true, dropped: 0, ignored: 0 });
  });

  it('a waiting call rings over a connected one; presence and reachability are published', async () => {
    const { bridge, watcher, prefix } = await bridgeAndWatcher({ lines: [{ id: 'desk-1' }] });
    const line = `${prefix}/line/desk-1`;
    bridge.publish(callState({ phoneId: 'desk-1', id: 'a', state: 'connected', number: '1' }));
    await watcher.waitForPayload(`${line}/state`, 'talking');
    bridge.publish(callState({ phoneId: 'desk-1', id: 'b', state: 'offering', number: '2' }));
    await watcher.waitForPayload(`${line}/state`, 'ringing');
    bridge.publish(callFinished({ phoneId: 'desk-1', id: 'b', number: '2' }, true));
    await watcher.waitForPayload(`${line}/state`, 'talking');
    bridge.publish({
      type: 'line-presence',
      phoneId: 'desk-1',
      dnd: true,
      forwarding: { mode: 'always', target: '200' },
      at: Date.now(),
    });
    await watcher.waitForPayload(`${line}/dnd`, 'ON');
    expect(
      JSON.parse((await watcher.waitFor((m) => m.topic === `${line}/presence`)).payload),
    ).toEqual({ dnd: true, forwarding: { mode: 'always', target: '200' } });
    bridge.publish({
      type: 'line-status',
      phoneId: 'desk-1',
      status: 'unreachable',
      detail: null,
      at: Date.now(),
    });
    await watcher.waitForPayload(`${line}/availability`, 'offline');
    bridge.publish({
      type: 'line-status',
      phoneId: 'desk-1',
      status: 'reachable',
      detail: null,
      at: Date.now(),
    });
    await watcher.waitForPayload(`${line}/availability`, 'online');
    bridge.publish(callState({ phoneId: 'other', id: 'x', state: 'offering' }));
    expect(bridge.status().ignored).toBe(1);
  });

  it('hostile ids, names and numbers never break topic levels or JSON', async () => {
    const evilName = 'Evil "}{\\ / + # \u0000 \n\r\u2028 name';
    const { bridge, watcher, prefix, discovery } = await bridgeAndWatcher({
      lines: [{ id: 'a/b+#\u0000c', name: evilName }],
    });
    const line = `${prefix}/line/a_b___c`;
    await watcher.waitForPayload(`${line}/state`, 'idle');
    bridge.publish(
      callState({
        phoneId: 'a/b+#\u0000c',
        id: 'x/y',
        state: 'offering',
        number: '+1/2#3',
        name: evilName,
      }),
    );
    await watcher.waitForPayload(`${line}/state`, 'ringing');
    const caller = await watcher.waitFor(
      (m) => m.topic === `${line}/caller` && m.payload.includes('ringing'),
    );
    expect(JSON.parse(caller.payload)).toMatchObject({
      number: '+1/2#3',
      name: evilName,
      callId: 'x/y',
    });
    const config = await watcher.waitFor(
      (m) => m.topic.startsWith(`${discovery}/sensor/`) && m.topic.endsWith('/state/config'),
    );
    expect(config.topic).toMatch(HA_DISCOVERY_TOPIC);
    expect((JSON.parse(config.payload) as { device: { name: string } }).device.name).toBe(evilName);
    for (const message of watcher.messages) {
      // Exactly the levels we designed: nothing from a name or number became a level.
      const levels = message.topic.split('/');
      if (message.topic.startsWith(`${prefix}/line/`)) expect(levels.length, message.topic).toBe(4);
      if (message.payload.startsWith('{'))
        expect(() => JSON.parse(message.payload) as unknown).not.toThrow();
    }
  });

  it('refuses ids that collide after sanitizing and prefixes with wildcards', () => {
    expect(() =>
      createMqttBridge({ url: broker.url, lines: [{ id: 'a/b' }, { id: 'a+b' }] }),
    ).toThrow(/collides/);
    expect(() => createMqttBridge({ url: broker.url, topicPrefix: 'a/#', lines: [] })).toThrow(
      /topicPrefix/,
    );
    expect(() => createMqttBridge({ url: 'http://x', lines: [] })).toThrow(/url/);
    expect(() =>
      createMqttBridge({
        url: broker.url,
        lines: [{ id: 'a' }],
        commands: { lines: ['b'], onDial() {} },
      }),
    ).toThrow(/commands.lines/);
  });

  it('command topics are off by default', async () => {
    const { watcher, prefix, discovery } = await bridgeAndWatcher({ lines: [{ id: 'desk-1' }] });
    await watcher.waitForPayload(`${prefix}/line/desk-1/state`, 'idle');
    // No subscriber for the command topic: a publish with a receiver count is not available
    // in MQTT 3.1.1, so check that discovery offers no command topic at all.
    const dnd = await watcher.waitFor(
      (m) => m.topic.startsWith(`${discovery}/`) && m.topic.endsWith('/dnd/config'),
    );
    expect(dnd.topic).toContain('/binary_sensor/');
    expect(dnd.payload).not.toContain('command_topic');
  });

  it('hands dial and DND commands of configured lines to the callbacks, and only those', async () => {
    const dials: { lineId: string; number: string }[] = [];
    const dnds: { lineId: string; enabled: boolean }[] = [];
    let gotDial: () => void = () => {};
    // A stale retained command left on the broker before the bridge subscribes: never run.
    const stalePrefix = uniquePrefix();
    const stale = await watchTopics(broker.url, `${stalePrefix}/none`);
    await stale.client.publishAsync(`${stalePrefix}/line/desk-1/dial/set`, '999', {
      retain: true,
      qos: 1,
    });
    const { watcher, prefix, discovery } = await bridgeAndWatcher({
      topicPrefix: stalePrefix,
      lines: [{ id: 'desk-1' }, { id: 'desk-2' }],
      commands: {
        lines: ['desk-1'],
        onDial(command) {
          dials.push(command);
          gotDial();
        },
        onDnd(command) {
          dnds.push(command);
        },
      },
    });
    await watcher.waitFor((m) => m.topic.endsWith('/dial/config'));
    const sw = await watcher.waitFor((m) => m.topic.startsWith(`${discovery}/switch/`));
    expect(JSON.parse(sw.payload)).toMatchObject({
      command_topic: `${prefix}/line/desk-1/dnd/set`,
    });
    expect(
      watcher.messages.some(
        (m) => m.topic.startsWith(`${discovery}/switch/`) && m.topic.includes('desk-2'),
      ),
    ).toBe(false);

    const pub = watcher.client;
    const dialled = new Promise<void>((resolve) => {
      gotDial = resolve;
    });
    // Commands for a line without commands and malformed ones are ignored; then one good
    // command arrives (the bridge handles messages in order, so it is the last).
    await pub.publishAsync(`${prefix}/line/desk-2/dial/set`, '111', { qos: 1 });
    await pub.publishAsync(`${prefix}/line/desk-1/dial/set`, 'rm -rf /', { qos: 1 });
    await pub.publishAsync(`${prefix}/line/desk-1/dnd/set`, 'maybe', { qos: 1 });
    await pub.publishAsync(`${prefix}/line/desk-1/dnd/set`, 'ON', { qos: 1 });
    await pub.publishAsync(`${prefix}/line/desk-1/dial/set`, '+49 30 123-456', { qos: 1 });
    await dialled;
    expect(dials).toEqual([{ lineId: 'desk-1', number: '+4930123456' }]);
    expect(dnds).toEqual([{ lineId: 'desk-1', enabled: true }]);
    await pub.publishAsync(`${prefix}/line/desk-1/dial/set`, '', { retain: true, qos: 1 });
    await stale.close();
  });
});

describe.skipIf(skip)('createMqttBridge with credentials', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto({ users: { snomlink: 's3cret pass', ha: 'ha-pass' } });
  });
  afterAll(async () => {
    await broker.dispose();
  });

  it('publishes with the right password', async () => {
    const watcher = await watchTopics(broker.url, 'auth/#', {
      username: 'ha',
      password: 'ha-pass',
    });
    const bridge = createMqttBridge({
      url: broker.url,
      username: 'snomlink',
      password: 's3cret pass',
      topicPrefix: 'auth',
      discoveryPrefix: false,
      lines: [{ id: 'desk-1' }],
    });
    try {
      await watcher.waitForPayload('auth/line/desk-1/state', 'idle');
      bridge.publish(callState({ phoneId: 'desk-1', id: 'c', state: 'offering' }));
      await watcher.waitForPayload('auth/line/desk-1/state', 'ringing');
    } finally {
      await bridge.close();
      await watcher.close();
    }
  });

  it('a wrong password is reported in status, never thrown, and publish still returns', async () => {
    const errors: string[] = [];
    const bridge = createMqttBridge({
      url: broker.url,
      username: 'snomlink',
      password: 'wrong',
      topicPrefix: 'auth',
      discoveryPrefix: false,
      lines: [{ id: 'desk-1' }],
      reconnectPeriodMs: 50,
      logger: {
        info() {},
        warn(obj) {
          errors.push(String((obj as { err?: string }).err));
        },
        error() {},
      },
    });
    try {
      await expect
        .poll(() => bridge.status().lastError, { timeout: 5000 })
        .toMatch(/Not authorized|Bad username/i);
      bridge.publish(callState({ phoneId: 'desk-1', id: 'c', state: 'offering' }));
      expect(bridge.status()).toMatchObject({ connected: false });
      expect(errors.join()).not.toContain('wrong');
    } finally {
      await bridge.close();
    }
  });
});

const tlsDir = mkdtempSync(join(tmpdir(), 'snomlink-mqtt-tls-'));
const cert = skip ? null : makeSelfSignedCert(tlsDir);
const skipTls = skip || (cert === null && process.env.CI === undefined);
if (!skip && skipTls) console.warn('\n*** SKIPPING the MQTT TLS tests: openssl is missing ***\n');

describe.skipIf(skipTls)('createMqttBridge over TLS', () => {
  const dir = tlsDir;
  let broker: Mosquitto;
  beforeAll(async () => {
    if (cert === null) throw new Error('openssl is needed to make the test certificate');
    broker = await startMosquitto({ tls: cert });
  });
  afterAll(async () => {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes over mqtts:// when the broker certificate is trusted', async () => {
    expect(broker.url).toMatch(/^mqtts:/);
    const watcher = await watchTopics(broker.url, 'tls/#', { ca: cert!.cert });
    const bridge = createMqttBridge({
      url: broker.url,
      tls: { ca: cert!.cert },
      topicPrefix: 'tls',
      discoveryPrefix: false,
      lines: [{ id: 'desk-1' }],
    });
    try {
      await watcher.waitForPayload('tls/status', 'online');
      bridge.publish(callState({ phoneId: 'desk-1', id: 'c', state: 'offering', number: '42' }));
      await watcher.waitForPayload('tls/line/desk-1/state', 'ringing');
    } finally {
      await bridge.close();
      await watcher.close();
    }
  });

  it('refuses an untrusted broker certificate by default and reports it', async () => {
    const bridge = createMqttBridge({
      url: broker.url,
      topicPrefix: 'tls',
      discoveryPrefix: false,
      lines: [],
      reconnectPeriodMs: 50,
    });
    try {
      await expect
        .poll(() => bridge.status().lastError, { timeout: 5000 })
        .toMatch(/self[- ]signed|certificate/i);
      expect(bridge.status().connected).toBe(false);
    } finally {
      await bridge.close();
    }
  });
});

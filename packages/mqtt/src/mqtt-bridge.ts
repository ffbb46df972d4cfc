import { randomBytes } from 'node:crypto';
import { createBoundedQueue } from '@snomlink/core';
import type { Call } from '@snomlink/core';
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import * as v from 'valibot';
import { lineStateOf, otherParty, type MqttBridgeEvent } from './bridge-event.js';
import { parseBridgeConfig } from './bridge-options.js';
import { discoveryMessages, type MqttLine } from './discovery.js';
import { MqttConfigError } from './errors.js';
import { dialPayloadSchema, parseDndPayload, type MqttCommandOptions } from './mqtt-commands.js';
import { lineTopics, sanitizeTopicSegment, statusTopic, type LineTopics } from './topics.js';

/** The logger the bridge writes to; pino's `Logger` fits. */
export interface MqttLogger {
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** TLS settings for `mqtts://` / `wss://` brokers (PEM text or buffers). */
export interface MqttTlsOptions {
  readonly ca?: string | Buffer | readonly string[] | readonly Buffer[];
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Default true; false accepts a self-signed broker certificate. */
  readonly rejectUnauthorized?: boolean;
  readonly servername?: string;
}

/** Options of {@link createMqttBridge}. */
export interface MqttBridgeOptions {
  /** Broker URL: `mqtt://host:1883`, `mqtts://host:8883`, `ws://…`, `wss://…`. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: MqttTlsOptions;
  /** First level(s) of every topic. Default `snomlink`. */
  readonly topicPrefix?: string;
  /** Home Assistant discovery prefix, or false for no discovery. Default `homeassistant`. */
  readonly discoveryPrefix?: string | false;
  /** The lines (phones) to publish; events of other phones are ignored and counted. */
  readonly lines: readonly MqttLine[];
  /** Command topics; absent = off. */
  readonly commands?: MqttCommandOptions;
  readonly logger?: MqttLogger;
  /** Call events kept while the broker is away; the oldest are dropped beyond. Default 1000. */
  readonly maxQueue?: number;
  /** Wait between reconnect attempts. Default 2000 ms. */
  readonly reconnectPeriodMs?: number;
  /** Default 10000 ms. */
  readonly connectTimeoutMs?: number;
  /** Default `snomlink-<random>`. */
  readonly clientId?: string;
}

/** Counters for the admin UI and metrics. */
export interface MqttBridgeStatus {
  readonly connected: boolean;
  /** Call events waiting for the broker. */
  readonly queued: number;
  /** Call events dropped because the queue was full. */
  readonly dropped: number;
  /** Messages the broker acknowledged. */
  readonly published: number;
  /** Messages whose publish failed (retained state is sent again on reconnect). */
  readonly failed: number;
  /** Hub events of phones that are not among `lines`. */
  readonly ignored: number;
  /** Last connection error, e.g. "Connection refused: Not authorized"; never holds a password. */
  readonly lastError: string | null;
}

/** A running bridge: feed it hub events, read its status, close it. */
export interface MqttBridge {
  /** Takes one hub event; returns at once, whatever the broker does. */
  publish(event: MqttBridgeEvent): void;
  status(): MqttBridgeStatus;
  /** Publishes `offline`, then disconnects. Idempotent. */
  close(): Promise<void>;
}

/** How long close() waits for the broker to take the final `offline`. */
const CLOSE_TIMEOUT_MS = 2000;

/** Messages handed to the client at once; the rest wait in our bounded queue. */
const MAX_INFLIGHT = 64;

interface LineEntry {
  readonly line: MqttLine;
  readonly topics: LineTopics;
  readonly calls: Map<string, Call>;
}

const NOOP_LOGGER: MqttLogger = { info() {}, warn() {}, error() {} };

function partyJson(call: Call | null, state: string): string {
  if (call === null) return JSON.stringify({ state, number: null, name: null, callId: null });
  const party = otherParty(call);
  return JSON.stringify({
    state,
    number: party.number,
    name: party.displayName,
    direction: call.direction,
    callId: call.id,
  });
}

/**
 * Connects to the broker and publishes what hub events say about the configured lines:
 * retained line state, Home Assistant discovery and a last-will `status` topic. While the
 * broker is away, call events wait in a bounded queue (oldest dropped and counted) and the
 * retained state is sent again on reconnect; `publish` never blocks.
 */
export function createMqttBridge(options: MqttBridgeOptions): MqttBridge {
  const config = parseBridgeConfig({
    url: options.url,
    username: options.username,
    password: options.password,
    topicPrefix: options.topicPrefix,
    discoveryPrefix: options.discoveryPrefix,
    lines: options.lines,
    maxQueue: options.maxQueue,
    reconnectPeriodMs: options.reconnectPeriodMs,
    connectTimeoutMs: options.connectTimeoutMs,
    clientId: options.clientId,
  });
  const logger = options.logger ?? NOOP_LOGGER;
  const prefix = config.topicPrefix;
  const status = statusTopic(prefix);

  // Lines by phone id; two ids that sanitize to one topic segment are a config error.
  const lines = new Map<string, LineEntry>();
  const segments = new Map<string, string>();
  for (const [index, line] of options.lines.entries()) {
    const segment = sanitizeTopicSegment(line.id);
    const other = segments.get(segment);
    if (other !== undefined || lines.has(line.id)) {
      throw new MqttConfigError(
        `mqtt: lines.${index}.id: "${line.id}" collides with "${other ?? line.id}" as topic level "${segment}"; give the lines distinct ids`,
        `lines.${index}.id`,
      );
    }
    segments.set(segment, line.id);
    lines.set(line.id, { line, topics: lineTopics(prefix, segment), calls: new Map() });
  }

  const commands = options.commands;
  const commandLines = new Set(commands?.lines ?? (commands ? [...lines.keys()] : []));
  for (const id of commandLines) {
    if (!lines.has(id)) {
      throw new MqttConfigError(
        `mqtt: commands.lines: "${id}" is not one of the bridge's lines`,
        'commands.lines',
      );
    }
  }
  // Command topic -> what it means; only configured lines with a handler get one.
  const commandTopics = new Map<string, { lineId: string; kind: 'dial' | 'dnd' }>();
  for (const id of commandLines) {
    const topics = (lines.get(id) as LineEntry).topics;
    if (commands?.onDial) commandTopics.set(topics.dialCommand, { lineId: id, kind: 'dial' });
    if (commands?.onDnd) commandTopics.set(topics.dndCommand, { lineId: id, kind: 'dnd' });
  }

  // Retained topics: the current value and the ones not yet sent (insertion order = send order).
  const retained = new Map<string, string>();
  const dirty = new Set<string>();
  const queue = createBoundedQueue<{ topic: string; payload: string }>(config.maxQueue);
  const counters = { dropped: 0, published: 0, failed: 0, ignored: 0 };
  let lastError: string | null = null;
  let inflight = 0;
  let pumpScheduled = false;
  let closed = false;

  const setRetained = (topic: string, payload: string): void => {
    if (retained.get(topic) === payload) return;
    retained.set(topic, payload);
    dirty.delete(topic);
    dirty.add(topic);
  };

  if (config.discoveryPrefix !== false) {
    for (const entry of lines.values()) {
      const messages = discoveryMessages({
        discoveryPrefix: config.discoveryPrefix,
        topicPrefix: prefix,
        line: entry.line,
        topics: entry.topics,
        dndCommand: commandLines.has(entry.line.id) && commands?.onDnd !== undefined,
        dialCommand: commandLines.has(entry.line.id) && commands?.onDial !== undefined,
      });
      for (const m of messages) setRetained(m.topic, JSON.stringify(m.config));
    }
  }
  setRetained(status, 'online');
  for (const entry of lines.values()) {
    setRetained(entry.topics.state, 'idle');
    setRetained(entry.topics.caller, partyJson(null, 'idle'));
  }

  const tls = options.tls;
  const clientOptions: IClientOptions = {
    clientId: config.clientId ?? `snomlink-${randomBytes(6).toString('hex')}`,
    clean: true,
    resubscribe: false,
    reconnectPeriod: config.reconnectPeriodMs,
    connectTimeout: config.connectTimeoutMs,
    queueQoSZero: false,
    will: { topic: status, payload: Buffer.from('offline'), qos: 1, retain: true },
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.password === undefined ? {} : { password: config.password }),
    ...(tls?.ca === undefined ? {} : { ca: tls.ca as string | Buffer | string[] | Buffer[] }),
    ...(tls?.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls?.key === undefined ? {} : { key: tls.key }),
    ...(tls?.servername === undefined ? {} : { servername: tls.servername }),
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
  };
  const client: MqttClient = mqtt.connect(config.url, clientOptions);

  function pump(): void {
    pumpScheduled = false;
    if (closed || !client.connected) return;
    while (inflight < MAX_INFLIGHT) {
      let topic: string;
      let payload: string;
      let retain: boolean;
      const first = dirty.values().next();
      if (first.done !== true) {
        topic = first.value;
        dirty.delete(topic);
        payload = retained.get(topic) ?? '';
        retain = true;
      } else {
        const event = queue.shift();
        if (event === undefined) return;
        ({ topic, payload } = event);
        retain = false;
      }
      inflight += 1;
      client.publish(topic, payload, { qos: 1, retain }, (error) => {
        inflight -= 1;
        // mqtt.js calls back with null (not undefined) on success, despite its typings.
        if (!(error instanceof Error)) counters.published += 1;
        else {
          counters.failed += 1;
          logger.debug?.({ topic, err: error.message }, 'mqtt publish failed');
        }
        schedulePump();
      });
    }
  }

  function schedulePump(): void {
    if (pumpScheduled || closed) return;
    pumpScheduled = true;
    queueMicrotask(pump);
  }

  client.on('connect', () => {
    lastError = null;
    logger.info({ url: redactUrl(config.url) }, 'mqtt connected');
    // The broker may have lost retained messages (restart without persistence): send all again.
    dirty.clear();
    for (const topic of retained.keys()) dirty.add(topic);
    if (commandTopics.size > 0) {
      client.subscribe([...commandTopics.keys()], { qos: 1 }, (error) => {
        if (error) logger.warn({ err: error.message }, 'mqtt: could not subscribe to commands');
      });
    }
    schedulePump();
  });
  client.on('error', (error) => {
    if (lastError !== error.message) logger.warn({ err: error.message }, 'mqtt error');
    lastError = error.message;
  });
  client.on('offline', () => {
    logger.debug?.({}, 'mqtt offline; queueing call events');
  });
  client.on('message', (topic, payload, packet) => {
    const target = commandTopics.get(topic);
    // A retained command is a stale one: never dial because of a message left on the broker.
    if (target === undefined || packet.retain) return;
    runCommand(target.lineId, target.kind, payload.toString('utf8'));
  });

  function runCommand(lineId: string, kind: 'dial' | 'dnd', text: string): void {
    let result: void | Promise<void>;
    try {
      if (kind === 'dial') {
        const parsed = v.safeParse(dialPayloadSchema, text);
        if (!parsed.success || commands?.onDial === undefined) {
          logger.warn({ lineId }, 'mqtt: ignored a dial command that is not a number');
          return;
        }
        result = commands.onDial({ lineId, number: parsed.output });
      } else {
        const enabled = parseDndPayload(text);
        if (enabled === null || commands?.onDnd === undefined) {
          logger.warn({ lineId }, 'mqtt: ignored a DND command that is not ON or OFF');
          return;
        }
        result = commands.onDnd({ lineId, enabled });
      }
    } catch (error) {
      logger.error({ lineId, kind, err: String(error) }, 'mqtt command handler failed');
      return;
    }
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        logger.error({ lineId, kind, err: String(error) }, 'mqtt command handler failed');
      });
    }
  }

  function queueEvent(topic: string, body: Record<string, unknown>): void {
    if (queue.push({ topic, payload: JSON.stringify(body) })) counters.dropped += 1;
  }

  function onCallChange(entry: LineEntry, event: MqttBridgeEvent & { call: Call }): void {
    const { call } = event;
    if (event.type === 'call-finished' || call.state === 'idle') entry.calls.delete(call.id);
    else entry.calls.set(call.id, call);
    const { state, call: shown } = lineStateOf(entry.calls.values());
    setRetained(entry.topics.state, state);
    setRetained(entry.topics.caller, partyJson(shown, state));
    const party = otherParty(call);
    const body: Record<string, unknown> = {
      type: event.type,
      lineId: entry.line.id,
      callId: call.id,
      state: call.state,
      direction: call.direction,
      number: party.number,
      name: party.displayName,
      at: call.lastEventAt,
    };
    if (event.type === 'call-state') body.previousState = event.previousState;
    if (event.type === 'call-info') body.fields = event.fields;
    if (event.type === 'call-finished') {
      body.missed = event.call.missed;
      body.disconnectMode = event.call.disconnectMode;
      if (event.call.missed) {
        setRetained(
          entry.topics.lastMissed,
          JSON.stringify({
            number: party.number,
            name: party.displayName,
            at: new Date(event.call.endedAt).toISOString(),
            callId: call.id,
          }),
        );
      }
    }
    queueEvent(entry.topics.event, body);
  }

  return {
    publish(event: MqttBridgeEvent): void {
      if (closed) return;
      const phoneId =
        event.type === 'action-event'
          ? event.event.phoneId
          : 'call' in event
            ? event.call.phoneId
            : event.phoneId;
      const entry = lines.get(phoneId);
      if (entry === undefined) {
        counters.ignored += 1;
        return;
      }
      switch (event.type) {
        case 'call-state':
        case 'call-info':
        case 'call-finished':
          onCallChange(entry, event);
          break;
        case 'line-status':
          if (event.status === 'reachable' || event.status === 'reconfigured') {
            setRetained(entry.topics.availability, 'online');
          } else setRetained(entry.topics.availability, 'offline');
          break;
        case 'line-presence':
          if (event.dnd !== null) setRetained(entry.topics.dnd, event.dnd ? 'ON' : 'OFF');
          setRetained(
            entry.topics.presence,
            JSON.stringify({ dnd: event.dnd, forwarding: event.forwarding ?? null }),
          );
          break;
        default:
          return;
      }
      schedulePump();
    },
    status(): MqttBridgeStatus {
      return {
        connected: client.connected,
        queued: queue.size + dirty.size,
        dropped: counters.dropped,
        published: counters.published,
        failed: counters.failed,
        ignored: counters.ignored,
        lastError,
      };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      let timer: NodeJS.Timeout | undefined;
      if (client.connected) {
        // A broker that stopped answering must not hold up shutdown: wait at most 2 s.
        const acked = await new Promise<boolean>((resolve) => {
          timer = setTimeout(() => {
            resolve(false);
          }, CLOSE_TIMEOUT_MS);
          client.publish(status, 'offline', { qos: 1, retain: true }, () => {
            resolve(true);
          });
        });
        clearTimeout(timer);
        if (acked) {
          await client.endAsync(false);
          return;
        }
      }
      await client.endAsync(true);
    },
  };
}

/** The broker URL without credentials, for logs. */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//[redacted]@');
}

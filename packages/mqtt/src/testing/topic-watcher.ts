import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';

/** One message as a subscriber saw it. */
export interface SeenMessage {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
  /** `performance.now()` at arrival. */
  readonly at: number;
}

/** A real MQTT client subscribed to some topics, recording what arrives. */
export interface TopicWatcher {
  readonly client: MqttClient;
  /** Every message in arrival order. */
  readonly messages: SeenMessage[];
  /** The last payload per topic. */
  readonly last: Map<string, SeenMessage>;
  /** Resolves with the first message (already seen or future) that satisfies `test`. */
  waitFor(test: (m: SeenMessage) => boolean, timeoutMs?: number): Promise<SeenMessage>;
  /** Resolves with the next message (not one already seen) that satisfies `test`. */
  next(test: (m: SeenMessage) => boolean, timeoutMs?: number): Promise<SeenMessage>;
  /** Resolves once `topic`'s last payload equals `payload`. */
  waitForPayload(topic: string, payload: string, timeoutMs?: number): Promise<SeenMessage>;
  close(): Promise<void>;
}

/** Connects a subscriber and waits for the SUBACK, so nothing published after is missed. */
export async function watchTopics(
  url: string,
  topics: string | string[],
  options: IClientOptions = {},
): Promise<TopicWatcher> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 100, ...options });
  const messages: SeenMessage[] = [];
  const last = new Map<string, SeenMessage>();
  const waiters = new Set<(m: SeenMessage) => void>();
  client.on('message', (topic, payload, packet) => {
    const message = {
      topic,
      payload: payload.toString('utf8'),
      retain: packet.retain,
      at: performance.now(),
    };
    messages.push(message);
    last.set(topic, message);
    for (const waiter of [...waiters]) waiter(message);
  });
  await client.subscribeAsync(topics, { qos: 1 });

  function next(test: (m: SeenMessage) => boolean, timeoutMs = 10_000): Promise<SeenMessage> {
    return new Promise((resolve, reject) => {
      const waiter = (m: SeenMessage): void => {
        if (!test(m)) return;
        waiters.delete(waiter);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching MQTT message within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  }

  function waitFor(test: (m: SeenMessage) => boolean, timeoutMs?: number): Promise<SeenMessage> {
    const seen = messages.find(test);
    return seen === undefined ? next(test, timeoutMs) : Promise.resolve(seen);
  }

  return {
    client,
    messages,
    last,
    waitFor,
    next,
    waitForPayload(topic: string, payload: string, timeoutMs?: number): Promise<SeenMessage> {
      const current = last.get(topic);
      if (current?.payload === payload) return Promise.resolve(current);
      return next((m) => m.topic === topic && m.payload === payload, timeoutMs);
    },
    async close(): Promise<void> {
      await client.endAsync(true);
    },
  };
}

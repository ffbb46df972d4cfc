import { createSimulatedPhone } from '@snomlink/snom-simulator';
import type { SimulatedPhone } from '@snomlink/snom-simulator';
import type { Logger } from 'pino';
import { phoneConfig } from './config/config-schema.js';
import type { PhoneConfig } from './config/config-schema.js';
import type { Config } from './config/config-schema.js';
import { randomToken } from './config/config-store.js';
import type { Daemon } from './daemon.js';

interface DemoPerson {
  id: string;
  name: string;
  ext: string;
  model: string;
  auth?: { username: string; password: string };
}

/** The simulated office: one 360-class and one 190-class desk, plus colleagues. */
export const DEMO_PEOPLE: readonly DemoPerson[] = [
  {
    id: 'alice',
    name: 'Alice Adler',
    ext: '201',
    model: 'snom360',
    auth: { username: 'admin', password: 'demo-pass' },
  },
  { id: 'bob', name: 'Bob Berger', ext: '202', model: 'snom190' },
  { id: 'carol', name: 'Carol Czerny', ext: '203', model: 'snom370' },
  { id: 'dave', name: 'Dave Dörfler', ext: '204', model: 'snom320' },
];

const OUTSIDE_CALLERS: readonly { number: string; name: string }[] = [
  { number: '+4930123456', name: 'Anna Müller' },
  { number: '+498912345678', name: 'Bäckerei Schmidt & Söhne' },
  { number: '+441632960123', name: 'Oliver Smith' },
  { number: '+4940555123', name: '' },
  { number: 'anonymous', name: 'Anonymous' },
];

const OUTSIDE_TARGETS: readonly string[] = [
  '030 1234567',
  '+49 89 98765',
  '0800 3300000',
  '+1 212 5550100',
];

/** The running demo. */
export interface Demo {
  readonly phones: ReadonlyMap<string, SimulatedPhone>;
  stop(): Promise<void>;
}

function pick<T>(list: readonly T[]): T {
  const value = list[Math.floor(Math.random() * list.length)];
  if (value === undefined) throw new Error('empty list');
  return value;
}

const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

const between = (min: number, max: number): number => min + Math.random() * (max - min);

/**
 * Starts the demo phones in process (listening on 127.0.0.1), writes them into the (demo) config,
 * provisions them and lets them call each other and outside numbers every few seconds.
 */
export async function startDemo(
  daemon: Daemon,
  logger: Logger,
  options: { intervalMs?: number } = {},
): Promise<Demo> {
  const phones = new Map<string, SimulatedPhone>();
  for (const person of DEMO_PEOPLE) {
    const phone = createSimulatedPhone({
      model: person.model,
      identity: { user: person.ext, host: 'pbx.example', displayName: person.name },
      answerDelayMs: 1500,
      id: person.id,
      ...(person.auth
        ? {
            auth: 'digest' as const,
            username: person.auth.username,
            password: person.auth.password,
          }
        : {}),
    });
    await phone.listen({ host: '127.0.0.1', port: 0 });
    phones.set(person.id, phone);
  }

  await daemon.config.update((config: Config) => {
    const existing = new Map(config.phones.map((p) => [p.id, p]));
    const demoPhones: PhoneConfig[] = DEMO_PEOPLE.map((person) => {
      const address = phones.get(person.id)?.address;
      return phoneConfig({
        id: person.id,
        name: `${person.name} (${person.ext})`,
        host: `${address?.host ?? '127.0.0.1'}:${String(address?.port ?? 80)}`,
        username: person.auth?.username ?? null,
        password: person.auth?.password ?? null,
        model: person.model,
        secret: existing.get(person.id)?.secret ?? randomToken(18),
      });
    });
    const others = config.phones.filter((p) => !DEMO_PEOPLE.some((d) => d.id === p.id));
    return { ...config, phones: [...demoPhones, ...others] };
  });
  await daemon.phones.sync(daemon.config.current.phones);

  for (const person of DEMO_PEOPLE) {
    try {
      const result = await daemon.provision(person.id);
      logger.info(
        { phoneId: person.id, ok: result.ok, settings: result.written.length },
        'demo phone provisioned',
      );
    } catch (error) {
      logger.warn(
        { phoneId: person.id, err: error instanceof Error ? error.message : String(error) },
        'demo provisioning failed',
      );
    }
  }

  const controller = new AbortController();
  const { signal } = controller;
  const busy = new Set<string>();
  const free = (): string[] =>
    [...phones.keys()].filter((id) => !busy.has(id) && (phones.get(id)?.calls.length ?? 0) === 0);
  const ext = (id: string): string => DEMO_PEOPLE.find((p) => p.id === id)?.ext ?? '200';
  const nameOf = (id: string): string => DEMO_PEOPLE.find((p) => p.id === id)?.name ?? id;
  const get = (id: string): SimulatedPhone => {
    const phone = phones.get(id);
    if (phone === undefined) throw new Error(`no demo phone ${id}`);
    return phone;
  };

  const scenario = async (ids: string[]): Promise<void> => {
    for (const id of ids) busy.add(id);
    try {
      const roll = Math.random();
      const [a, b] = ids;
      if (a === undefined) return;
      const x = get(a);
      if (roll >= 0.9) {
        // Presence now and then: a switches DND or forwarding on the phone for a while (the
        // phone fires dnd-on / redirection-on, the line shows it) and back off.
        if (Math.random() < 0.6) {
          await x.setDnd(true);
          await pause(between(8000, 20_000), signal);
          await x.setDnd(false);
        } else {
          await x.setForwarding({ mode: 'always', target: pick(OUTSIDE_TARGETS) });
          await pause(between(8000, 20_000), signal);
          await x.setForwarding(null);
        }
      } else if (b !== undefined && roll < 0.35) {
        // Internal call a → b.
        const y = get(b);
        const out = await x.dial(ext(b), { autoAnswer: false });
        const inc = await y.ring(`sip:${ext(a)}@pbx.example`, { display: nameOf(a) });
        await pause(between(1500, 4000), signal);
        if (Math.random() < 0.8) {
          await y.answer(inc);
          await x.remoteAnswer(out);
          await pause(between(3000, 9000), signal);
          await x.hangUp(out);
          await y.remoteHangUp(inc);
        } else {
          await x.hangUp(out);
          await y.remoteHangUp(inc);
        }
      } else if (roll < 0.75) {
        // Someone outside calls a.
        const caller = pick(OUTSIDE_CALLERS);
        const from =
          caller.number === 'anonymous'
            ? 'sip:anonymous@anonymous.invalid'
            : `sip:${caller.number}@pbx.example`;
        const callId = await x.ring(from, caller.name === '' ? {} : { display: caller.name });
        await pause(between(2000, 5000), signal);
        if (Math.random() < 0.7) {
          await x.answer(callId);
          await pause(between(3000, 10_000), signal);
          if (Math.random() < 0.5) await x.hangUp(callId);
          else await x.remoteHangUp(callId);
        } else {
          await x.remoteHangUp(callId); // caller gives up: missed
        }
      } else {
        // a calls outside.
        const callId = await x.dial(pick(OUTSIDE_TARGETS), {
          answerDelayMs: between(1500, 3500),
        });
        await pause(between(5000, 12_000), signal);
        if (x.calls.some((c) => c.id === callId)) await x.hangUp(callId);
      }
    } catch (error) {
      logger.debug(
        { err: error instanceof Error ? error.message : String(error) },
        'demo scenario interrupted',
      );
    } finally {
      for (const id of ids) busy.delete(id);
    }
  };

  const running = new Set<Promise<void>>();
  const loop = async (): Promise<void> => {
    await pause(1000, signal);
    while (!signal.aborted) {
      // Calls left connected (e.g. click-to-dial from the UI) end after a while.
      for (const phone of phones.values()) {
        for (const call of phone.calls) {
          if (Date.now() - call.startedAt > 45_000)
            await phone.hangUp(call.id).catch(() => undefined);
        }
      }
      const candidates = free().sort(() => Math.random() - 0.5);
      if (candidates.length > 0) {
        const p = scenario(candidates.slice(0, 2));
        running.add(p);
        void p.finally(() => running.delete(p));
      }
      await pause(options.intervalMs ?? between(2500, 5000), signal);
    }
  };
  const looping = loop();

  return {
    phones,
    async stop() {
      controller.abort();
      await looping;
      await Promise.allSettled([...running]);
      await Promise.allSettled([...phones.values()].map((p) => p.close()));
    },
  };
}

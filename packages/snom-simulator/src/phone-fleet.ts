import { capabilityClassForModel, PARAMETERLESS_EVENT_KINDS } from '@snomlink/core';
import { isCallStateError } from './errors.js';
import { ACTION_URL_SETTINGS } from './types.js';
import {
  createSimulatedPhone,
  type SimulatedPhone,
  type SimulatedPhoneOptions,
} from './simulated-phone.js';

/** What the fleet tells a settings function about one phone. */
export interface FleetPhoneInfo {
  /** 0-based position in the fleet. */
  readonly index: number;
  /** `${idPrefix}${index + 1}`, e.g. `sim-1`. */
  readonly id: string;
  /** `${secretPrefix}${index + 1}`. */
  readonly secret: string;
  readonly model: string;
  readonly capabilities: 'full' | 'parameterless';
  /** The phone's own address (127.0.0.x) and port. */
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.x:port` */
  readonly url: string;
  /** The phone's extension (SIP user), e.g. `201`. */
  readonly extension: string;
}

/** One phone of a fleet. */
export interface FleetPhone {
  readonly info: FleetPhoneInfo;
  readonly phone: SimulatedPhone;
}

/** Options of {@link createPhoneFleet}. */
export interface PhoneFleetOptions {
  /** How many phones. */
  count: number;
  /** Models, used in turn (default ['snom360']). */
  models?: readonly string[];
  /** New calls per second across the fleet (default 1; 0 = no calls). */
  callRate?: number;
  /** First three octets plus dot (default '127.0.0.'); addresses start at `.firstHost` and wrap to the next /24 after .254. */
  hostBase?: string;
  /** Default 2. */
  firstHost?: number;
  /** Port every phone listens on (default 0 = ephemeral per phone). */
  port?: number;
  /** Where the default Action URLs point, e.g. `http://127.0.0.1:8080`. */
  listenerBase?: string;
  /** Default 'sim-secret-'. */
  secretPrefix?: string;
  /** Default 'sim-'. */
  idPrefix?: string;
  /** Extension of the first phone (default 201). */
  firstExtension?: number;
  /** Settings (e.g. Action URLs) per phone; overrides the `listenerBase` defaults. */
  settings?: (phone: FleetPhoneInfo) => Record<string, string>;
  /** How long an answered call lasts, [min, max] ms (default [5000, 60000]). */
  durationMs?: readonly [number, number];
  /** How long a call rings, [min, max] ms (default [1000, 6000]). */
  ringMs?: readonly [number, number];
  /** Share of calls that get answered (default 0.85). */
  answerProbability?: number;
  /** Relative weights of call kinds (default internal 0.3, outgoing 0.35, incoming 0.35). */
  mix?: { internal?: number; outgoing?: number; incoming?: number };
  /** Extra options for every phone (auth, https, …). */
  phoneOptions?: Omit<SimulatedPhoneOptions, 'model' | 'identity' | 'id'>;
  /** Random source in [0, 1) (default Math.random). */
  random?: () => number;
}

/** Counters of a running fleet. */
export interface PhoneFleetStats {
  phones: number;
  callsStarted: number;
  internal: number;
  outgoing: number;
  incoming: number;
  answered: number;
  unanswered: number;
  /** Ticks where no idle phone was free. */
  skipped: number;
  liveCalls: number;
  actionUrlsSent: number;
  actionUrlsFailed: number;
  /** Call steps that failed (a phone closed under a call etc.). */
  errors: number;
}

/** A set of simulated phones that place random calls. */
export interface PhoneFleet {
  readonly phones: readonly FleetPhone[];
  /** Listen on every address, write settings, start calling at `callRate`. */
  start(): Promise<void>;
  /** (Re)start placing calls at `rate` per second (default: the `callRate` option). */
  startCalls(rate?: number): void;
  /** Stop placing new calls (calls under way finish). */
  stopCalls(): void;
  stats(): PhoneFleetStats;
  /** Stop calls and close every phone. */
  close(): Promise<void>;
}

const EVENTS_FULL = [
  'incoming',
  'outgoing',
  'offhook',
  'onhook',
  'connected',
  'disconnected',
  'missed',
  'hold',
  'unhold',
] as const;

/**
 * Action URL settings in the listener's format (ARCHITECTURE.md §2): full-class phones get the
 * runtime variables with the free-text ones last, 190-class phones `?k=secret` only.
 */
export function defaultFleetActionUrls(
  listenerBase: string,
  phone: Pick<FleetPhoneInfo, 'id' | 'secret' | 'capabilities'>,
): Record<string, string> {
  const base = listenerBase.replace(/\/+$/, '');
  const kinds = phone.capabilities === 'full' ? EVENTS_FULL : PARAMETERLESS_EVENT_KINDS;
  const params =
    phone.capabilities === 'full'
      ? '&cid=$call-id&n=$nr_ongoing_calls&user=$active_user&local=$local&remote=$remote&dr=$display_remote'
      : '';
  const out: Record<string, string> = {};
  for (const kind of kinds) {
    out[ACTION_URL_SETTINGS[kind]] =
      `${base}/snom/${encodeURIComponent(phone.id)}/${kind}?k=${encodeURIComponent(phone.secret)}${params}`;
  }
  return out;
}

/** The address of fleet slot `index` (127.0.0.2 … .254, then 127.0.1.1 …). */
export function fleetHost(hostBase: string, firstHost: number, index: number): string {
  const octets = hostBase.replace(/\.$/, '').split('.').map(Number);
  const [a = 127, b = 0, c = 0] = octets;
  const slot = index + firstHost - 1;
  const third = c + Math.floor(slot / 254);
  const fourth = (slot % 254) + 1;
  if (third > 255)
    throw new RangeError(`fleet slot ${String(index)} is past ${String(a)}.${String(b)}.255.254`);
  return `${String(a)}.${String(b)}.${String(third)}.${String(fourth)}`;
}

const FIRST_NAMES = ['Anna', 'Jörg', 'Zoë', 'Mehmet', 'Søren', 'Łukasz', 'Chloé', 'Björn', 'Ines'];
const LAST_NAMES = [
  'Müller',
  'Schmidt',
  'O\u2019Brien',
  'Nowak',
  'García',
  'Öztürk',
  'Dubois',
  'Smith & Sons',
];

/** Create a fleet of simulated phones that call each other and the outside world. */
export function createPhoneFleet(options: PhoneFleetOptions): PhoneFleet {
  const random = options.random ?? Math.random;
  const models = options.models ?? ['snom360'];
  const hostBase = options.hostBase ?? '127.0.0.';
  const firstHost = options.firstHost ?? 2;
  const idPrefix = options.idPrefix ?? 'sim-';
  const secretPrefix = options.secretPrefix ?? 'sim-secret-';
  const firstExtension = options.firstExtension ?? 201;
  const [durMin, durMax] = options.durationMs ?? [5000, 60_000];
  const [ringMin, ringMax] = options.ringMs ?? [1000, 6000];
  const answerProbability = options.answerProbability ?? 0.85;
  const mix = { internal: 0.3, outgoing: 0.35, incoming: 0.35, ...options.mix };
  const stats: PhoneFleetStats = {
    phones: options.count,
    callsStarted: 0,
    internal: 0,
    outgoing: 0,
    incoming: 0,
    answered: 0,
    unanswered: 0,
    skipped: 0,
    liveCalls: 0,
    actionUrlsSent: 0,
    actionUrlsFailed: 0,
    errors: 0,
  };
  const timers = new Set<NodeJS.Timeout>();
  const busy = new Set<number>();
  let ticker: NodeJS.Timeout | undefined;
  let closed = false;

  const slots = Array.from({ length: options.count }, (_, index) => {
    const model = models[index % models.length] ?? 'snom360';
    const extension = String(firstExtension + index);
    const phone = createSimulatedPhone({
      recordLimit: 50,
      answerDelayMs: ringMin,
      ...options.phoneOptions,
      model,
      id: `${idPrefix}${String(index + 1)}`,
      identity: { user: extension, host: 'pbx.example', displayName: `Phone ${extension}` },
    });
    phone.on('action-url', (fired) => {
      if (fired.error === null) stats.actionUrlsSent += 1;
      else stats.actionUrlsFailed += 1;
    });
    return { index, model, extension, phone };
  });
  const fleetPhones: FleetPhone[] = [];

  const between = (min: number, max: number): number => min + random() * (max - min);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const externalNumber = (): string =>
    `+49${String(30 + Math.floor(random() * 60))}${String(Math.floor(1e6 + random() * 8.999e6))}`;
  const displayName = (): string => `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`;

  function later(ms: number, step: () => Promise<unknown>): void {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (closed) return;
      step().catch((err: unknown) => {
        if (!closed || !isCallStateError(err)) stats.errors += 1;
      });
    }, ms);
    timers.add(timer);
  }

  function idlePhone(): number | undefined {
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const i = Math.floor(random() * slots.length);
      if (!busy.has(i) && slots[i]?.phone.calls.length === 0) return i;
    }
    return undefined;
  }

  function release(...indexes: number[]): void {
    for (const i of indexes) busy.delete(i);
    stats.liveCalls = busy.size;
  }

  function hangUpEitherSide(a: SimulatedPhone, aCall: string, then: () => void): Promise<void> {
    const step = random() < 0.5 ? a.hangUp(aCall) : a.remoteHangUp(aCall);
    return step.then(then);
  }

  function startIncoming(i: number, phone: SimulatedPhone): void {
    stats.incoming += 1;
    phone
      .ring(externalNumber(), { display: displayName() })
      .then((callId) => {
        const answered = random() < answerProbability;
        later(between(ringMin, ringMax), async () => {
          if (!answered) {
            stats.unanswered += 1;
            await phone.remoteHangUp(callId);
            release(i);
            return;
          }
          stats.answered += 1;
          await phone.answer(callId);
          later(between(durMin, durMax), () =>
            hangUpEitherSide(phone, callId, () => {
              release(i);
            }),
          );
        });
      })
      .catch(() => {
        stats.errors += 1;
        release(i);
      });
  }

  function startOutgoing(i: number, phone: SimulatedPhone): void {
    stats.outgoing += 1;
    const answered = random() < answerProbability;
    const ring = between(ringMin, ringMax);
    phone
      .dial(externalNumber(), { autoAnswer: answered, answerDelayMs: ring })
      .then((callId) => {
        if (!answered) {
          stats.unanswered += 1;
          later(ring, async () => {
            await phone.hangUp(callId);
            release(i);
          });
          return;
        }
        stats.answered += 1;
        later(ring + between(durMin, durMax), () =>
          hangUpEitherSide(phone, callId, () => {
            release(i);
          }),
        );
      })
      .catch(() => {
        stats.errors += 1;
        release(i);
      });
  }

  function startInternal(i: number, j: number): void {
    const a = slots[i];
    const b = slots[j];
    if (a === undefined || b === undefined) return;
    stats.internal += 1;
    const answered = random() < answerProbability;
    Promise.all([
      a.phone.dial(b.extension, { autoAnswer: false }),
      b.phone.ring(`sip:${a.extension}@pbx.example`, { display: `Phone ${a.extension}` }),
    ])
      .then(([aCall, bCall]) => {
        later(between(ringMin, ringMax), async () => {
          if (!answered) {
            stats.unanswered += 1;
            await a.phone.hangUp(aCall);
            await b.phone.remoteHangUp(bCall);
            release(i, j);
            return;
          }
          stats.answered += 1;
          await b.phone.answer(bCall);
          await a.phone.remoteAnswer(aCall);
          later(between(durMin, durMax), async () => {
            if (random() < 0.5) {
              await a.phone.hangUp(aCall);
              await b.phone.remoteHangUp(bCall);
            } else {
              await b.phone.hangUp(bCall);
              await a.phone.remoteHangUp(aCall);
            }
            release(i, j);
          });
        });
      })
      .catch(() => {
        stats.errors += 1;
        release(i, j);
      });
  }

  function tick(): void {
    const i = idlePhone();
    if (i === undefined) {
      stats.skipped += 1;
      return;
    }
    const slot = slots[i];
    if (slot === undefined) return;
    busy.add(i);
    stats.callsStarted += 1;
    const total = mix.internal + mix.outgoing + mix.incoming;
    const r = random() * total;
    if (r < mix.internal) {
      busy.add(i);
      const j = idlePhone();
      if (j !== undefined && j !== i) {
        busy.add(j);
        stats.liveCalls = busy.size;
        startInternal(i, j);
        return;
      }
      // no colleague free: call out instead
      startOutgoing(i, slot.phone);
    } else if (r < mix.internal + mix.outgoing) startOutgoing(i, slot.phone);
    else startIncoming(i, slot.phone);
    stats.liveCalls = busy.size;
  }

  const fleet: PhoneFleet = {
    phones: fleetPhones,
    async start() {
      const port = options.port ?? 0;
      for (const slot of slots) {
        const host = fleetHost(hostBase, firstHost, slot.index);
        const address = await slot.phone.listen({ host, port });
        const info: FleetPhoneInfo = {
          index: slot.index,
          id: `${idPrefix}${String(slot.index + 1)}`,
          secret: `${secretPrefix}${String(slot.index + 1)}`,
          model: slot.model,
          capabilities: capabilityClassForModel(slot.model),
          host: address.host,
          port: address.port,
          url: address.url,
          extension: slot.extension,
        };
        const settings =
          options.settings?.(info) ??
          (options.listenerBase === undefined
            ? {}
            : defaultFleetActionUrls(options.listenerBase, info));
        slot.phone.setSettings(settings);
        fleetPhones.push({ info, phone: slot.phone });
      }
      fleet.startCalls(options.callRate ?? 1);
    },
    startCalls(rate = options.callRate ?? 1) {
      if (ticker !== undefined) clearInterval(ticker);
      ticker = undefined;
      if (rate <= 0 || closed) return;
      // Fire ticks on a fixed grid so the long-run rate is exact even when timers drift.
      const startedAt = performance.now();
      let due = 0;
      const intervalMs = Math.max(1, Math.min(100, 1000 / rate));
      ticker = setInterval(() => {
        const shouldHave = Math.floor(((performance.now() - startedAt) / 1000) * rate);
        while (due < shouldHave) {
          due += 1;
          tick();
        }
      }, intervalMs);
    },
    stopCalls() {
      if (ticker !== undefined) clearInterval(ticker);
      ticker = undefined;
    },
    stats() {
      return { ...stats, liveCalls: busy.size };
    },
    async close() {
      closed = true;
      if (ticker !== undefined) clearInterval(ticker);
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(slots.map((s) => s.phone.close()));
    },
  };
  return fleet;
}

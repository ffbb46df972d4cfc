import { capabilityClassForModel } from '@snomlink/core';
import type { ActionEvent, EventHub, LineStatusChange, SnomlinkEvent } from '@snomlink/core';
import type { TapiPhoneControl } from '@snomlink/tapi-bridge';
import type { PhoneHealth, PhoneTestResult } from '../api/schemas.js';
import type { PhoneConfig } from '../config/config-schema.js';
import { checkSpacingMs } from './health-pacing.js';
import { describePhoneError, healthStatusOf, isNotSnomAnswer } from './phone-errors.js';

/**
 * What the daemon needs from a phone client (`@snomlink/snom-client`'s SnomClient fits): the call
 * control the TAPI bridge drives (it gets this very client), plus settings, info and the log.
 */
export interface PhoneClient extends TapiPhoneControl {
  writeSettings(
    settings: Readonly<Record<string, string>>,
    options?: { store?: boolean },
  ): Promise<void>;
  readSettings(): Promise<Record<string, string>>;
  info(): Promise<{ model: string | null; mac: string | null; firmware: string | null }>;
  /** `request` is the log scanner's page fallback and read cap (SnomClient honours both). */
  readLog(request?: { readonly path?: string; readonly maxBytes?: number }): Promise<string>;
  clearLog(request?: { readonly path?: string }): Promise<void>;
  webConfigUrl(): string;
  close?(): Promise<void>;
}

/** What the daemon needs from a log scanner (`@snomlink/log-scanner`'s LogScanner fits). */
export interface PhoneLogScanner {
  notify(event: ActionEvent): void;
  stop(): Promise<void>;
}

/** Options of {@link createPhoneManager}. */
export interface PhoneManagerOptions {
  readonly hub: EventHub<SnomlinkEvent>;
  readonly createClient: (phone: PhoneConfig) => PhoneClient;
  /** Creates a log scanner for a phone with log scanning on; events go to `onScanEvent`. */
  readonly createScanner?: (phone: PhoneConfig, client: PhoneClient) => PhoneLogScanner;
  /**
   * Period of the reachability check; 0 disables it. The checks of one round are spread evenly
   * over the period (one phone every period ÷ phones), not fired as one wave.
   */
  readonly healthIntervalMs: number;
  /** Most phones checked at the same time. Default 8. */
  readonly healthConcurrency?: number;
  /**
   * Most checks started per second (the first round: 4 ×). A fleet larger than the interval
   * allows at this rate is checked less often than every interval. Default 50.
   */
  readonly healthMaxChecksPerSecond?: number;
  /**
   * The first round (at `start()`) starts a check every 5 ms, or faster (up to 4 × the rate cap)
   * so that it ends within this long: phones show their status soon after start. Default 5000 ms.
   */
  readonly healthFirstRoundMs?: number;
  /**
   * Cluster mode: only phones this daemon owns are checked (from the next check on when the
   * ownership changes, see `ownershipChanged`), and a result that differs from the phone's
   * published health goes to `publish` instead of being shown at once; every daemon shows what
   * `applyHealth` brings back. Absent (single-process): every phone is checked and shown here.
   */
  readonly sharedHealth?: SharedHealthChecks;
  readonly now?: () => number;
}

/** What the phone manager needs in cluster mode (see `PhoneManagerOptions.sharedHealth`). */
export interface SharedHealthChecks {
  /** Whether this daemon owns the phone now (its checks are this daemon's to run). */
  owns(phoneId: string): boolean;
  /** Publishes a changed result; false when it was not stored (then sent again next time). */
  publish(phoneId: string, health: PhoneHealth, statusChanged: boolean): Promise<boolean>;
}

/** A configured phone at run time. */
export interface PhoneRuntime {
  readonly config: PhoneConfig;
  readonly client: PhoneClient;
  readonly health: PhoneHealth;
  readonly scanner: PhoneLogScanner | null;
}

/** Keeps a client, a health state and (for parameterless phones) a log scanner per phone. */
export interface PhoneManager {
  /** Brings the runtimes in line with the config: adds, rebuilds changed, removes gone. */
  sync(phones: readonly PhoneConfig[]): Promise<void>;
  get(id: string): PhoneRuntime | undefined;
  list(): readonly PhoneRuntime[];
  /**
   * How many phones with a runtime are in each health status, in one pass without copying
   * (`/api/health` asks often; with 10,000 phones, copying and filtering the list cost 3.6 ms).
   */
  healthCounts(): Record<PhoneHealth['status'], number>;
  /** Checks one phone now (reach + auth + model) and updates its health. */
  check(id: string): Promise<PhoneTestResult>;
  /** Hands a phone's Action URL event to its log scanner, if it has one. */
  notify(event: ActionEvent): void;
  /** Cluster mode: a phone's published health (any daemon's owner checked it); shown as is. */
  applyHealth(phoneId: string, health: PhoneHealth): void;
  /**
   * Cluster mode: the owned phones changed. Phones lost are not checked any more (each check
   * asks first); phones gained are checked soon, paced like the first round.
   */
  ownershipChanged(): void;
  /** Starts the periodic checks (first round at once). */
  start(): void;
  stop(): Promise<void>;
}

/** Whether a phone's log is scanned: configured, or by default for parameterless models. */
export function logScanEnabled(phone: PhoneConfig): boolean {
  return phone.logScan ?? capabilityClassForModel(phone.model) === 'parameterless';
}

/** The health of a phone not checked yet. */
export const UNKNOWN_HEALTH: PhoneHealth = {
  status: 'unknown',
  detail: null,
  checkedAt: null,
  model: null,
  firmware: null,
  mac: null,
};

interface MutableRuntime {
  config: PhoneConfig;
  /** Made at first use (a check, a command, the log scanner), see `build`. */
  readonly client: PhoneClient;
  /** The client if it was made (dispose closes only that). */
  made: PhoneClient | null;
  health: PhoneHealth;
  scanner: PhoneLogScanner | null;
  checking: Promise<PhoneTestResult> | null;
  /** Cluster mode: the result this daemon last sent to be published (null: none pending). */
  reported: PhoneHealth | null;
}

/** Same health but for when it was checked: no news to publish. */
function sameHealth(a: PhoneHealth, b: PhoneHealth): boolean {
  return (
    a.status === b.status &&
    a.detail === b.detail &&
    a.model === b.model &&
    a.firmware === b.firmware &&
    a.mac === b.mac
  );
}

function sameConnection(a: PhoneConfig, b: PhoneConfig): boolean {
  return (
    a.host === b.host &&
    a.scheme === b.scheme &&
    a.username === b.username &&
    a.password === b.password &&
    a.auth === b.auth &&
    a.model === b.model &&
    a.rejectUnauthorized === b.rejectUnauthorized &&
    logScanEnabled(a) === logScanEnabled(b)
  );
}

/** Creates the phone manager. */
export function createPhoneManager(options: PhoneManagerOptions): PhoneManager {
  const now = options.now ?? Date.now;
  const phones = new Map<string, MutableRuntime>();
  const concurrency = options.healthConcurrency ?? 8;
  const maxPerSecond = options.healthMaxChecksPerSecond ?? 50;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let started = false;
  const shared = options.sharedHealth;
  /** Cluster mode: each phone's last published health, also before (or without) its runtime. */
  const published = new Map<string, PhoneHealth>();
  /** Cluster mode: the phones owned at the last ownership change (to find the gained ones). */
  let owned = new Set<string>();
  /** Whether this daemon runs the phone's checks (single-process: every phone). */
  const mayCheck = (id: string): boolean => shared?.owns(id) ?? true;

  const publish = (
    phoneId: string,
    status: LineStatusChange['status'],
    detail: string | null,
  ): void => {
    options.hub.publish({ type: 'line-status', phoneId, status, detail, at: now() });
  };

  // A phone's client is made when something first needs it: thousands of configured phones
  // cost a config reference and a health record each until then.
  const build = (config: PhoneConfig): MutableRuntime => {
    const runtime: MutableRuntime = {
      config,
      made: null,
      get client(): PhoneClient {
        return (runtime.made ??= options.createClient(config));
      },
      health: published.get(config.id) ?? UNKNOWN_HEALTH,
      scanner: null,
      checking: null,
      reported: null,
    };
    if (logScanEnabled(config) && options.createScanner)
      runtime.scanner = options.createScanner(config, runtime.client);
    return runtime;
  };

  const dispose = async (runtime: MutableRuntime): Promise<void> => {
    await runtime.scanner?.stop();
    await runtime.made?.close?.();
  };

  /** Cluster mode: sends a result that differs from the last published (or sent) one. */
  const report = (runtime: MutableRuntime, next: PhoneHealth): void => {
    const id = runtime.config.id;
    // Lost meanwhile: the new owner checks it.
    if (shared === undefined || !shared.owns(id)) return;
    const base = runtime.reported ?? runtime.health;
    if (sameHealth(base, next)) return;
    runtime.reported = next;
    void shared.publish(id, next, next.status !== base.status).then((stored) => {
      if (!stored && runtime.reported === next) runtime.reported = null;
    });
  };

  const runCheck = async (runtime: MutableRuntime): Promise<PhoneTestResult> => {
    const before = runtime.health.status;
    let result: PhoneTestResult;
    let next: PhoneHealth;
    try {
      const info = await runtime.client.info();
      next = {
        status: 'reachable',
        detail: null,
        checkedAt: now(),
        model: info.model,
        firmware: info.firmware,
        mac: info.mac,
      };
      result = { reachable: true, authOk: true, ...info };
    } catch (error) {
      const status = healthStatusOf(error);
      const detail = describePhoneError(error);
      // Something else answers at that address: what we knew about the phone no longer holds.
      const identity = isNotSnomAnswer(error) ? { model: null, firmware: null, mac: null } : {};
      next = { ...runtime.health, ...identity, status, detail, checkedAt: now() };
      result = {
        reachable: status === 'auth-failed',
        authOk: false,
        model: next.model,
        firmware: next.firmware,
        mac: next.mac,
        error: detail,
      };
    }
    const current = phones.get(runtime.config.id);
    if (shared !== undefined) {
      // Shown once published, on every daemon alike (applyHealth).
      if (current === runtime && !stopped) report(runtime, next);
      return result;
    }
    runtime.health = next;
    if (current === runtime && runtime.health.status !== before && !stopped) {
      publish(
        runtime.config.id,
        runtime.health.status as LineStatusChange['status'],
        runtime.health.detail,
      );
    }
    return result;
  };

  const check = (runtime: MutableRuntime): Promise<PhoneTestResult> => {
    if (runtime.checking) return runtime.checking;
    const p = runCheck(runtime).finally(() => {
      runtime.checking = null;
    });
    runtime.checking = p;
    return p;
  };

  // One round checks every phone once, paced: phone i starts at i × spacing (see
  // checkSpacingMs: the span ÷ phones, never faster than the rate cap; at most `concurrency` at
  // a time). A wave of hundreds of checks at once stalled the event loop and
  // delayed the phones' Action URL answers; spread out, they are a steady trickle.
  const pacing = new Map<NodeJS.Timeout, () => void>();
  // Read through a call: `stop()` may set it while a worker awaits its turn.
  const isStopped = (): boolean => stopped;
  const waitUntil = (at: number): Promise<void> => {
    const ms = at - performance.now();
    if (ms <= 0 || stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        pacing.delete(t);
        resolve();
      }, ms);
      t.unref();
      pacing.set(t, resolve);
    });
  };
  /** Checks the phones (default: every phone this daemon checks) once, one every `spacing` ms. */
  const round = async (
    spacingOf: (count: number) => number,
    only?: readonly MutableRuntime[],
  ): Promise<void> => {
    const list = only ?? [...phones.values()].filter((r) => mayCheck(r.config.id));
    const t0 = performance.now();
    const spacing = list.length === 0 ? 0 : spacingOf(list.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < list.length && !stopped) {
        const index = next++;
        await waitUntil(t0 + index * spacing);
        const runtime = list[index];
        // A phone removed (or rebuilt) meanwhile is checked by its new runtime's own round.
        if (
          runtime !== undefined &&
          !isStopped() &&
          phones.get(runtime.config.id) === runtime &&
          mayCheck(runtime.config.id)
        )
          await check(runtime);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, worker));
  };

  /** The first round's pacing (at start, and for phones gained in cluster mode). */
  const firstRoundSpacing = (count: number): number =>
    checkSpacingMs({
      phones: count,
      spanMs: Math.min(options.healthIntervalMs, options.healthFirstRoundMs ?? 5000),
      maxPerSecond,
      first: true,
    });

  // Rounds follow each other: each takes about the period, so every phone is checked once a
  // period; a round that ran long (slow phones, or more phones than the rate cap allows in one
  // period) is followed by the next one at once.
  const schedule = (roundStartedAt: number): void => {
    if (stopped || options.healthIntervalMs <= 0) return;
    const wait = Math.max(0, roundStartedAt + options.healthIntervalMs - performance.now());
    timer = setTimeout(() => {
      const startedAt = performance.now();
      const spacing = (phones: number): number =>
        checkSpacingMs({ phones, spanMs: options.healthIntervalMs, maxPerSecond });
      void round(spacing).finally(() => {
        schedule(startedAt);
      });
    }, wait);
    timer.unref();
  };

  return {
    async sync(configs) {
      const wanted = new Map(configs.map((c) => [c.id, c]));
      const removed: MutableRuntime[] = [];
      for (const [id, runtime] of phones) {
        if (!wanted.has(id)) {
          phones.delete(id);
          removed.push(runtime);
          publish(id, 'removed', null);
        }
      }
      const added: MutableRuntime[] = [];
      for (const config of configs) {
        const existing = phones.get(config.id);
        if (existing === undefined) {
          const runtime = build(config);
          phones.set(config.id, runtime);
          added.push(runtime);
        } else if (!sameConnection(existing.config, config)) {
          removed.push(existing);
          const runtime = build(config);
          phones.set(config.id, runtime);
          added.push(runtime);
          publish(config.id, 'reconfigured', null);
        } else {
          existing.config = config;
        }
      }
      await Promise.all(removed.map(dispose));
      for (const runtime of removed)
        if (phones.get(runtime.config.id) === undefined) published.delete(runtime.config.id);
      if (started && !stopped)
        for (const runtime of added) if (mayCheck(runtime.config.id)) void check(runtime);
    },
    get(id) {
      return phones.get(id);
    },
    list() {
      return [...phones.values()];
    },
    healthCounts() {
      const counts = { unknown: 0, reachable: 0, unreachable: 0, 'auth-failed': 0 };
      for (const runtime of phones.values()) counts[runtime.health.status]++;
      return counts;
    },
    async check(id) {
      const runtime = phones.get(id);
      if (runtime === undefined) throw new Error(`unknown phone ${id}`);
      return check(runtime);
    },
    notify(event) {
      phones.get(event.phoneId)?.scanner?.notify(event);
    },
    applyHealth(phoneId, health) {
      published.set(phoneId, health);
      const runtime = phones.get(phoneId);
      if (runtime !== undefined) runtime.health = health;
    },
    ownershipChanged() {
      if (shared === undefined) return;
      const current = new Set([...phones.keys()].filter((id) => shared.owns(id)));
      const gained = [...current].filter((id) => !owned.has(id));
      owned = current;
      if (!started || stopped || options.healthIntervalMs <= 0 || gained.length === 0) return;
      const runtimes = gained.flatMap((id) => phones.get(id) ?? []);
      // Compared with what was published since, not with what this daemon sent before.
      for (const runtime of runtimes) runtime.reported = null;
      void round(firstRoundSpacing, runtimes);
    },
    start() {
      if (options.healthIntervalMs <= 0 || started) return;
      started = true;
      if (shared !== undefined) owned = new Set([...phones.keys()].filter((id) => shared.owns(id)));
      const startedAt = performance.now();
      void round(firstRoundSpacing).finally(() => {
        schedule(startedAt);
      });
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const [t, resolve] of pacing) {
        clearTimeout(t);
        resolve();
      }
      pacing.clear();
      const all = [...phones.values()];
      phones.clear();
      await Promise.all(all.map(dispose));
    },
  };
}

import { capabilityClassForModel } from '@snomlink/core';
import type { ActionEvent, EventHub, LineStatusChange, SnomlinkEvent } from '@snomlink/core';
import type { TapiPhoneControl } from '@snomlink/tapi-bridge';
import type { PhoneHealth, PhoneTestResult } from '../api/schemas.js';
import type { PhoneConfig } from '../config/config-schema.js';
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
  /** Period of the reachability check; 0 disables it. */
  readonly healthIntervalMs: number;
  /** Most phones checked at the same time. Default 8. */
  readonly healthConcurrency?: number;
  readonly now?: () => number;
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
  /** Checks one phone now (reach + auth + model) and updates its health. */
  check(id: string): Promise<PhoneTestResult>;
  /** Hands a phone's Action URL event to its log scanner, if it has one. */
  notify(event: ActionEvent): void;
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
  client: PhoneClient;
  health: PhoneHealth;
  scanner: PhoneLogScanner | null;
  checking: Promise<PhoneTestResult> | null;
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
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let started = false;

  const publish = (
    phoneId: string,
    status: LineStatusChange['status'],
    detail: string | null,
  ): void => {
    options.hub.publish({ type: 'line-status', phoneId, status, detail, at: now() });
  };

  const build = (config: PhoneConfig): MutableRuntime => {
    const client = options.createClient(config);
    const scanner =
      logScanEnabled(config) && options.createScanner
        ? options.createScanner(config, client)
        : null;
    return { config, client, health: UNKNOWN_HEALTH, scanner, checking: null };
  };

  const dispose = async (runtime: MutableRuntime): Promise<void> => {
    await runtime.scanner?.stop();
    await runtime.client.close?.();
  };

  const runCheck = async (runtime: MutableRuntime): Promise<PhoneTestResult> => {
    const before = runtime.health.status;
    let result: PhoneTestResult;
    try {
      const info = await runtime.client.info();
      runtime.health = {
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
      runtime.health = { ...runtime.health, ...identity, status, detail, checkedAt: now() };
      result = {
        reachable: status === 'auth-failed',
        authOk: false,
        model: runtime.health.model,
        firmware: runtime.health.firmware,
        mac: runtime.health.mac,
        error: detail,
      };
    }
    const current = phones.get(runtime.config.id);
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

  const round = async (): Promise<void> => {
    const list = [...phones.values()];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < list.length && !stopped) {
        const runtime = list[next++];
        if (runtime !== undefined) await check(runtime);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, worker));
  };

  const schedule = (): void => {
    if (stopped || options.healthIntervalMs <= 0) return;
    timer = setTimeout(() => {
      void round().finally(schedule);
    }, options.healthIntervalMs);
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
      if (started && !stopped) for (const runtime of added) void check(runtime);
    },
    get(id) {
      return phones.get(id);
    },
    list() {
      return [...phones.values()];
    },
    async check(id) {
      const runtime = phones.get(id);
      if (runtime === undefined) throw new Error(`unknown phone ${id}`);
      return check(runtime);
    },
    notify(event) {
      phones.get(event.phoneId)?.scanner?.notify(event);
    },
    start() {
      if (options.healthIntervalMs <= 0 || started) return;
      started = true;
      void round().finally(schedule);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      const all = [...phones.values()];
      phones.clear();
      await Promise.all(all.map(dispose));
    },
  };
}

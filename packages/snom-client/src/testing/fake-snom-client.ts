import type { PhoneInfo } from '../info-page.js';
import type { SnomClient } from '../snom-client.js';

/** One call the fake received: method name and its arguments. */
export interface FakeSnomClientCall {
  method: string;
  args: readonly unknown[];
}

/** Options of {@link createFakeSnomClient}. */
export interface FakeSnomClientOptions {
  /** What `info()` returns (default snom360 with a fixed MAC and firmware). */
  info?: PhoneInfo;
  /** Initial settings for `readSettings()`; `writeSettings` updates them. */
  settings?: Readonly<Record<string, string>>;
  /** Initial log text for `readLog()`; `clearLog()` empties it. */
  log?: string;
  /** Host used by `webConfigUrl()` (default 127.0.0.1). */
  host?: string;
}

/** An in-memory {@link SnomClient} that records calls; tests script failures with `failNext`. */
export interface FakeSnomClient extends SnomClient {
  /** Every call in order. */
  readonly calls: readonly FakeSnomClientCall[];
  /** Current settings (after writes). */
  readonly settings: ReadonlyMap<string, string>;
  /** Current log text; tests append with `appendLog`. */
  log: string;
  /** Append text to the log `readLog()` returns. */
  appendLog(text: string): void;
  /** The next call of `method` (or of any method with `'*'`) rejects with `error`. */
  failNext(method: keyof SnomClient | '*', error: unknown): void;
}

/**
 * A recording stand-in for `createSnomClient` for other packages' unit tests (log scanner,
 * daemon) that need no sockets. For wire-level tests use `@snomlink/snom-simulator`.
 */
export function createFakeSnomClient(options: FakeSnomClientOptions = {}): FakeSnomClient {
  const calls: FakeSnomClientCall[] = [];
  const settings = new Map(Object.entries(options.settings ?? {}));
  const failures: { method: string; error: unknown }[] = [];
  const host = options.host ?? '127.0.0.1';
  const info: PhoneInfo = options.info ?? {
    model: 'snom360',
    mac: '000413000001',
    firmware: '8.7.5.35',
  };

  const record = (method: string, args: readonly unknown[]): void => {
    calls.push({ method, args });
    const index = failures.findIndex((f) => f.method === method || f.method === '*');
    if (index !== -1) {
      const [failure] = failures.splice(index, 1);
      throw failure?.error;
    }
  };

  const fake: FakeSnomClient = {
    calls,
    settings,
    log: options.log ?? '',
    scheme: 'http',
    appendLog(text) {
      fake.log += text;
    },
    failNext(method, error) {
      failures.push({ method, error });
    },
    dial: (number, dialOptions) => run('dial', [number, dialOptions]),
    hangUp: () => run('hangUp', []),
    answer: () => run('answer', []),
    hold: () => run('hold', []),
    unhold: () => run('unhold', []),
    blindTransfer: (number) => run('blindTransfer', [number]),
    sendDtmf: (digits) => run('sendDtmf', [digits]),
    pressKeys: (keys) => run('pressKeys', [keys]),
    releaseAllCalls: () => run('releaseAllCalls', []),
    async writeSettings(values, writeOptions) {
      await run('writeSettings', [values, writeOptions]);
      for (const [k, v] of Object.entries(values)) settings.set(k, v);
    },
    async readSettings() {
      await run('readSettings', []);
      return Object.fromEntries(settings);
    },
    async info() {
      await run('info', []);
      return { ...info };
    },
    async readLog() {
      await run('readLog', []);
      return fake.log;
    },
    async clearLog() {
      await run('clearLog', []);
      fake.log = '';
    },
    webConfigUrl: () => `http://${host}/`,
    close: () => Promise.resolve(),
  };

  // eslint-disable-next-line @typescript-eslint/require-await -- async turns a throw into a rejection
  async function run(method: string, args: readonly unknown[]): Promise<void> {
    record(method, args);
  }

  return fake;
}

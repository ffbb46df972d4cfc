import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  formatSipLogEntry,
  scenarioPhases,
  wrapLogHtml,
  type CallScenario,
  type SipLogMessage,
} from './sip-log.js';

/** The four Action URL kinds a 190-class phone fires (without parameters). */
export type FakePhoneUrlKind = 'incoming' | 'outgoing' | 'offhook' | 'onhook';

/** Options of {@link createFakeLogPhone}. */
export interface FakeLogPhoneOptions {
  /** Parameterless Action URLs to fire, per kind (http://127.0.0.1:…). */
  readonly actionUrls?: Partial<Record<FakePhoneUrlKind, string>>;
  /** Log buffer size in characters; older text is dropped from the front. Default 65536. */
  readonly maxLogChars?: number;
  /** Delay between an Action URL and the matching log text becoming visible. Default 0. */
  readonly logLagMs?: number;
  readonly now?: () => number;
}

/** A tiny 190-class phone: serves `/log.htm` and fires parameterless Action URLs. */
export interface FakeLogPhone {
  listen(): Promise<{ host: string; port: number; url: string }>;
  close(): Promise<void>;
  /** Current log text. */
  readonly logText: string;
  /** HTTP requests received, by kind. */
  readonly counts: { logReads: number; logClears: number; other: number };
  /** Appends raw text to the log. */
  append(text: string): void;
  /** Writes a call phase to the log (after `logLagMs`) and fires an Action URL (awaited). */
  ring(scenario: Omit<CallScenario, 'direction' | 'outcome'>): Promise<void>;
  answer(): Promise<void>;
  hangUp(): Promise<void>;
  /** Caller gives up while ringing: CANCEL in the log, no Action URL (as a 190 does). */
  callerGivesUp(): Promise<void>;
  dial(scenario: Omit<CallScenario, 'direction' | 'outcome'>): Promise<void>;
  /** The far end answers a dialled call. */
  remoteAnswers(): Promise<void>;
}

/** A plain HTTP client for the fake phone (or any phone serving the same paths). */
export function createFakeLogClient(baseUrl: string): {
  readLog(): Promise<string>;
  clearLog(): Promise<void>;
} {
  return {
    readLog: () => httpGet(`${baseUrl}/log.htm`),
    clearLog: async () => {
      await httpGet(`${baseUrl}/log.htm?clear_log=1`);
    },
  };
}

/** GET over a fresh connection; rejects on status >= 400 or network errors. */
export function httpGet(url: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 400)
          reject(new Error(`HTTP ${String(res.statusCode)} from ${url}`));
        else resolve(body);
      });
      res.on('error', reject);
    });
    req.on('timeout', () =>
      req.destroy(new Error(`timeout after ${String(timeoutMs)} ms: ${url}`)),
    );
    req.on('error', reject);
    req.end();
  });
}

/** Creates a {@link FakeLogPhone}. */
export function createFakeLogPhone(options: FakeLogPhoneOptions = {}): FakeLogPhone {
  const maxChars = options.maxLogChars ?? 65536;
  const lag = options.logLagMs ?? 0;
  const now = options.now ?? Date.now;
  let text = '';
  const counts = { logReads: 0, logClears: 0, other: 0 };
  let phases: SipLogMessage[][] = [];
  let current: CallScenario | null = null;

  const append = (chunk: string): void => {
    text += chunk;
    if (text.length > maxChars) text = text.slice(text.length - maxChars);
  };
  const write = (messages: readonly SipLogMessage[]): void => {
    const chunk = messages.map((m) => formatSipLogEntry(m, now())).join('');
    if (lag > 0) {
      setTimeout(() => {
        append(chunk);
      }, lag);
    } else append(chunk);
  };
  const fire = async (kind: FakePhoneUrlKind): Promise<void> => {
    const url = options.actionUrls?.[kind];
    if (url !== undefined) await httpGet(url);
  };
  const start = async (s: CallScenario, kinds: FakePhoneUrlKind[]): Promise<void> => {
    current = s;
    phases = scenarioPhases(s);
    write(phases[0] ?? []);
    for (const k of kinds) await fire(k);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/log.htm' && url.searchParams.has('clear_log')) {
      counts.logClears += 1;
      text = '';
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>cleared</body></html>');
    } else if (url.pathname === '/log.htm') {
      counts.logReads += 1;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(wrapLogHtml(text));
    } else {
      counts.other += 1;
      res.writeHead(404).end();
    }
  });

  return {
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
          resolve();
        });
      });
      const { port } = server.address() as AddressInfo;
      return { host: '127.0.0.1', port, url: `http://127.0.0.1:${String(port)}` };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
    get logText() {
      return text;
    },
    counts,
    append,
    ring: (s) => start({ ...s, direction: 'incoming', outcome: 'answered' }, ['incoming']),
    dial: (s) =>
      start({ ...s, direction: 'outgoing', outcome: 'answered' }, ['offhook', 'outgoing']),
    async answer() {
      write(phases[1] ?? []);
      await fire('offhook');
    },
    async remoteAnswers() {
      write(phases[1] ?? []);
      await Promise.resolve();
    },
    async hangUp() {
      if (current !== null) write(scenarioPhases({ ...current, hangUpBy: 'local' })[2] ?? []);
      current = null;
      await fire('onhook');
    },
    async callerGivesUp() {
      if (current !== null) write(scenarioPhases({ ...current, outcome: 'missed' })[2] ?? []);
      current = null;
      await Promise.resolve();
    },
  };
}

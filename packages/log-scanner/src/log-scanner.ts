import { backoffDelay, type ActionEvent, type BackoffJitter } from '@snomlink/core';
import { LogReadError } from './errors.js';
import { createLogScanCursor, inferCallEvents, type LogScanCursor } from './infer-call-events.js';
import { parseLog, type ParseLogOptions } from './parse-log.js';
import type { ScanPriority, ScanScheduler } from './scan-scheduler.js';

/** Which page to read, when the scanner falls back from the configured one (see {@link LogPage}). */
export interface LogReadRequest {
  /** Path of the page to read instead of the configured one (`/sip_trace.htm`). */
  readonly path?: string;
  /** The most the scanner will look at; a source may stop reading after this many bytes. */
  readonly maxBytes?: number;
}

/** Which clear action to use, matching the page that was read. */
export interface LogClearRequest {
  readonly path?: string;
}

/**
 * What the scanner needs from a phone: `@snomlink/snom-client`'s `SnomClient` fits. Without an
 * argument the source reads its configured page; a source that can read other pages honours
 * `request.path` (the fallback list only helps then).
 */
export interface LogSource {
  readLog(request?: LogReadRequest): Promise<string>;
  clearLog(request?: LogClearRequest): Promise<void>;
}

/** A candidate log page and the request that clears it. */
export interface LogPage {
  readonly path: string;
  readonly clearPath: string;
}

/**
 * Pages tried, in order, when the configured log page answers 404. A GUESS: no public source
 * names the URLs of the snom log page, SIP trace page or clear action (snom-evidence.md §4).
 * The first one that answers is remembered for the phone.
 */
export const LIKELY_LOG_PAGES: readonly LogPage[] = [
  { path: '/log.htm', clearPath: '/log.htm?clear_log=1' },
  { path: '/sip_trace.htm', clearPath: '/sip_trace.htm?clear=1' },
  { path: '/siptrace.htm', clearPath: '/siptrace.htm?clear=1' },
  { path: '/syslog.htm', clearPath: '/syslog.htm?clear_log=1' },
];

/** The page a source reads when asked for none, unless configured otherwise (snom-client's default). */
export const DEFAULT_LOG_PATH = '/log.htm';

/** Default cap on the log text looked at per read: 256 KiB (a full snom buffer is about 64 KiB). */
export const DEFAULT_MAX_READ_CHARS = 256 * 1024;

/** Whether the phone's log could be read lately. */
export interface LogScannerStatus {
  readonly phoneId: string;
  readonly state: 'reachable' | 'unreachable';
  readonly consecutiveFailures: number;
  /** The last failure, null when reachable. */
  readonly lastError: LogReadError | null;
  /** Epoch ms of the change. */
  readonly at: number;
}

/** Counters for monitoring and the benchmark. */
export interface LogScannerStats {
  readonly reads: number;
  readonly clears: number;
  readonly failures: number;
  readonly events: number;
  /** Reads whose text was longer than `maxReadChars` and was cut to its newest part. */
  readonly truncatedReads: number;
}

/** Options of {@link createLogScanner}. */
export interface LogScannerOptions {
  readonly phoneId: string;
  readonly client: LogSource;
  /** Receives each inferred `log-scan` event once. Exceptions thrown here are swallowed. */
  readonly onEvent: (event: ActionEvent) => void;
  /** Poll interval while a call is live and nothing is awaited. Default 1500 (the xtelsio figure). */
  readonly intervalMs?: number;
  /**
   * Poll interval while every live call is connected and the handset is known to be off hook
   * (the onhook Action URL will announce the end anyway; polling then only catches a remote
   * hang-up sooner). Default `intervalMs`.
   */
  readonly connectedIntervalMs?: number;
  /** Delays of the quick re-reads after an Action URL, until the awaited fact shows. Default [100, 200, 400, 800]. */
  readonly burstDelaysMs?: readonly number[];
  /** Clear the phone's log after a call ended so the next read is small. Default true. */
  readonly clearAfterCall?: boolean;
  /**
   * Quiet time after the last call before the log is cleared (default 2000 ms). Any Action URL
   * in between cancels the clear, so a call that starts right after another is not wiped from the
   * log before it was read. 0 clears at once.
   */
  readonly clearDelayMs?: number;
  /** Shared slots for phone requests; without one the scanner reads whenever it wants. */
  readonly scheduler?: ScanScheduler;
  /** Called when the phone becomes unreachable or reachable again. */
  readonly onStatus?: (status: LogScannerStatus) => void;
  /**
   * Retry backoff for an unreachable phone (core's `backoffDelay`): the delay cap doubles from
   * `initialMs` up to `maxMs` (default 1000 / 60000), and each delay is drawn from its upper half
   * (`jitter: 'equal'`, default) so phones that went down together are not retried in lockstep;
   * `jitter: 'none'` waits the cap exactly. `random` replaces `Math.random` (tests).
   */
  readonly retry?: {
    readonly initialMs?: number;
    readonly maxMs?: number;
    readonly jitter?: BackoffJitter;
    readonly random?: () => number;
  };
  /** Consecutive failures before the phone is reported unreachable. Default 2. */
  readonly unreachableAfter?: number;
  /** Stop polling for a call that never shows in the log after this long. Default 60000. */
  readonly announceTimeoutMs?: number;
  /** A call still not disconnected this long after onhook is given up. Default 10000. */
  readonly onhookSettleMs?: number;
  /** A ringing call not seen to end is given up after this long. Default 300000. */
  readonly setupTimeoutMs?: number;
  /**
   * Pages tried when the configured one answers 404 (default {@link LIKELY_LOG_PAGES}, a guess);
   * the one that works is remembered. `[]` turns the fallback off.
   */
  readonly fallbackLogPages?: readonly LogPage[];
  /**
   * Path of the page the source reads when asked for none (snom-client's `logPath`). Default
   * `/log.htm`, snom-client's default. A fallback page with this path is skipped: it was just
   * asked and answered 404.
   */
  readonly configuredLogPath?: string;
  /**
   * The most log text parsed per read (default 256 KiB): a longer page is cut to its newest part
   * at a line break, so a huge or hostile page cannot stall the process.
   */
  readonly maxReadChars?: number;
  /** Parser options, e.g. your own `messageStartPatterns` for another log format. */
  readonly parse?: ParseLogOptions;
  /** Calls the cursor remembers. Default 256. */
  readonly maxRememberedCalls?: number;
  /** Clock for `receivedAt` and timeouts. Default `Date.now`. */
  readonly now?: () => number;
  /** Timer functions (default the global ones); inject a virtual clock for simulations. */
  readonly timers?: ScannerTimers;
}

/** The two timer functions the scanner uses. */
export interface ScannerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** A per-phone log scanner, driven by the phone's parameterless Action URL events. */
export interface LogScanner {
  readonly phoneId: string;
  /** Feed the phone's Action URL events (`incoming`, `outgoing`, `offhook`, `onhook`). */
  notify(event: ActionEvent): void;
  /** Reads the log now (outside the event-driven schedule); resolves after the events went out. */
  scanNow(): Promise<void>;
  /** Subscribes to reachability changes; returns an unsubscribe function. */
  onStatus(listener: (status: LogScannerStatus) => void): () => void;
  /** Stops all timers; resolves when an in-flight read has finished. */
  stop(): Promise<void>;
  readonly status: LogScannerStatus;
  /** Whether the scanner currently thinks a call is live (and polls). */
  readonly live: boolean;
  readonly cursor: LogScanCursor;
  readonly stats: LogScannerStats;
  /** The fallback page that answered, remembered for this phone; null while the configured page is used. */
  readonly logPage: LogPage | null;
}

/** True when a read failed because the page does not exist (a 404 anywhere in the cause chain). */
function isNotFound(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth += 1) {
    if ((e as { status?: unknown }).status === 404) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The newest `max` characters of `text`, starting at a line break when there is one. */
export function newestPart(text: string, max: number): string {
  if (text.length <= max) return text;
  const tail = text.slice(text.length - max);
  const nl = tail.indexOf('\n');
  return nl >= 0 && nl < tail.length - 1 ? tail.slice(nl + 1) : tail;
}

interface LiveCall {
  readonly callId: string;
  connected: boolean;
  readonly since: number;
}

type Await =
  | { readonly type: 'announce'; readonly since: number; readonly baseline: number }
  | { readonly type: 'connected'; readonly since: number; readonly callId: string }
  | { readonly type: 'ended'; readonly since: number };

/**
 * Creates a log scanner for one phone. It reads only when something happens: at once on an
 * incoming/outgoing/offhook Action URL, then with a short backoff until the caller (or the
 * awaited state) shows in the log; at `intervalMs` only while a call is live; a final read on
 * onhook; then it clears the log (configurable) and goes quiet. A phone that does not answer
 * is retried with exponential backoff and reported through `onStatus`.
 */
export function createLogScanner(options: LogScannerOptions): LogScanner {
  const { phoneId, client } = options;
  const now = options.now ?? Date.now;
  const intervalMs = Math.max(1, options.intervalMs ?? 1500);
  const connectedIntervalMs = Math.max(1, options.connectedIntervalMs ?? intervalMs);
  const burst = options.burstDelaysMs ?? [100, 200, 400, 800];
  const clearAfterCall = options.clearAfterCall ?? true;
  const clearDelayMs = Math.max(0, options.clearDelayMs ?? 2000);
  const retryInitial = Math.max(1, options.retry?.initialMs ?? 1000);
  const retryMax = Math.max(retryInitial, options.retry?.maxMs ?? 60000);
  const retryBackoff = {
    baseMs: retryInitial,
    maxMs: retryMax,
    jitter: options.retry?.jitter ?? 'equal',
    ...(options.retry?.random === undefined ? {} : { random: options.retry.random }),
  } as const;
  const unreachableAfter = Math.max(1, options.unreachableAfter ?? 2);
  const announceTimeoutMs = options.announceTimeoutMs ?? 60000;
  const onhookSettleMs = options.onhookSettleMs ?? 10000;
  const setupTimeoutMs = options.setupTimeoutMs ?? 300000;
  const configuredLogPath = options.configuredLogPath ?? DEFAULT_LOG_PATH;
  const fallbackPages = (options.fallbackLogPages ?? LIKELY_LOG_PAGES).filter(
    (candidate) => candidate.path !== configuredLogPath,
  );
  const maxReadChars = Math.max(1024, options.maxReadChars ?? DEFAULT_MAX_READ_CHARS);

  const listeners = new Set<(s: LogScannerStatus) => void>();
  if (options.onStatus) listeners.add(options.onStatus);

  let cursor = createLogScanCursor();
  let stopped = false;
  let offhook = false;
  let onhookAt: number | null = null;
  const liveCalls = new Map<string, LiveCall>();
  let awaiting: Await | null = null;
  let burstIndex = 0;
  let announces = 0;
  let endedSinceClear = 0;
  const timers: ScannerTimers = options.timers ?? {
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => {
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
  let timer: unknown = null;
  let inFlight: Promise<void> | null = null;
  let rereadRequested = false;
  let failures = 0;
  /** The fallback page that worked for this phone (null: the configured page). */
  let page: LogPage | null = null;
  let status: LogScannerStatus = {
    phoneId,
    state: 'reachable',
    consecutiveFailures: 0,
    lastError: null,
    at: now(),
  };
  const stats = { reads: 0, clears: 0, failures: 0, events: 0, truncatedReads: 0 };

  const setStatus = (next: LogScannerStatus): void => {
    status = next;
    for (const l of listeners) {
      try {
        l(next);
      } catch {
        // A listener's failure must not stop the scanner.
      }
    }
  };

  const recordFailure = (operation: 'read' | 'clear', cause: unknown): void => {
    failures += 1;
    stats.failures += 1;
    const error = new LogReadError(
      `could not ${operation === 'read' ? 'read' : 'clear'} the log of phone ${phoneId} (attempt ${failures}); ` +
        'check that the phone is on and reachable; the scanner retries by itself',
      { phoneId, operation, attempt: failures, cause },
    );
    if (status.state === 'unreachable') {
      // Already reported: keep the details current without notifying again.
      status = { ...status, consecutiveFailures: failures, lastError: error };
    } else if (failures >= unreachableAfter) {
      setStatus({
        phoneId,
        state: 'unreachable',
        consecutiveFailures: failures,
        lastError: error,
        at: now(),
      });
    }
  };

  const recordSuccess = (): void => {
    const wasUnreachable = status.state === 'unreachable';
    failures = 0;
    if (wasUnreachable) {
      setStatus({
        phoneId,
        state: 'reachable',
        consecutiveFailures: 0,
        lastError: null,
        at: now(),
      });
    }
  };

  const awaitedFactShown = (): boolean => {
    if (awaiting === null) return true;
    switch (awaiting.type) {
      case 'announce':
        return announces > awaiting.baseline;
      case 'connected': {
        const call = liveCalls.get(awaiting.callId);
        return call === undefined || call.connected;
      }
      case 'ended':
        return ![...liveCalls.values()].some((c) => c.connected);
    }
  };

  /** Drops calls that will not be seen to end, so polling stops. */
  const expire = (t: number): void => {
    if (awaiting?.type === 'announce' && t - awaiting.since >= announceTimeoutMs) awaiting = null;
    for (const call of [...liveCalls.values()]) {
      const abandonedByOnhook =
        call.connected && !offhook && onhookAt !== null && t - onhookAt >= onhookSettleMs;
      const setupExpired = !call.connected && t - call.since >= setupTimeoutMs;
      if (abandonedByOnhook || setupExpired) liveCalls.delete(call.callId);
    }
  };

  const isRunning = (): boolean => !stopped;
  const wasRereadRequested = (): boolean => rereadRequested;
  const isLive = (): boolean => offhook || liveCalls.size > 0 || awaiting !== null;

  const clearTimer = (): void => {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
  };

  const arm = (delayMs: number): void => {
    clearTimer();
    if (stopped) return;
    timer = timers.setTimeout(() => {
      timer = null;
      startRead(burstIndex > 0 && awaiting !== null ? 'high' : 'normal');
    }, delayMs);
  };

  const handleEvents = (events: readonly ActionEvent[]): void => {
    const t = now();
    for (const event of events) {
      const id = event.params.callId;
      if (id !== undefined) {
        if (event.kind === 'incoming' || event.kind === 'outgoing') {
          announces += 1;
          liveCalls.set(id, { callId: id, connected: false, since: t });
        } else if (event.kind === 'connected') {
          const call = liveCalls.get(id);
          if (call) call.connected = true;
        } else if (event.kind === 'disconnected') {
          if (liveCalls.delete(id)) endedSinceClear += 1;
        }
      }
      stats.events += 1;
      try {
        options.onEvent(event);
      } catch {
        // The consumer's failure must not lose later events.
      }
    }
  };

  const readFrom = (candidate: LogPage | null, priority: ScanPriority): Promise<string> => {
    const request: LogReadRequest =
      candidate === null
        ? { maxBytes: maxReadChars }
        : { path: candidate.path, maxBytes: maxReadChars };
    const read = (): Promise<string> => client.readLog(request);
    return options.scheduler ? options.scheduler.run(read, { priority }) : read();
  };

  /**
   * Reads the remembered page; when it answers 404, tries the configured page and then the
   * fallback list once each, and remembers the first that answers.
   */
  const readPage = async (priority: ScanPriority): Promise<string> => {
    try {
      return await readFrom(page, priority);
    } catch (first) {
      if (!isNotFound(first) || fallbackPages.length === 0) throw first;
      const candidates: (LogPage | null)[] = [null, ...fallbackPages].filter((c) => c !== page);
      for (const candidate of candidates) {
        if (stopped) break;
        try {
          const text = await readFrom(candidate, priority);
          page = candidate;
          return text;
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      throw first;
    }
  };

  const readOnce = async (priority: ScanPriority): Promise<boolean> => {
    let text: string;
    try {
      text = await readPage(priority);
      stats.reads += 1;
    } catch (e) {
      recordFailure('read', e);
      return false;
    }
    if (text.length > maxReadChars) {
      stats.truncatedReads += 1;
      text = newestPart(text, maxReadChars);
    }
    recordSuccess();
    if (stopped) return true;
    const parsed = parseLog(text, options.parse);
    const inferOptions =
      options.maxRememberedCalls === undefined
        ? { phoneId, now: now() }
        : { phoneId, now: now(), maxCalls: options.maxRememberedCalls };
    const result = inferCallEvents(parsed.records, cursor, inferOptions);
    cursor = result.cursor;
    handleEvents(result.events);
    return true;
  };

  const clearLog = async (): Promise<void> => {
    try {
      const clear = (): Promise<void> =>
        page === null ? client.clearLog() : client.clearLog({ path: page.clearPath });
      await (options.scheduler ? options.scheduler.run(clear, { priority: 'normal' }) : clear());
      stats.clears += 1;
      endedSinceClear = 0;
      recordSuccess();
    } catch (e) {
      // Clearing only saves traffic; the next call's reads still work on a full log.
      recordFailure('clear', e);
    }
  };

  /** Decides what to do after a read: re-read, burst, poll, clear and rest, or retry. */
  const next = async (ok: boolean): Promise<void> => {
    if (stopped) return;
    if (!ok) {
      arm(backoffDelay(failures - 1, retryBackoff));
      return;
    }
    if (rereadRequested) {
      rereadRequested = false;
      arm(0);
      return;
    }
    const t = now();
    if (awaitedFactShown()) {
      awaiting = null;
      burstIndex = 0;
    }
    expire(t);
    if (awaiting !== null && burstIndex < burst.length) {
      arm(burst[burstIndex++] ?? intervalMs);
      return;
    }
    if (isLive()) {
      const settled =
        offhook &&
        awaiting === null &&
        liveCalls.size > 0 &&
        [...liveCalls.values()].every((c) => c.connected);
      arm(settled ? connectedIntervalMs : intervalMs);
      return;
    }
    burstIndex = 0;
    onhookAt = null;
    if (clearAfterCall && endedSinceClear > 0) {
      if (clearDelayMs > 0) {
        // Cancelled by the next notify (startRead clears the timer).
        clearTimer();
        timer = timers.setTimeout(() => {
          timer = null;
          startClear();
        }, clearDelayMs);
        return;
      }
      await clearAndResume();
    }
  };

  const clearAndResume = async (): Promise<void> => {
    await clearLog();
    // A notify may have arrived while the clear was on its way.
    if (isRunning() && (isLive() || wasRereadRequested())) {
      rereadRequested = false;
      arm(0);
    }
  };

  const startClear = (): void => {
    if (stopped || inFlight !== null || isLive()) return;
    inFlight = (async () => {
      await clearAndResume();
      inFlight = null;
    })();
  };

  const startRead = (priority: ScanPriority): void => {
    if (stopped) return;
    if (inFlight !== null) {
      rereadRequested = true;
      return;
    }
    clearTimer();
    inFlight = (async () => {
      const ok = await readOnce(priority);
      await next(ok);
      inFlight = null;
    })();
  };

  const scanner: LogScanner = {
    phoneId,
    notify(event: ActionEvent): void {
      if (stopped || event.phoneId !== phoneId || event.source !== 'action-url') return;
      const t = now();
      switch (event.kind) {
        case 'incoming':
        case 'outgoing':
          awaiting = { type: 'announce', since: t, baseline: announces };
          break;
        case 'offhook': {
          offhook = true;
          onhookAt = null;
          const ringing = [...liveCalls.values()].find((c) => !c.connected);
          awaiting =
            ringing !== undefined
              ? { type: 'connected', since: t, callId: ringing.callId }
              : liveCalls.size === 0
                ? { type: 'announce', since: t, baseline: announces }
                : null;
          break;
        }
        case 'onhook':
          offhook = false;
          onhookAt = t;
          awaiting = { type: 'ended', since: t };
          break;
        default:
          return;
      }
      burstIndex = 0;
      // An Action URL proves the phone is up, so read at once even while backing off.
      startRead('high');
    },
    async scanNow(): Promise<void> {
      if (stopped) return;
      if (inFlight !== null) await inFlight;
      clearTimer();
      const p = (async () => {
        const ok = await readOnce('high');
        await next(ok);
        inFlight = null;
      })();
      inFlight = p;
      await p;
    },
    onStatus(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimer();
      if (inFlight !== null) await inFlight;
    },
    get status() {
      return status;
    },
    get live() {
      return isLive();
    },
    get cursor() {
      return cursor;
    },
    get stats() {
      return { ...stats };
    },
    get logPage() {
      return page;
    },
  };
  return scanner;
}

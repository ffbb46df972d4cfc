import type { ActionEvent } from '@snomlink/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogScanner, type LogScannerOptions, type LogScannerStatus } from './log-scanner.js';
import { createScanScheduler } from './scan-scheduler.js';
import {
  formatSipLogEntry,
  scenarioPhases,
  wrapLogHtml,
  type CallScenario,
} from './testing/sip-log.js';

/** An in-memory phone log: tests append call phases and count requests. */
function fakeLog() {
  let text = '';
  let down = false;
  const phone = {
    reads: 0,
    clears: 0,
    readTimes: [] as number[],
    get text() {
      return text;
    },
    set down(v: boolean) {
      down = v;
    },
    write(...phases: (readonly Parameters<typeof formatSipLogEntry>[0][])[]) {
      text += phases
        .flat()
        .map((m) => formatSipLogEntry(m))
        .join('');
    },
    client: {
      readLog: async (): Promise<string> => {
        await Promise.resolve();
        if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:80');
        phone.reads += 1;
        phone.readTimes.push(Date.now());
        return wrapLogHtml(text);
      },
      clearLog: async (): Promise<void> => {
        await Promise.resolve();
        if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:80');
        phone.clears += 1;
        text = '';
      },
    },
  };
  return phone;
}

const call: CallScenario = {
  callId: 'c1@pbx.example',
  direction: 'incoming',
  remote: '+4930123456',
  display: 'Anna Müller',
  outcome: 'answered',
};

const urlEvent = (kind: ActionEvent['kind'], phoneId = 'p1'): ActionEvent => ({
  phoneId,
  kind,
  source: 'action-url',
  receivedAt: Date.now(),
  params: {},
});

function setup(overrides: Partial<LogScannerOptions> = {}) {
  const phone = fakeLog();
  const events: ActionEvent[] = [];
  const statuses: LogScannerStatus[] = [];
  const scanner = createLogScanner({
    phoneId: 'p1',
    client: phone.client,
    onEvent: (e) => events.push(e),
    onStatus: (s) => statuses.push(s),
    ...overrides,
  });
  return { phone, events, statuses, scanner };
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 10, 26, 12) });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createLogScanner', () => {
  it('reads at once on a parameterless incoming and emits the caller', async () => {
    const { phone, events, scanner } = setup();
    const [ring] = scenarioPhases(call);
    phone.write(ring!);
    scanner.notify(urlEvent('incoming'));
    await vi.advanceTimersByTimeAsync(0);
    expect(phone.reads).toBe(1);
    expect(events).toEqual([
      {
        phoneId: 'p1',
        kind: 'incoming',
        source: 'log-scan',
        receivedAt: Date.now(),
        params: {
          callId: 'c1@pbx.example',
          remote: 'sip:+4930123456@pbx.example',
          displayRemote: 'Anna Müller',
          local: 'sip:201@pbx.example',
        },
      },
    ]);
    await scanner.stop();
  });

  it('re-reads with a short backoff until the caller shows, then polls at the interval', async () => {
    const { phone, events, scanner } = setup();
    const start = Date.now();
    scanner.notify(urlEvent('incoming'));
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(100 + 200);
    expect(phone.readTimes.map((t) => t - start)).toEqual([0, 100, 300]);
    expect(events).toHaveLength(0);
    phone.write(scenarioPhases(call)[0]!); // the INVITE reaches the log late
    await vi.advanceTimersByTimeAsync(400);
    expect(events.map((e) => e.kind)).toEqual(['incoming']);
    // Ringing is a live call: poll at 1500 ms, no more bursts.
    await vi.advanceTimersByTimeAsync(3000);
    expect(phone.readTimes.map((t) => t - start)).toEqual([0, 100, 300, 700, 2200, 3700]);
    expect(events).toHaveLength(1);
    await scanner.stop();
  });

  it('follows a call to its end, clears the log once and then stops reading', async () => {
    const { phone, events, scanner } = setup();
    const [ring, answer, end] = scenarioPhases(call);
    phone.write(ring!);
    scanner.notify(urlEvent('incoming'));
    await vi.advanceTimersByTimeAsync(0);
    phone.write(answer!);
    scanner.notify(urlEvent('offhook'));
    await vi.advanceTimersByTimeAsync(0);
    expect(events.map((e) => e.kind)).toEqual(['incoming', 'connected']);
    await vi.advanceTimersByTimeAsync(10_000); // a 10 s conversation: interval polls
    const readsDuringCall = phone.reads;
    expect(readsDuringCall).toBeGreaterThanOrEqual(7);
    phone.write(end!);
    scanner.notify(urlEvent('onhook'));
    await vi.advanceTimersByTimeAsync(0);
    expect(events.map((e) => e.kind)).toEqual(['incoming', 'connected', 'disconnected']);
    expect(new Set(events.map((e) => e.params.callId))).toEqual(new Set(['c1@pbx.example']));
    // The clear waits for a quiet time (clearDelayMs, 2 s) so a next call is not wiped.
    expect(phone.clears).toBe(0);
    await vi.advanceTimersByTimeAsync(2000);
    expect(phone.clears).toBe(1);
    expect(phone.text).toBe('');
    expect(scanner.live).toBe(false);
    const readsAtEnd = phone.reads;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(phone.reads).toBe(readsAtEnd);
    expect(events).toHaveLength(3);
    await scanner.stop();
  });

  it('a missed call on a 190 (no onhook ever) ends by the log alone', async () => {
    const { phone, events, scanner } = setup();
    const missed: CallScenario = { ...call, outcome: 'missed' };
    const [ring, , end] = scenarioPhases(missed);
    phone.write(ring!);
    scanner.notify(urlEvent('incoming'));
    await vi.advanceTimersByTimeAsync(4000);
    phone.write(end!);
    await vi.advanceTimersByTimeAsync(1500);
    expect(events.map((e) => e.kind)).toEqual(['incoming', 'disconnected']);
    await vi.advanceTimersByTimeAsync(2000); // the quiet time before the clear
    expect(phone.clears).toBe(1);
    const reads = phone.reads;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(phone.reads).toBe(reads);
    await scanner.stop();
  });

  it('keeps the log when clearAfterCall is false', async () => {
    const { phone, scanner } = setup({ clearAfterCall: false });
    phone.write(...scenarioPhases({ ...call, outcome: 'rejected' }));
    scanner.notify(urlEvent('incoming'));
    await vi.advanceTimersByTimeAsync(5000);
    expect(phone.clears).toBe(0);
    expect(phone.text).not.toBe('');
    await scanner.stop();
  });

  it('ignores other phones and its own log-scan events', async () => {
    const { phone, scanner } = setup();
    scanner.notify(urlEvent('incoming', 'p2'));
    scanner.notify({ ...urlEvent('incoming'), source: 'log-scan' });
    await vi.advanceTimersByTimeAsync(5000);
    expect(phone.reads).toBe(0);
    await scanner.stop();
  });

  it('gives up on a call that never shows in the log', async () => {
    const { phone, scanner } = setup({ announceTimeoutMs: 10_000 });
    scanner.notify(urlEvent('incoming'));
    await vi.advanceTimersByTimeAsync(12_000);
    const reads = phone.reads;
    expect(scanner.live).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(phone.reads).toBe(reads);
    await scanner.stop();
  });

  it('backs off exponentially while the phone is down, reports it, and recovers by itself', async () => {
    const { phone, events, statuses, scanner } = setup({
      retry: { initialMs: 1000, maxMs: 8000, jitter: 'none' },
    });
    const attempts: number[] = [];
    const read = phone.client.readLog;
    phone.client.readLog = () => {
      attempts.push(Date.now());
      return read();
    };
    const start = Date.now();
    phone.down = true;
    scanner.notify(urlEvent('incoming'));
    await vi.advanceTimersByTimeAsync(0);
    expect(statuses).toHaveLength(0); // one failure is not yet "unreachable"
    await vi.advanceTimersByTimeAsync(1000 + 2000 + 4000 + 8000 + 8000);
    expect(attempts.map((t) => t - start)).toEqual([0, 1000, 3000, 7000, 15000, 23000]);
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({
      phoneId: 'p1',
      state: 'unreachable',
      consecutiveFailures: 2,
    });
    expect(statuses[0]?.lastError?.name).toBe('LogReadError');
    expect(scanner.status.consecutiveFailures).toBe(6);
    phone.down = false;
    phone.write(scenarioPhases(call)[0]!);
    await vi.advanceTimersByTimeAsync(8000);
    expect(statuses.at(-1)).toMatchObject({ state: 'reachable', consecutiveFailures: 0 });
    expect(events.map((e) => e.kind)).toEqual(['incoming']);
    await scanner.stop();
  });

  it('retry delays are jittered into the upper half of each step by default (core backoffDelay)', async () => {
    const draws = [0, 1, 0.5, 0, 1];
    const { phone, scanner } = setup({
      retry: { initialMs: 1000, maxMs: 8000, random: () => draws.shift() ?? 0 },
    });
    const attempts: number[] = [];
    const read = phone.client.readLog;
    phone.client.readLog = () => {
      attempts.push(Date.now());
      return read();
    };
    const start = Date.now();
    phone.down = true;
    scanner.notify(urlEvent('incoming'));
    await vi.advanceTimersByTimeAsync(30_000);
    // Caps 1000, 2000, 4000, 8000, 8000; delays 500, 2000, 3000, 4000, 8000.
    expect(attempts.map((t) => t - start).slice(0, 6)).toEqual([0, 500, 2500, 5500, 9500, 17500]);
    await scanner.stop();
  });

  it('an Action URL while backing off reads at once (the phone just proved it is up)', async () => {
    const { phone, events, scanner } = setup({ retry: { initialMs: 30_000 } });
    phone.down = true;
    scanner.notify(urlEvent('incoming'));
    await vi.advanceTimersByTimeAsync(0);
    phone.down = false;
    phone.write(scenarioPhases(call)[0]!);
    scanner.notify(urlEvent('offhook'));
    await vi.advanceTimersByTimeAsync(0);
    expect(events.map((e) => e.kind)).toEqual(['incoming']);
    await scanner.stop();
  });

  it('stop() ends all reading', async () => {
    const { phone, scanner } = setup();
    phone.write(scenarioPhases(call)[0]!);
    scanner.notify(urlEvent('incoming'));
    await vi.advanceTimersByTimeAsync(0);
    await scanner.stop();
    const reads = phone.reads;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(phone.reads).toBe(reads);
  });

  it('scanners sharing a scheduler never exceed its concurrency', async () => {
    const scheduler = createScanScheduler({ concurrency: 3 });
    let inFlight = 0;
    let peak = 0;
    const all: ActionEvent[] = [];
    // Each read hangs until the test releases it, so reads overlap for as long as the test
    // decides (no simulated latency): while three hang, a fourth must not start.
    const held: (() => void)[] = [];
    const gate = { open: false };
    const scanners = Array.from({ length: 50 }, (_, i) => {
      const text = wrapLogHtml(
        scenarioPhases({ ...call, callId: `c${i}` })[0]!
          .map((m) => formatSipLogEntry(m))
          .join(''),
      );
      return createLogScanner({
        phoneId: `p${i}`,
        scheduler,
        onEvent: (e) => all.push(e),
        client: {
          readLog: async () => {
            inFlight += 1;
            peak = Math.max(peak, inFlight);
            if (!gate.open) await new Promise<void>((release) => held.push(release));
            inFlight -= 1;
            return text;
          },
          clearLog: () => Promise.resolve(),
        },
      });
    });
    for (const [i, s] of scanners.entries()) s.notify(urlEvent('incoming', `p${i}`));
    const phonesRead = (): number => new Set(all.map((e) => e.phoneId)).size;
    for (let step = 0; step < 1000 && phonesRead() < 50; step++) {
      await vi.advanceTimersByTimeAsync(10);
      expect(inFlight).toBeLessThanOrEqual(3);
      for (const release of held.splice(0)) release();
    }
    gate.open = true;
    for (const release of held.splice(0)) release();
    expect(peak).toBe(3);
    expect(scheduler.peakActive).toBe(3);
    expect(new Set(all.map((e) => e.phoneId)).size).toBe(50);
    expect(all.every((e) => e.kind === 'incoming')).toBe(true);
    await Promise.all(scanners.map((s) => s.stop()));
  });
});

describe('createLogScanner: clearing the log', () => {
  it('a call that starts during the quiet time cancels the clear and is read from the log', async () => {
    const { phone, events, scanner } = setup();
    const first = scenarioPhases({ ...call, outcome: 'missed' });
    phone.write(first[0]!);
    scanner.notify(urlEvent('incoming'));
    await vi.advanceTimersByTimeAsync(0);
    phone.write(first[2]!);
    await vi.advanceTimersByTimeAsync(1500);
    expect(events.map((e) => e.kind)).toEqual(['incoming', 'disconnected']);
    // 100 ms after the first call ended, the next one rings.
    await vi.advanceTimersByTimeAsync(100);
    const second = scenarioPhases({ ...call, callId: 'c2@pbx.example', outcome: 'missed' });
    phone.write(second[0]!);
    scanner.notify(urlEvent('incoming'));
    await vi.advanceTimersByTimeAsync(0);
    expect(phone.clears).toBe(0);
    expect(events.map((e) => [e.kind, e.params.callId])).toContainEqual([
      'incoming',
      'c2@pbx.example',
    ]);
    phone.write(second[2]!);
    await vi.advanceTimersByTimeAsync(5000);
    expect(phone.clears).toBe(1);
    await scanner.stop();
  });

  it('clearDelayMs: 0 clears as soon as the last call ended', async () => {
    const { phone, scanner } = setup({ clearDelayMs: 0 });
    const [ring, , end] = scenarioPhases({ ...call, outcome: 'missed' });
    phone.write(ring!);
    scanner.notify(urlEvent('incoming'));
    await vi.advanceTimersByTimeAsync(0);
    phone.write(end!);
    await vi.advanceTimersByTimeAsync(1500);
    expect(phone.clears).toBe(1);
    await scanner.stop();
  });
});

describe('createLogScanner: log page fallback and read cap', () => {
  /** A phone that serves its log only at `servedAt`; other paths answer 404 like SnomHttpError. */
  function pagedPhone(servedAt: string | undefined) {
    const [ring] = scenarioPhases(call);
    const text = ring!.map((m) => formatSipLogEntry(m)).join('');
    const reads: (string | undefined)[] = [];
    const clears: (string | undefined)[] = [];
    const notFound = (path: string | undefined): Error =>
      Object.assign(new Error(`phone answered 404 to ${path ?? 'the log page'}`), {
        status: 404,
      });
    const client = {
      readLog: async (request?: { path?: string }): Promise<string> => {
        await Promise.resolve();
        reads.push(request?.path);
        if (request?.path !== servedAt) throw notFound(request?.path);
        return wrapLogHtml(text);
      },
      clearLog: async (request?: { path?: string }): Promise<void> => {
        await Promise.resolve();
        clears.push(request?.path);
      },
    };
    return { client, reads, clears };
  }

  it('tries the likely pages when the configured one answers 404 and remembers the one that worked', async () => {
    const phone = pagedPhone('/sip_trace.htm');
    const { events, scanner } = setup({ client: phone.client, burstDelaysMs: [] });
    scanner.notify(urlEvent('incoming'));
    await vi.advanceTimersByTimeAsync(0);
    expect(events.map((e) => e.params.remote)).toEqual(['sip:+4930123456@pbx.example']);
    expect(phone.reads).toEqual([undefined, '/log.htm', '/sip_trace.htm']);
    expect(scanner.logPage).toEqual({
      path: '/sip_trace.htm',
      clearPath: '/sip_trace.htm?clear=1',
    });
    await scanner.scanNow();
    expect(phone.reads.slice(3)).toEqual(['/sip_trace.htm']);
    expect(scanner.status.state).toBe('reachable');
    await scanner.stop();
  });

  it('keeps reading the configured page when it answers, and reports failure when no page exists', async () => {
    const ok = pagedPhone(undefined);
    const first = setup({ client: ok.client });
    await first.scanner.scanNow();
    expect(ok.reads).toEqual([undefined]);
    expect(first.scanner.logPage).toBeNull();
    await first.scanner.stop();

    const none = pagedPhone('/nowhere.htm');
    const second = setup({ client: none.client, unreachableAfter: 1 });
    await second.scanner.scanNow();
    expect(none.reads).toEqual([
      undefined,
      '/log.htm',
      '/sip_trace.htm',
      '/siptrace.htm',
      '/syslog.htm',
    ]);
    expect(second.scanner.status.state).toBe('unreachable');
    expect(second.scanner.logPage).toBeNull();
    await second.scanner.stop();
  });

  it('does not fall back when the list is empty', async () => {
    const phone = pagedPhone('/sip_trace.htm');
    const { scanner } = setup({ client: phone.client, fallbackLogPages: [] });
    await scanner.scanNow();
    expect(phone.reads).toEqual([undefined]);
    await scanner.stop();
  });

  it('parses only the newest maxReadChars of a huge page and still finds the newest call', async () => {
    const [ring] = scenarioPhases(call);
    const junk = 'x'.repeat(200).concat('\n').repeat(20_000); // ~4 MB of text lines
    const page = `${junk}${ring!.map((m) => formatSipLogEntry(m)).join('')}`;
    const requests: (number | undefined)[] = [];
    const { events, scanner } = setup({
      maxReadChars: 64 * 1024,
      client: {
        readLog: (request?: { maxBytes?: number }) => {
          requests.push(request?.maxBytes);
          return Promise.resolve(page);
        },
        clearLog: () => Promise.resolve(),
      },
    });
    await scanner.scanNow();
    expect(requests).toEqual([64 * 1024]);
    expect(scanner.stats.truncatedReads).toBe(1);
    expect(events.map((e) => e.kind)).toEqual(['incoming']);
    await scanner.stop();
  });
});

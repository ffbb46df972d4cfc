import type { FiredActionUrl } from '@snomlink/snom-simulator';
import type { ClusterPhone } from './cluster-phone.js';

/** One call a simulated phone made, with every Action URL it fired for it. */
export interface PlacedCall {
  readonly phoneId: string;
  /** SIP Call-ID (the journal's `sipCallId`). */
  readonly callId: string;
  readonly startedAt: number;
  /** Action URLs of this call as the phone sent them (status null = not delivered). */
  readonly urls: FiredActionUrl[];
  /** A simulator error while driving the call (the call may still have ended on the phone). */
  error: string | null;
  /** True once the phone's side of the call is over. */
  ended: boolean;
}

/** Whether every Action URL of the call got a 200: the cluster promised to keep all of them. */
export function acceptedCall(call: PlacedCall): boolean {
  return call.ended && call.urls.length > 0 && call.urls.every((u) => u.status === 200);
}

/** Options of {@link startCallLoad}. */
export interface CallLoadOptions {
  /** New calls per second over all phones (default 8). */
  readonly ratePerSecond?: number;
  /** How long an answered call talks (default 300 ms). */
  readonly talkMs?: number;
}

/** Calls running against the cluster until `stop`. */
export interface CallLoad {
  readonly calls: readonly PlacedCall[];
  /**
   * Resolves once `n` more calls than now ended with every Action URL accepted; rejects after
   * `timeoutMs` with how many did. Event-driven: it is checked as each call ends.
   */
  moreAccepted(n: number, timeoutMs: number): Promise<void>;
  /** Stops starting calls, waits for the running ones and for every queued Action URL. */
  stop(): Promise<PlacedCall[]>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Places one call on a phone: rings (incoming with a unique Call-ID), is answered, talks for
 * `talkMs`, hangs up. Every Action URL the phone fires for that Call-ID is recorded.
 */
export async function placeCall(
  phone: ClusterPhone,
  callId: string,
  talkMs = 300,
): Promise<PlacedCall> {
  const call: PlacedCall = {
    phoneId: phone.id,
    callId,
    startedAt: Date.now(),
    urls: [],
    error: null,
    ended: false,
  };
  const off = phone.phone.on('action-url', (fired) => {
    if (fired.callId === callId) call.urls.push(fired);
  });
  try {
    await phone.phone.ring('+4930555' + String(Math.floor(Math.random() * 1e6)), {
      display: 'Cluster Load',
      callId,
    });
    await phone.phone.answer(callId);
    await sleep(talkMs);
    await phone.phone.hangUp(callId);
    call.ended = true;
  } catch (error) {
    call.error = error instanceof Error ? error.message : String(error);
    await phone.phone.releaseAllCalls().catch(() => undefined);
    call.ended = phone.phone.calls.every((c) => c.id !== callId);
  } finally {
    await phone.phone.idle();
    off();
  }
  return call;
}

let serial = 0;

/**
 * Starts calls at `ratePerSecond` over the phones in turn (a phone busy with its last call is
 * skipped), until `stop`. Call-IDs are unique per run (`cl-<n>-<time>@pbx.example`).
 */
export function startCallLoad(
  phones: readonly ClusterPhone[],
  options: CallLoadOptions = {},
): CallLoad {
  const rate = options.ratePerSecond ?? 8;
  const busy = new Set<string>();
  const calls: PlacedCall[] = [];
  const running = new Set<Promise<void>>();
  const onEnded = new Set<() => void>();
  const accepted = (): number => calls.filter(acceptedCall).length;
  let next = 0;
  let stopped = false;
  const stamp = Date.now().toString(36);
  const timer = setInterval(() => {
    if (stopped || phones.length === 0) return;
    for (let tries = 0; tries < phones.length; tries++) {
      const phone = phones[next % phones.length];
      next += 1;
      if (phone === undefined || busy.has(phone.id)) continue;
      busy.add(phone.id);
      serial += 1;
      const callId = `cl-${String(serial)}-${stamp}@pbx.example`;
      const job = placeCall(phone, callId, options.talkMs).then((call) => {
        calls.push(call);
        busy.delete(phone.id);
        for (const listener of [...onEnded]) listener();
      });
      running.add(job);
      void job.finally(() => running.delete(job));
      return;
    }
  }, 1000 / rate);
  return {
    calls,
    moreAccepted(n, timeoutMs) {
      const target = accepted() + n;
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (accepted() < target) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(`only ${String(accepted())} of ${String(target)} calls accepted in time`),
          );
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          onEnded.delete(check);
        };
        onEnded.add(check);
      });
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      while (running.size > 0) await Promise.all([...running]);
      return [...calls];
    },
  };
}

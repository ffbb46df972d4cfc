// Notices an ordered consumer that went silent for good. After the nats-server a consumer lived
// on is killed, the client's own recovery (idle heartbeats, consumer info, re-create) can stall
// forever under load with no error and no message: seen for the owner's EVENTS consumer, the read
// view and the shared config's KV follow on nats-server 2.9.10. The watchdog asks the server
// about the consumer whenever nothing was delivered for a while; a consumer that is gone, cannot
// be asked twice in a row, or has messages for us that do not arrive is declared stalled, and
// its follower re-creates it from the last message it handled.

/** Default time between two checks. */
export const DEFAULT_WATCHDOG_CHECK_MS = 3_000;

/** What the watchdog learns from the server about a consumer. */
export interface ConsumerProbe {
  /** Messages the server still holds for the consumer (not yet delivered). */
  readonly pending: number;
  /** Stream sequence of the last message the server delivered. */
  readonly deliveredSeq: number;
}

/** Options of {@link startConsumerWatchdog}. */
export interface ConsumerWatchdogOptions {
  /** Asks the server about the current consumer; rejects when it is gone or unreachable. */
  readonly probe: () => Promise<ConsumerProbe>;
  /** How many messages the follower has handled so far (any growth proves it is alive). */
  readonly handled: () => number;
  /** Stream sequence of the last message the follower handled (0 before the first). */
  readonly lastSeq: () => number;
  /** True while the follower is busy with a message (slow, not stalled). */
  readonly busy?: () => boolean;
  /** Called once per stall; the watchdog then waits for the next silence. */
  readonly onStall: (reason: string) => void;
  readonly checkMs?: number;
}

/** What the watchdog remembers between two checks. */
export interface WatchState {
  /** `handled()` at the last check. */
  handled: number;
  /** Consecutive checks that found the consumer silent with work for it, or unreachable. */
  strikes: number;
}

/**
 * Judges one probe (pure): a consumer the server says is gone is stalled at once; messages
 * waiting for us (pending, or delivered past what we handled) or a failed probe count a strike,
 * and two strikes in a row make a stall (one may be a message still in flight or a slow reply).
 */
export function judgeProbe(
  state: WatchState,
  lastSeq: number,
  probe: ConsumerProbe | Error,
): string | null {
  if (probe instanceof Error) {
    if (/consumer not found|stream not found/i.test(probe.message)) {
      return `consumer gone (${probe.message})`;
    }
    state.strikes += 1;
    return state.strikes >= 2 ? `consumer unreachable (${probe.message})` : null;
  }
  if (probe.pending > 0 || probe.deliveredSeq > lastSeq) {
    state.strikes += 1;
    return state.strikes >= 2
      ? `silent with ${String(probe.pending)} pending, delivered ${String(probe.deliveredSeq)}, handled ${String(lastSeq)}`
      : null;
  }
  state.strikes = 0;
  return null;
}

/** Starts checking every `checkMs`; returns the function that stops it. */
export function startConsumerWatchdog(options: ConsumerWatchdogOptions): () => void {
  const checkMs = options.checkMs ?? DEFAULT_WATCHDOG_CHECK_MS;
  const state: WatchState = { handled: options.handled(), strikes: 0 };
  let checking = false;
  let stopped = false;

  async function check(): Promise<void> {
    const handled = options.handled();
    if (handled !== state.handled || options.busy?.() === true) {
      state.handled = handled;
      state.strikes = 0;
      return;
    }
    const probe = await options
      .probe()
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    // A message handled while the probe was out: alive after all.
    if (stopped || options.handled() !== state.handled) return;
    const stall = judgeProbe(state, options.lastSeq(), probe);
    if (stall !== null) {
      state.strikes = 0;
      options.onStall(stall);
    }
  }

  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    void check().finally(() => {
      checking = false;
    });
  }, checkMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

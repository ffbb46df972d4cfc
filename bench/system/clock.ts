// The one clock the system bench's latencies are taken on. The simulated phones run in a
// process of their own (generator.ts) and the SSE reader in the measuring one (run.ts), so
// "phone sent" and "reader received" are stamped in different processes: both must read the
// same clock. process.hrtime is libuv's uv_hrtime, CLOCK_MONOTONIC on Linux: one clock for the
// whole machine (since boot), not per process, and not stepped by NTP like Date.now().
// checkClock() verifies that at the start of every run instead of trusting this comment.

/** Milliseconds (fractional) on CLOCK_MONOTONIC: comparable between processes of this machine. */
export function clockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Asks another process for its clockMs() `rounds` times and checks each answer lies between the
 * times of asking and of the reply here; returns the widest such window (the bound on any
 * offset between the two clocks). Throws when an answer falls outside: the clocks differ and
 * the bench's latencies would be wrong.
 */
export async function checkClock(
  remoteNow: () => Promise<number>,
  rounds = 20,
): Promise<{ maxWindowMs: number }> {
  let maxWindowMs = 0;
  for (let i = 0; i < rounds; i++) {
    const sent = clockMs();
    const remote = await remoteNow();
    const back = clockMs();
    if (remote < sent || remote > back)
      throw new Error(
        `the generator's clock is not this process's: it read ${String(remote)} between ${String(sent)} and ${String(back)}`,
      );
    maxWindowMs = Math.max(maxWindowMs, back - sent);
  }
  return { maxWindowMs: Math.round(maxWindowMs * 100) / 100 };
}

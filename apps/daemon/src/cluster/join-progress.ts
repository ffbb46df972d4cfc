/**
 * What a daemon in cluster mode waits for before it has joined (docs/cluster.md, _Recovering
 * without help_): the ports answer with it meanwhile (`openJoiningPorts`), so an operator sees
 * the reason in `/api/health` and the metrics, not only in the log. One object, written by the
 * start sequence, read by the answers.
 */
export interface JoinProgress {
  /** The step now running: `connecting to NATS`, `loading the shared config`, … */
  step(what: string): void;
  /** An attempt to reach NATS failed; the next one follows after a backoff. */
  failed(): void;
  /** Failed attempts so far. */
  readonly failures: number;
  /** Epoch ms the wait began. */
  readonly since: number;
  /** One line for operators: `joining the cluster: NATS unreachable (3 attempts failed)`. */
  reason(): string;
}

/** A new {@link JoinProgress}, at the first step (`connecting to NATS`). */
export function createJoinProgress(now: () => number = Date.now): JoinProgress {
  let step = 'connecting to NATS';
  let failures = 0;
  // True from a failure until the next step starts: the step then waits for NATS.
  let unreachable = false;
  const since = now();
  return {
    step(what) {
      step = what;
      unreachable = false;
    },
    failed() {
      failures += 1;
      unreachable = true;
    },
    get failures() {
      return failures;
    },
    since,
    reason() {
      if (!unreachable) return `joining the cluster: ${step}`;
      const n = String(failures);
      return `joining the cluster: NATS unreachable (${n} attempt${failures === 1 ? '' : 's'} failed, ${step})`;
    },
  };
}

// Test helper (not exported): wraps a JetStream client or KV handle so chosen calls hang, to
// simulate a process that dies (the call reached the server, the answer never comes back) or a
// paused process (the call waits until resumed, then goes out late, as after SIGCONT).

/** Which call: the method name and its arguments. */
export type CallMatcher = (method: string, args: readonly unknown[]) => boolean;

/** Controls the calls a wrapper holds. */
export interface Faults {
  /** After `count` more matching calls have gone through, each later one dies (see `wrap`). */
  crashAfter(match: CallMatcher, count?: number): void;
  /** From now on every call waits before it goes out, until `resume`. */
  pause(): void;
  /** Lets the held calls of `pause` go out. */
  resume(): void;
  /** Makes every held call fail (cleanup). */
  fail(): void;
  /** Number of calls currently held. */
  held(): number;
  /** Resolves once at least one call is held. */
  untilHeld(): Promise<void>;
  /** A proxy of `target` whose async methods obey the faults above. */
  wrap<T extends object>(target: T): T;
}

/** The calls that reach NATS (the only ones faults apply to; others run as they are). */
const NETWORK_METHODS: ReadonlySet<string> = new Set([
  'publish',
  'create',
  'update',
  'put',
  'get',
  'delete',
  'keys',
]);

/** Creates a fault controller. */
export function createFaults(): Faults {
  let crash: { match: CallMatcher; left: number } | null = null;
  let paused = false;
  const waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const heldListeners: (() => void)[] = [];

  function hold(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      waiting.push({ resolve, reject });
      for (const l of heldListeners.splice(0)) l();
    });
  }

  return {
    crashAfter(match, count = 0) {
      crash = { match, left: count };
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const w of waiting.splice(0)) w.resolve();
    },
    fail() {
      crash = null;
      paused = false;
      for (const w of waiting.splice(0)) w.reject(new Error('simulated process death'));
    },
    held: () => waiting.length,
    untilHeld() {
      if (waiting.length > 0) return Promise.resolve();
      return new Promise((resolve) => heldListeners.push(resolve));
    },
    wrap<T extends object>(target: T): T {
      const wrap = this.wrap.bind(this);
      return new Proxy(target, {
        get(t, key) {
          const value: unknown = Reflect.get(t, key, t);
          // A KV bucket publishes guarded updates through its own JetStream client.
          if (key === 'js' && typeof value === 'object' && value !== null) return wrap(value);
          if (typeof value !== 'function' || typeof key !== 'string') return value;
          if (!NETWORK_METHODS.has(key)) return (value as () => unknown).bind(t);
          const fn = value as (...args: unknown[]) => unknown;
          return async (...args: unknown[]): Promise<unknown> => {
            if (paused) await hold();
            const result: unknown = await fn.apply(t, args);
            if (crash?.match(key, args) === true) {
              if (crash.left === 0) await hold();
              else crash.left--;
            }
            return result;
          };
        },
      });
    },
  };
}

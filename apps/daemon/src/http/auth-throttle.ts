/** Options of {@link createAuthThrottle}. */
export interface AuthThrottleOptions {
  /**
   * Failed authentications from one source within `windowMs` that start a block; 0 = no limit.
   * A function is read at every failure (the config may change). Default 10.
   */
  readonly maxFailures?: number | (() => number);
  /** The window the failures are counted in. Default 60 000 ms. */
  readonly windowMs?: number;
  /** How long a source is refused once blocked. Default 60 000 ms. */
  readonly blockMs?: number;
  /** Most sources tracked at once; the oldest is forgotten past it. Default 10 000. */
  readonly maxSources?: number;
  readonly now?: () => number;
}

/** What {@link AuthThrottle.failed} decided. */
export interface FailureVerdict {
  /** This failure started a block (log and audit it once, not every refused request). */
  readonly blocked: boolean;
}

/**
 * Counts failed authentications per source (see {@link throttleKey}) and blocks a source that
 * fails too often: while blocked, every request carrying a token is refused before the token
 * is looked at, so neither guessing nor making the daemon run scrypt continues. A success does
 * not reset the count (a client holding one valid token could otherwise guess forever).
 */
export interface AuthThrottle {
  /** Seconds until the source may try again (for `Retry-After`), or 0 when it is not blocked. */
  retryAfter(source: string): number;
  /** Notes a failed authentication from the source. */
  failed(source: string): FailureVerdict;
  /** Sources currently tracked (for tests and metrics). */
  readonly size: number;
}

interface Entry {
  windowStart: number;
  failures: number;
  blockedUntil: number;
}

/**
 * The part of a client address a limit applies to: the IPv4 address, or the /64 prefix of an
 * IPv6 address (one host usually owns a whole /64, so per-address limits would be no limit).
 * The port is dropped. Takes `clientAddress()`'s `ip:port` / `[v6]:port` / `unknown`.
 */
export function throttleKey(address: string): string {
  const v6 = /^\[([^\]]+)\]/.exec(address);
  if (v6?.[1] !== undefined) {
    const ip = v6[1].toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
    if (mapped?.[1] !== undefined) return mapped[1];
    return `${expandV6(ip).slice(0, 4).join(':')}::/64`;
  }
  const v4 = /^(\d+\.\d+\.\d+\.\d+)(?::\d+)?$/.exec(address);
  return v4?.[1] ?? address;
}

function expandV6(ip: string): string[] {
  const [head = '', tail] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros =
    tail === undefined ? [] : Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...zeros, ...right].map((group) => group.replace(/^0+(?=.)/, ''));
}

/** Creates an {@link AuthThrottle}. */
export function createAuthThrottle(options: AuthThrottleOptions = {}): AuthThrottle {
  const given = options.maxFailures ?? 10;
  const maxFailures = typeof given === 'function' ? given : (): number => given;
  const windowMs = options.windowMs ?? 60_000;
  const blockMs = options.blockMs ?? 60_000;
  const maxSources = Math.max(1, options.maxSources ?? 10_000);
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  const expired = (entry: Entry, at: number): boolean =>
    entry.blockedUntil <= at && at - entry.windowStart >= windowMs;

  const prune = (at: number): void => {
    for (const [key, entry] of entries) if (expired(entry, at)) entries.delete(key);
    // Still full (many sources failing at once): forget the oldest, never grow without bound.
    while (entries.size >= maxSources) {
      const oldest = entries.keys().next();
      if (oldest.done === true) break;
      entries.delete(oldest.value);
    }
  };

  return {
    retryAfter(source) {
      const entry = entries.get(throttleKey(source));
      if (entry === undefined) return 0;
      const left = entry.blockedUntil - now();
      return left > 0 ? Math.ceil(left / 1000) : 0;
    },
    failed(source) {
      const max = maxFailures();
      if (max <= 0) return { blocked: false };
      const key = throttleKey(source);
      const at = now();
      let entry = entries.get(key);
      if (entry === undefined || expired(entry, at)) {
        if (entry === undefined && entries.size >= maxSources) prune(at);
        entry = { windowStart: at, failures: 0, blockedUntil: 0 };
        entries.set(key, entry);
      }
      if (at - entry.windowStart >= windowMs) {
        entry.windowStart = at;
        entry.failures = 0;
      }
      entry.failures++;
      if (entry.failures >= max && entry.blockedUntil <= at) {
        entry.blockedUntil = at + blockMs;
        // A new window after the block, so the source gets its full allowance back.
        entry.windowStart = entry.blockedUntil;
        entry.failures = 0;
        return { blocked: true };
      }
      return { blocked: false };
    },
    get size() {
      return entries.size;
    },
  };
}

import type { IncomingMessage } from 'node:http';
import type { ActionEvent } from '@snomlink/core';
import type { RateLimitOptions } from './rate-limiter.js';

// The listener's option and report types, in one module that imports no implementation, so the
// handler, the app, the phone server and `createListener` all depend on it and not on each other.

/** A phone the listener accepts Action URLs from. */
export interface ListenerPhone {
  /** The phone id used in the URL path (`/snom/{id}/{event}`). */
  id: string;
  /** The secret the phone sends as `k=`. */
  secret: string;
  /** `address[:port]` of the phone; used only by the optional source-address check. */
  host?: string;
}

/**
 * Where the listener writes what it cannot answer to anyone (a failing callback, a bug of its
 * own). Structured loggers such as pino fit: `error(message, error)`. Default: `console`.
 */
export interface ListenerLogger {
  error(message: string, error?: unknown): void;
}

/** Options of `createListener` / `createListenerApp`. */
export interface ListenerOptions {
  /** Looks a phone up by the id in the path; called per request, so phones may change at run time. */
  resolvePhone(phoneId: string): ListenerPhone | undefined;
  /** Receives each accepted event, after the 200 answer is on its way. Exceptions are caught. */
  onEvent(event: ActionEvent): void;
  /**
   * Makes an accepted event durable before the phone is answered (cluster mode: publish it and
   * wait for the stream's ack). When given, the phone gets its 200 only after the promise
   * resolved; it gets a 503 `unavailable` when the promise rejects, does not settle within
   * `admitTimeoutMs`, or `maxPendingAdmissions` events are already waiting. `onEvent` then runs
   * only for admitted events. `admit` must bound its own wait: a timed-out admission frees the
   * phone's connection, not what `admit` holds. Default: none (answer at once).
   */
  admit?: (event: ActionEvent) => Promise<void>;
  /** Longest wait for `admit` before answering 503 (default 5000 ms). */
  admitTimeoutMs?: number;
  /** Most admissions awaited at once; more are answered 503 at once (default 256). */
  maxPendingAdmissions?: number;
  /** Accept a phone's events only from its configured `host` (default false). */
  checkSourceAddress?: boolean;
  /** Per-source token bucket; over the rate → 429. Default false (off). */
  rateLimit?: RateLimitOptions | false;
  /** Longest accepted request target (path + query) in bytes; longer → 414. Default 8192. */
  maxUrlLength?: number;
  /** Clock for `receivedAt` and the rate limiter (epoch ms). Default `Date.now`. */
  now?: () => number;
  /** Called when `onEvent` throws or rejects. Default: `logger.error`. */
  onCallbackError?: (error: unknown, event: ActionEvent) => void;
  /**
   * Called for every refused request, after its answer is decided (for metrics and logs). It runs
   * on the request path: keep it cheap. Exceptions are caught and logged.
   */
  onReject?: (rejection: ListenerRejection) => void;
  /** Where unexpected errors go (never a refused request: see `onReject`). Default `console`. */
  logger?: ListenerLogger;
}

/** A refused request, as reported to `onReject`. */
export interface ListenerRejection {
  /** The HTTP status answered (400, 403, 404, 408, 414, 429, 431, 500, 503). */
  status: number;
  /** The `error` of the JSON answer: a short fixed code such as `forbidden` or `unknown-phone`. */
  error: string;
  /** The `detail` of the JSON answer. */
  detail: string;
  /**
   * The phone id from the path, for rejections of `/snom/{phoneId}/…` (403 and 400 only name
   * configured phones; a 404 `unknown-phone` names whatever the request said, cut to 64
   * characters). Never use it as a metric label unless it is a configured phone.
   */
  phoneId?: string;
  /** The caller's address, when known. */
  remoteAddress?: string;
}

/** Bindings the app reads the caller's address from: node-server's `incoming`, or our own. */
export interface ListenerBindings {
  /** Set by the phone server (and usable from `app.request(url, init, env)` in tests). */
  remoteAddress?: string;
  /** Set by @hono/node-server, when the app alone is served that way. */
  incoming?: IncomingMessage;
}

/** Error answer body of every rejection. */
export interface ListenerErrorBody {
  error: string;
  detail: string;
}

/**
 * Limits of the phone port, so no client (or LAN host holding many connections) can exhaust
 * memory or sockets, or keep a phone's event out. Defaults: `DEFAULT_PHONE_SERVER_LIMITS`.
 */
export interface PhoneServerLimits {
  /** Most bytes of one request head (default 16384, Node's own limit); more → 431 (or 414). */
  maxHeadBytes?: number;
  /** Most lines of one request head, request line included (default 100); more → 431. */
  maxHeadLines?: number;
  /**
   * Time allowed for a request head, from the first byte after the previous request (empty lines
   * included) to its blank line (default 10000 ms); more → 408 and closed.
   */
  headersTimeoutMs?: number;
  /** Time allowed for a (skipped) request body after its head (default 10000 ms); more → closed. */
  bodyTimeoutMs?: number;
  /** How long an idle connection stays open (default 5000 ms, Node's keep-alive default). */
  keepAliveTimeoutMs?: number;
  /**
   * Most simultaneous connections (default 1024). A new connection over it evicts the connection
   * that has waited longest without completing a request (refused only when none can go).
   */
  maxConnections?: number;
  /**
   * Most simultaneous connections from one source address (default 16; a phone needs a handful).
   * A new one over it evicts that source's longest-waiting connection, as above.
   */
  maxConnectionsPerSource?: number;
  /**
   * Source addresses of L4 balancers or proxies in front of the phone port (without PROXY
   * protocol, every phone behind one arrives from its address): `maxConnectionsPerSource` does
   * not apply to them, `maxConnections` still does. An IPv4-mapped IPv6 address
   * (`::ffff:10.0.0.5`) matches its IPv4 form. Default none.
   */
  balancerAddresses?: readonly string[];
}

/** Why the phone port closed a connection itself (see `ListenerConnectionEvent`). */
export type ListenerConnectionReason =
  | 'per-source-limit'
  | 'connection-limit'
  | 'head-timeout'
  | 'body-timeout'
  | 'idle-timeout'
  | 'error';

/**
 * A connection the phone port refused, evicted or dropped, as reported to `onConnectionEvent`:
 * - `refused`: a new connection closed at once (over a cap, and no waiting connection to evict);
 * - `evicted`: a waiting connection closed to make room for a new one (`per-source-limit`,
 *   `connection-limit`);
 * - `dropped`: closed with a request unfinished (`head-timeout`, `body-timeout`, `idle-timeout`
 *   with a half-sent head, `error`).
 */
export interface ListenerConnectionEvent {
  type: 'refused' | 'evicted' | 'dropped';
  reason: ListenerConnectionReason;
  /** The connection's source address, when known. */
  remoteAddress?: string;
}

/** Counts since `createListener`, across moves (see `Listener.stats`). */
export interface ListenerStats {
  /** Connections open now. */
  connections: number;
  /** New connections closed at once (over a cap). */
  refused: number;
  /** Waiting connections closed to make room for new ones. */
  evicted: number;
  /** Connections closed with a request unfinished (timeouts, errors). */
  dropped: number;
}

/** Options of `createListener`: the app's options plus the phone port's limits and reports. */
export interface CreateListenerOptions extends ListenerOptions, PhoneServerLimits {
  /**
   * Told about every connection the phone port refuses, evicts or drops, for metrics and a
   * (rate-limited) warning. Runs on the connection path: keep it cheap; exceptions are caught.
   */
  onConnectionEvent?: (event: ListenerConnectionEvent) => void;
}

/** The phone port's limits when an option is not given. */
export const DEFAULT_PHONE_SERVER_LIMITS: Readonly<Required<PhoneServerLimits>> = {
  maxHeadBytes: 16_384,
  maxHeadLines: 100,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
  maxConnections: 1024,
  maxConnectionsPerSource: 16,
  balancerAddresses: [],
};

/** The logger used when none is given. */
export const CONSOLE_LOGGER: ListenerLogger = {
  error(message, error) {
    console.error(`snomlink listener: ${message}`, error);
  },
};

import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { ActionHandler } from './action-handler.js';
import { createHttpResponses } from './http-response.js';
import { CONSOLE_LOGGER, DEFAULT_PHONE_SERVER_LIMITS } from './listener-options.js';
import type {
  ListenerBindings,
  ListenerConnectionEvent,
  ListenerConnectionReason,
  ListenerLogger,
  ListenerOptions,
  PhoneServerLimits,
} from './listener-options.js';
import { PhoneConnection } from './phone-connection.js';
import type { ConnectionContext } from './phone-connection.js';

/** What the phone port serves. */
export interface PhoneServerOptions extends PhoneServerLimits {
  /** Answers `GET /snom/{phoneId}/{event}` directly (see `matchFastPath`). */
  handler: ActionHandler;
  /** The Hono app: every request the fast path does not answer. */
  fetch: (request: Request, env: ListenerBindings) => Response | Promise<Response>;
  /** Told about the requests this server refuses itself (malformed, too large, too slow, 500). */
  onReject?: ListenerOptions['onReject'];
  /** Told about every connection refused, evicted or dropped (exceptions are caught). */
  onConnectionEvent?: (event: ListenerConnectionEvent) => void;
  /** Default `console`. */
  logger?: ListenerLogger;
}

/** The phone port's server and a way to end its open connections. */
export interface PhoneServer {
  readonly server: Server;
  /** Connections open now. */
  readonly connections: number;
  /** Destroys every open connection (used by `stop()`). */
  closeAll(): void;
  /**
   * Stops gracefully: accepts no new connection, lets the answers being produced be sent
   * (requests that arrive meanwhile get 503 `stopping` with `Connection: close`), ends the
   * connections, and cuts whatever is still open after `graceMs`. Resolves when the server
   * is closed.
   */
  drain(graceMs: number): Promise<void>;
}

/** Waits for `promise`, at most until `deadline` (epoch ms); no timer is left behind. */
async function until(promise: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
  });
  try {
    await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** `::ffff:10.0.0.5` (an IPv4 client on a dual-stack socket) as `10.0.0.5`; others unchanged. */
function plainAddress(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.')
    ? address.slice(7)
    : address;
}

/** The longest-waiting connection of `set` that may be evicted, if any. */
function longestWaiting(set: Iterable<PhoneConnection>): PhoneConnection | undefined {
  let found: PhoneConnection | undefined;
  for (const connection of set) {
    if (
      connection.evictable &&
      (found === undefined || connection.waitingSince < found.waitingSince)
    ) {
      found = connection;
    }
  }
  return found;
}

/**
 * The phone-facing HTTP/1.x server, on `node:net`. Node's HTTP parser answers 400 to a request
 * line with raw spaces or raw non-ASCII bytes, which is what a phone sends for an unencoded
 * `$display_remote`; this server reads every request the same tolerant way
 * (`frameRequest`, one `PhoneConnection` per socket), so such an event keeps its connection and
 * costs no more than an encoded one.
 *
 * This module decides which connections exist: at most `maxConnectionsPerSource` per source
 * address (except `balancerAddresses`) and `maxConnections` in all. A new connection over a cap evicts the connection (of
 * that source, or of all) that has waited longest without completing a request, so a host that
 * holds connections open cannot keep a phone's next event out; only when none may go is the new
 * one refused (destroyed at once). A sweep enforces the head and body deadlines of every
 * connection, also of one that sends nothing more.
 */
export function createPhoneServer(options: PhoneServerOptions): PhoneServer {
  const limits: Required<PhoneServerLimits> = { ...DEFAULT_PHONE_SERVER_LIMITS };
  for (const key of Object.keys(limits) as (keyof PhoneServerLimits)[]) {
    const value = options[key];
    // Same key, same type; TypeScript cannot see it through the union of the keys.
    if (value !== undefined) Object.assign(limits, { [key]: value });
  }
  const logger = options.logger ?? CONSOLE_LOGGER;
  const { onConnectionEvent } = options;
  const context: ConnectionContext = {
    handler: options.handler,
    fetch: options.fetch,
    responses: createHttpResponses(limits.keepAliveTimeoutMs),
    limits,
    logger,
    onReject: options.onReject,
    report(event) {
      if (onConnectionEvent === undefined) return;
      try {
        onConnectionEvent(event);
      } catch (error) {
        logger.error('onConnectionEvent failed', error);
      }
    },
  };
  const all = new Set<PhoneConnection>();
  const bySource = new Map<string, Set<PhoneConnection>>();

  function forget(connection: PhoneConnection): void {
    all.delete(connection);
    const key = connection.source ?? '';
    const same = bySource.get(key);
    if (same === undefined) return;
    same.delete(connection);
    if (same.size === 0) bySource.delete(key);
  }

  /** Makes room in `set` (over `cap`) by evicting; false when nothing may go. */
  function makeRoom(
    set: Set<PhoneConnection> | undefined,
    cap: number,
    reason: ListenerConnectionReason,
  ): boolean {
    while (set !== undefined && set.size >= cap) {
      const victim = longestWaiting(set);
      if (victim === undefined) return false;
      forget(victim);
      victim.evict(reason);
    }
    return true;
  }

  function refuse(
    socket: Socket,
    source: string | undefined,
    reason: ListenerConnectionReason,
  ): void {
    socket.on('error', () => undefined);
    socket.destroy();
    context.report(
      source === undefined
        ? { type: 'refused', reason }
        : { type: 'refused', reason, remoteAddress: source },
    );
  }

  const balancers = new Set(limits.balancerAddresses.map(plainAddress));

  function accept(socket: Socket): void {
    const source = socket.remoteAddress;
    const key = source ?? '';
    // A balancer's address carries every phone behind it: only the global cap applies to it.
    const perSourceCap = balancers.has(plainAddress(key))
      ? Infinity
      : limits.maxConnectionsPerSource;
    if (!makeRoom(bySource.get(key), perSourceCap, 'per-source-limit')) {
      refuse(socket, source, 'per-source-limit');
      return;
    }
    if (!makeRoom(all, limits.maxConnections, 'connection-limit')) {
      refuse(socket, source, 'connection-limit');
      return;
    }
    const connection = new PhoneConnection(socket, source, context);
    all.add(connection);
    let same = bySource.get(key);
    if (same === undefined) {
      same = new Set();
      bySource.set(key, same);
    }
    same.add(connection);
    socket.once('close', () => {
      forget(connection);
    });
  }

  const server = createServer({ noDelay: true }, accept);
  // One sweep for all connections: a deadline holds even for a client that sends nothing more.
  const every = Math.max(
    20,
    Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.bodyTimeoutMs) / 4)),
  );
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const connection of all) connection.checkDeadlines(now);
  }, every);
  sweep.unref();
  server.once('close', () => {
    clearInterval(sweep);
  });
  function closeAll(): void {
    clearInterval(sweep);
    for (const connection of all) connection.destroy();
    all.clear();
    bySource.clear();
  }

  return {
    server,
    get connections(): number {
      return all.size;
    },
    closeAll,
    async drain(graceMs: number): Promise<void> {
      const deadline = Date.now() + graceMs;
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      const open = [...all];
      for (const connection of open) connection.stop();
      // Answers in progress (in cluster mode: waiting for the stream's ack) are still sent.
      await until(Promise.all(open.map((connection) => connection.settled())), deadline);
      for (const connection of all) connection.end();
      await until(closed, deadline);
      closeAll();
      await closed;
    },
  };
}

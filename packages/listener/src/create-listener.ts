import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import { ListenerError, ListenerStartError } from './errors.js';
import type { ListenerStartErrorCode } from './errors.js';
import { buildListenerApp } from './listener-app.js';
import { CONSOLE_LOGGER } from './listener-options.js';
import type {
  CreateListenerOptions,
  ListenerBindings,
  ListenerConnectionEvent,
  ListenerStats,
} from './listener-options.js';
import { createPhoneServer } from './phone-server.js';
import type { PhoneServer } from './phone-server.js';

/** Where to listen. */
export interface ListenerStartOptions {
  /** Local address to bind: one IP, or `0.0.0.0` (default) / `::` for all interfaces. */
  host?: string;
  /** TCP port; 0 picks a free one (see `address` for the one bound). */
  port: number;
}

/** The address actually bound. */
export interface ListenerAddress {
  host: string;
  port: number;
}

/** The Action URL server: a Hono app plus its lifecycle on a port. */
export interface Listener {
  /** The Hono app; usable alone with `app.request()` or mounted elsewhere. */
  readonly app: Hono;
  /**
   * Binds the port and serves. Calling it again while active moves the listener: the new port
   * is bound first, then the old one closed, so a failed move keeps the old port serving.
   */
  start(options: ListenerStartOptions): Promise<ListenerAddress>;
  /**
   * Closes the port and every open connection. Safe to call when inactive. With `graceMs`
   * (> 0) it stops gracefully: no new connections, the answers being produced are still sent
   * (the events they carry are accepted as usual), requests arriving meanwhile get 503
   * `stopping` with `Connection: close` and `Retry-After`, and what is still open after
   * `graceMs` is cut. Without it, everything is cut at once.
   */
  stop(options?: ListenerStopOptions): Promise<void>;
  /** `active` while a port is bound. */
  readonly state: 'active' | 'inactive';
  /** The address bound, or null when inactive. */
  readonly address: ListenerAddress | null;
  /**
   * Open connections now, and connections refused, evicted and dropped since creation (for
   * metrics; `onConnectionEvent` tells about each one as it happens).
   */
  stats(): ListenerStats;
}

/** How {@link Listener.stop} stops. */
export interface ListenerStopOptions {
  /** Longest wait for answers in progress before connections are cut (default 0: at once). */
  graceMs?: number;
}

interface Running {
  phoneServer: PhoneServer;
  address: ListenerAddress;
}

function startErrorCode(error: unknown): ListenerStartErrorCode {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return 'port-in-use';
    case 'EACCES':
    case 'EPERM':
      return 'permission';
    case 'EADDRNOTAVAIL':
    case 'EAFNOSUPPORT':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'address-unavailable';
    case 'ERR_SOCKET_BAD_PORT':
      return 'invalid-port';
    default:
      return 'other';
  }
}

function close(running: Running): Promise<void> {
  return new Promise((resolve) => {
    running.phoneServer.server.close(() => {
      resolve();
    });
    running.phoneServer.closeAll();
  });
}

/**
 * Creates the listener: the Action URL app (see `createListenerApp`) served on the phone port by
 * `createPhoneServer`, which reads the raw, unencoded requests phones send. A plain
 * `GET /snom/{phoneId}/{event}` is answered directly by the same handler the app calls (same
 * checks, same answers); every other request goes through the Hono app.
 */
export function createListener(options: CreateListenerOptions): Listener {
  const { app, handler } = buildListenerApp(options);
  const fetch = (request: Request, env: ListenerBindings): Response | Promise<Response> =>
    app.fetch(request, env);
  let running: Running | null = null;
  let starting: Promise<ListenerAddress> | null = null;
  const logger = options.logger ?? CONSOLE_LOGGER;
  const counts = { refused: 0, evicted: 0, dropped: 0 };
  const { onConnectionEvent } = options;
  const count = (event: ListenerConnectionEvent): void => {
    counts[event.type] += 1;
    onConnectionEvent?.(event);
  };

  async function bind(host: string, port: number): Promise<Running> {
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ListenerStartError('invalid-port', host, port);
    }
    const phoneServer = createPhoneServer({
      ...options,
      handler,
      fetch,
      logger,
      onConnectionEvent: count,
    });
    const { server } = phoneServer;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: unknown): void => {
        reject(new ListenerStartError(startErrorCode(error), host, port, { cause: error }));
      };
      server.once('error', onError);
      try {
        server.listen({ host, port }, () => {
          server.off('error', onError);
          resolve();
        });
      } catch (error) {
        onError(error);
      }
    });
    server.on('error', (error) => {
      logger.error('server error', error);
    });
    const info = server.address() as AddressInfo;
    return { phoneServer, address: { host, port: info.port } };
  }

  return {
    app,
    async start(startOptions: ListenerStartOptions): Promise<ListenerAddress> {
      if (starting !== null) {
        throw new ListenerError('the listener is already starting; wait for start() to finish');
      }
      const host = startOptions.host ?? '0.0.0.0';
      const attempt = (async (): Promise<ListenerAddress> => {
        const next = await bind(host, startOptions.port);
        const previous = running;
        running = next;
        if (previous !== null) await close(previous);
        return next.address;
      })();
      starting = attempt;
      try {
        return await attempt;
      } finally {
        starting = null;
      }
    },
    async stop(stopOptions: ListenerStopOptions = {}): Promise<void> {
      const current = running;
      running = null;
      if (current === null) return;
      const graceMs = stopOptions.graceMs ?? 0;
      if (graceMs > 0) await current.phoneServer.drain(graceMs);
      else await close(current);
    },
    get state(): 'active' | 'inactive' {
      return running === null ? 'inactive' : 'active';
    },
    get address(): ListenerAddress | null {
      return running === null ? null : { ...running.address };
    },
    stats(): ListenerStats {
      return { connections: running?.phoneServer.connections ?? 0, ...counts };
    },
  };
}

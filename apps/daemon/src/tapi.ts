import type { Server } from 'node:http';
import { createNodeWebSocket } from '@hono/node-ws';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Logger } from 'pino';
import { createTapiBridge, createTapiRoute, tapiTokenAuth } from '@snomlink/tapi-bridge';
import type { TapiBridge } from '@snomlink/tapi-bridge';
import type { DaemonOptions, DaemonParts } from './daemon.js';
import { safeEqual, TOKEN_COOKIE } from './http/auth.js';
import { writePresence } from './phones/presence-write.js';

/** Options of {@link mountTapi}. */
export interface MountTapiOptions {
  /** Unsent bytes after which a client that stopped reading is cut off. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
}

/** `address:port` of the client (`[v6]:port` for IPv6), or `unknown`. */
function clientAddress(c: Context): string {
  try {
    const { remote } = getConnInfo(c);
    if (remote.address === undefined) return 'unknown';
    const host = remote.address.includes(':') ? `[${remote.address}]` : remote.address;
    return remote.port === undefined ? host : `${host}:${String(remote.port)}`;
  } catch {
    return 'unknown';
  }
}

/**
 * The TAPI JSON-RPC WebSocket at `/tapi` on the admin port (tapi-bridge's route on
 * @hono/node-ws). Auth: the admin token as Bearer, `?token=`, subprotocol `token.<token>`, or
 * the admin panel's cookie.
 */
export function mountTapi(
  logger: Logger,
  options: MountTapiOptions = {},
): Pick<DaemonOptions, 'mountAdmin' | 'onAdminServer' | 'onStop'> {
  let inject: ((server: Server) => void) | null = null;
  let bridge: TapiBridge | null = null;
  let terminateAll: (() => void) | null = null;
  return {
    mountAdmin(app: Hono, daemon: DaemonParts) {
      // @hono/node-ws returns plain closures (no `this`).
      // eslint-disable-next-line @typescript-eslint/unbound-method
      const { upgradeWebSocket, injectWebSocket, wss } = createNodeWebSocket({ app });
      inject = (server) => {
        injectWebSocket(server);
      };
      terminateAll = () => {
        for (const client of wss.clients) client.terminate();
      };
      daemon.metrics.setTapiClients(() => wss.clients.size);
      const config = daemon.config;
      bridge = createTapiBridge({
        hub: daemon.hub,
        lineModel: daemon.lineModel,
        lines: () =>
          config.current.phones.map((p) => ({
            id: p.id,
            name: p.name,
            model: p.model,
            provisionOnOpen: p.provisionOnOpen,
          })),
        clientFor: (phoneId) => daemon.phones.get(phoneId)?.client,
        presence: (phoneId) => daemon.lineModel.presence(phoneId),
        setPresence: async (phoneId, change) => {
          await writePresence(daemon, phoneId, change);
        },
        dialRules: () => config.current.dialing,
        provision: async (phoneId) => {
          const result = await daemon.provision(phoneId, 'write');
          if (!result.ok) throw new Error(`phone ${phoneId} did not take every Action URL`);
        },
        unprovision: async (phoneId) => {
          await daemon.provision(phoneId, 'remove');
        },
        onError: (error) => {
          logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'TAPI bridge',
          );
        },
      });
      const tokenAuth = tapiTokenAuth(() => config.current.admin.token);
      const tapiBridge = bridge;
      // One route per connection, so that its errors (a client cut off for not reading, an
      // unexpected error in one of its requests) are logged with that client's address.
      // The request URL is never logged: it may carry ?token=.
      app.all('/tapi', (c) => {
        const client = clientAddress(c);
        const route = new Hono().route(
          '/tapi',
          createTapiRoute({
            bridge: tapiBridge,
            upgradeWebSocket,
            authenticate: (ctx) => {
              if (tokenAuth(ctx)) return true;
              const cookie = getCookie(ctx, TOKEN_COOKIE);
              return cookie !== undefined && safeEqual(cookie, config.current.admin.token);
            },
            ...(options.maxBufferedBytes === undefined
              ? {}
              : { maxBufferedBytes: options.maxBufferedBytes }),
            onError: (error) => {
              logger.warn(
                { client, err: error instanceof Error ? error.message : String(error) },
                'TAPI client error',
              );
            },
          }),
        );
        // The same env object: @hono/node-ws marks the upgrade on it.
        return route.fetch(c.req.raw, c.env);
      });
    },
    onAdminServer(server) {
      inject?.(server);
    },
    async onStop() {
      terminateAll?.();
      await bridge?.close();
    },
  };
}

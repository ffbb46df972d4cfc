import type { Server } from 'node:http';
import { createNodeWebSocket } from '@hono/node-ws';
import type { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Logger } from 'pino';
import { createTapiBridge, createTapiRoute, tapiTokenAuth } from '@snomlink/tapi-bridge';
import type { TapiBridge } from '@snomlink/tapi-bridge';
import type { DaemonOptions, DaemonParts } from './daemon.js';
import { safeEqual, TOKEN_COOKIE } from './http/auth.js';

/**
 * The TAPI JSON-RPC WebSocket at `/tapi` on the admin port (tapi-bridge's route on
 * @hono/node-ws). Auth: the admin token as Bearer, `?token=`, subprotocol `token.<token>`, or
 * the admin panel's cookie.
 */
export function mountTapi(
  logger: Logger,
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
      app.route(
        '/tapi',
        createTapiRoute({
          bridge,
          upgradeWebSocket,
          authenticate: (c) => {
            if (tokenAuth(c)) return true;
            const cookie = getCookie(c, TOKEN_COOKIE);
            return cookie !== undefined && safeEqual(cookie, config.current.admin.token);
          },
        }),
      );
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

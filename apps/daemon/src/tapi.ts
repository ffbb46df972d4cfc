import type { Server } from 'node:http';
import { createNodeWebSocket } from '@hono/node-ws';
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Logger } from 'pino';
import {
  TAPI_MAX_BATCH,
  TAPI_MAX_MESSAGE_BYTES,
  createTapiBridge,
  createTapiRoute,
  tapiTokenAuth,
} from '@snomlink/tapi-bridge';
import type { TapiAccess, TapiBridge, TapiMethodOutcome } from '@snomlink/tapi-bridge';
import type { AuditLog } from './audit/audit-log.js';
import type { DaemonOptions, DaemonParts } from './daemon.js';
import { safeEqual, TOKEN_COOKIE } from './http/auth.js';
import { clientAddress } from './http/principal-auth.js';
import { describe } from './http/route-docs.js';
import { canControlLine, canSeeLine } from './users/principal.js';
import type { Principal } from './users/principal.js';
import { writePresence } from './phones/presence-write.js';

/** Options of {@link mountTapi}. */
export interface MountTapiOptions {
  /** Unsent bytes after which a client that stopped reading is cut off. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
}

/** Methods that change a call or a line's state: audited with who asked. */
const AUDITED_METHODS: ReadonlySet<string> = new Set([
  'lineMakeCall',
  'lineDrop',
  'lineAnswer',
  'lineHold',
  'lineUnhold',
  'lineBlindTransfer',
  'lineGenerateDigits',
]);

/** The TAPI view of a principal: true (every line) for admins, else its line scope. */
function tapiAccess(principal: Principal): true | TapiAccess {
  if (principal.role === 'admin') return true;
  return {
    canSee: (lineId) => canSeeLine(principal, lineId),
    canControl: (lineId) => canControlLine(principal, lineId),
  };
}

/** An audit record of one TAPI control request. */
function auditTapi(
  audit: Pick<AuditLog, 'record'>,
  principal: Principal,
  address: string,
  outcome: TapiMethodOutcome,
): void {
  if (!AUDITED_METHODS.has(outcome.method)) return;
  const params = (outcome.params ?? {}) as Record<string, unknown>;
  const text = (key: string): string | null =>
    typeof params[key] === 'string' ? params[key].slice(0, 200) : null;
  const destination = text('destAddress');
  audit.record({
    at: Date.now(),
    actor: principal.name,
    userId: principal.userId,
    tokenId: principal.tokenId,
    role: principal.role,
    address,
    action: outcome.method === 'lineMakeCall' ? 'dial' : `tapi.${outcome.method}`,
    request: `TAPI ${outcome.method}`,
    target: text('lineId') ?? text('callId'),
    detail: destination === null ? null : { number: destination },
    outcome: outcome.ok
      ? 'ok'
      : outcome.lineErr === 'LINEERR_NOTOWNER' || outcome.lineErr === 'LINEERR_OPERATIONUNAVAIL'
        ? 'denied'
        : 'failed',
    status: outcome.ok ? 200 : 500,
  });
}

/**
 * The TAPI JSON-RPC WebSocket at `/tapi` on the admin port (tapi-bridge's route on
 * @hono/node-ws). Auth: the admin token or a user token (scoped to its lines, control requests
 * audited) as Bearer, `?token=`, subprotocol `token.<token>`, or
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
      // @hono/node-ws 1.3 creates its server without options; ws reads maxPayload from them
      // for every upgrade, so a message over the documented limit closes the socket (1009)
      // before it is buffered whole.
      wss.options.maxPayload = TAPI_MAX_MESSAGE_BYTES;
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
        preferDirectoryName: () => config.current.directory.overridePhoneName,
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
      app.get(
        '/tapi',
        describe({
          tag: 'tapi',
          summary: 'TAPI over JSON-RPC 2.0 on a WebSocket (upgrade; subprotocol snomlink-tapi.v1)',
          description:
            'Answers 101 and speaks JSON-RPC; 426 without an upgrade. Cross-origin upgrades are ' +
            `refused (403). Messages over ${String(TAPI_MAX_MESSAGE_BYTES)} bytes close the socket (1009); ` +
            `a batch holds at most ${String(TAPI_MAX_BATCH)} requests.`,
          status: 101,
          errors: [403, 426],
        }),
        (c) => {
          const client = clientAddress(c);
          // Set by the admin app's authentication in front of /tapi (admin or user token).
          const principal = c.get('principal') as Principal | undefined;
          const route = new Hono().route(
            '/tapi',
            createTapiRoute({
              bridge: tapiBridge,
              upgradeWebSocket,
              authenticate: (ctx) => {
                if (principal !== undefined) return tapiAccess(principal);
                if (tokenAuth(ctx)) return true;
                const cookie = getCookie(ctx, TOKEN_COOKIE);
                return cookie !== undefined && safeEqual(cookie, config.current.admin.token);
              },
              ...(principal === undefined
                ? {}
                : {
                    onMethod: (outcome: TapiMethodOutcome) => {
                      auditTapi(daemon.audit, principal, client, outcome);
                    },
                  }),
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
        },
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

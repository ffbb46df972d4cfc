import { constantTimeEqual } from '@snomlink/core';
import { Hono, type Context } from 'hono';
import type { UpgradeWebSocket, WSContext } from 'hono/ws';
import { createRpcSession, type RpcSession, type TapiMethodOutcome } from './rpc-session.js';
import type { TapiAccess, TapiBridge } from './tapi-bridge.js';
import { errorReporter, type TapiLogger } from './logger.js';

/** The WebSocket subprotocol a browser offers first; the token goes in a second `token.<T>` value. */
export const TAPI_SUBPROTOCOL = 'snomlink-tapi.v1';
const TOKEN_PROTOCOL_PREFIX = 'token.';

/** Options of {@link createTapiRoute}. */
export interface TapiRouteOptions {
  readonly bridge: TapiBridge;
  /** From `createNodeWebSocket({ app })` of `@hono/node-ws` (1.3.x). */
  readonly upgradeWebSocket: UpgradeWebSocket;
  /**
   * Decides before the upgrade; false → 401 and no WebSocket, true → every line, a
   * {@link TapiAccess} → only the lines it allows. See {@link tapiTokenAuth}.
   */
  readonly authenticate: (c: Context) => boolean | TapiAccess | Promise<boolean | TapiAccess>;
  /**
   * A client whose unsent data exceeds this many bytes has stopped reading and is disconnected
   * (close code 1008 after a hard terminate). Default 1 MiB.
   */
  readonly maxBufferedBytes?: number;
  /**
   * Largest accepted message in UTF-8 bytes. Default `TAPI_MAX_MESSAGE_BYTES`; give the
   * WebSocket server the same `maxPayload` so a longer frame is not buffered at all.
   */
  readonly maxMessageLength?: number;
  /** Each handled request's outcome (see `RpcSessionOptions.onMethod`). */
  readonly onMethod?: (outcome: TapiMethodOutcome) => void;
  /** Most requests in one batch. Default `TAPI_MAX_BATCH`. */
  readonly maxBatch?: number;
  /** Unexpected errors and slow-client disconnects, for the daemon's log. */
  readonly onError?: (error: unknown) => void;
  /** Where those go when `onError` is absent (pino fits). Default: silent. */
  readonly logger?: TapiLogger;
}

/** The token a request carries: `Authorization: Bearer T`, `?token=T`, or subprotocol `token.T`. */
export function tapiTokenFromRequest(c: Context): string | null {
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1] !== undefined) return match[1];
  }
  const query = c.req.query('token');
  if (query !== undefined && query !== '') return query;
  const protocols = c.req.header('sec-websocket-protocol');
  if (protocols !== undefined) {
    for (const p of protocols.split(',')) {
      const value = p.trim();
      if (value.startsWith(TOKEN_PROTOCOL_PREFIX) && value.length > TOKEN_PROTOCOL_PREFIX.length)
        return value.slice(TOKEN_PROTOCOL_PREFIX.length);
    }
  }
  return null;
}

/**
 * An `authenticate` function comparing the request's token (see {@link tapiTokenFromRequest})
 * with the admin token in constant time. `token` may be a function so a changed token applies at once.
 */
export function tapiTokenAuth(token: string | (() => string)): (c: Context) => boolean {
  return (c) => {
    const expected = typeof token === 'function' ? token() : token;
    const given = tapiTokenFromRequest(c);
    if (given === null || expected.length === 0) return false;
    return constantTimeEqual(given, expected);
  };
}

interface RawSocket {
  readonly bufferedAmount: number;
  terminate?: () => void;
}

function rawSocket(ws: WSContext): RawSocket | null {
  const raw: unknown = ws.raw;
  if (typeof raw === 'object' && raw !== null && 'bufferedAmount' in raw) return raw as RawSocket;
  return null;
}

/**
 * A Hono app serving the TAPI JSON-RPC 2.0 WebSocket at its root; the daemon mounts it with
 * `app.route('/tapi', createTapiRoute(…))`. Unauthenticated requests get 401 before any upgrade,
 * plain HTTP requests 426.
 */
export function createTapiRoute(options: TapiRouteOptions): Hono {
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  const reportError = errorReporter(options, 'TAPI route');
  const app = new Hono();
  // The access each upgrade was authenticated with, for its session (set before the upgrade).
  const accessOf = new WeakMap<Request, TapiAccess>();
  app.get(
    '/',
    async (c, next) => {
      const verdict = await options.authenticate(c);
      if (verdict === false) {
        return c.json(
          {
            error: 'unauthorized',
            detail:
              'send the admin token as Authorization: Bearer, ?token= or WebSocket subprotocol token.<token>',
          },
          401,
        );
      }
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
        return c.json(
          {
            error: 'upgrade-required',
            detail: 'this endpoint speaks JSON-RPC 2.0 over a WebSocket',
          },
          426,
        );
      }
      if (verdict !== true) accessOf.set(c.req.raw, verdict);
      await next();
      return undefined;
    },
    options.upgradeWebSocket((c) => {
      const access = accessOf.get(c.req.raw);
      let rpc: RpcSession | null = null;
      let dropped = false;
      return {
        onOpen(_event, ws) {
          const send = (text: string): void => {
            if (dropped || ws.readyState !== 1) return;
            ws.send(text);
            const raw = rawSocket(ws);
            if (raw !== null && raw.bufferedAmount > maxBuffered) {
              dropped = true;
              reportError(
                new Error(
                  `TAPI client stopped reading (${raw.bufferedAmount} bytes unsent, limit ${maxBuffered}); disconnecting it`,
                ),
              );
              if (raw.terminate) raw.terminate();
              else ws.close(1008, 'client too slow');
              void rpc?.close();
            }
          };
          rpc = createRpcSession({
            bridge: options.bridge,
            send,
            onError: reportError,
            ...(options.maxMessageLength === undefined
              ? {}
              : { maxMessageLength: options.maxMessageLength }),
            ...(access === undefined ? {} : { access }),
            ...(options.onMethod === undefined ? {} : { onMethod: options.onMethod }),
            ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
          });
        },
        onMessage(event, ws) {
          if (rpc === null) return;
          // hono/ws types MessageEvent from the DOM lib, which node packages do not load.
          const data: unknown = (event as unknown as { data: unknown }).data;
          if (typeof data !== 'string') {
            ws.send(
              JSON.stringify({
                jsonrpc: '2.0',
                id: null,
                error: { code: -32700, message: 'parse error: send JSON as text frames' },
              }),
            );
            return;
          }
          rpc.handleMessage(data).catch(reportError);
        },
        onClose() {
          rpc?.close().catch(reportError);
          rpc = null;
        },
      };
    }),
  );
  return app;
}

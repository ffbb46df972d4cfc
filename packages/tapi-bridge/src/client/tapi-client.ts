import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { TapiClientError } from '../errors.js';
import type {
  LineCallInfoParams,
  LineCallStateParams,
  LineDevStateParams,
  LineAddressStateParams,
  TapiCallOperations,
  TapiMethod,
  TapiMethodParams,
  TapiMethodResults,
} from '../protocol.js';
import type { LineCallInfo } from '../call-mapping.js';
import { SILENT_TAPI_LOGGER, type TapiLogger } from '../logger.js';
import { reconnectDelay } from './reconnect-delay.js';

/** Options of {@link createTapiClient}. */
export interface TapiClientOptions {
  /** `ws://127.0.0.1:8090/tapi`. */
  readonly url: string;
  /** The daemon's admin token, sent as `Authorization: Bearer`. */
  readonly token: string;
  /**
   * Reconnect after the connection drops; re-opens the lines that were open. Default true.
   * Never after the server refused the token (HTTP 401/403): that ends the client (`end`).
   */
  readonly reconnect?: boolean;
  /**
   * Delay before a reconnect attempt, doubled up to `maxReconnectDelayMs`, each a random point
   * in the upper half (jitter). Default 500 / 10 000 ms.
   */
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
  /**
   * WebSocket ping every this many ms; a pong missing for `heartbeatTimeoutMs` drops the
   * connection (then reconnects), so a half-open one (server gone without a FIN, NAT entry
   * expired) is noticed. Default 15 000 / 10 000 ms; 0 turns the heartbeat off.
   */
  readonly heartbeatIntervalMs?: number;
  readonly heartbeatTimeoutMs?: number;
  /** Missed heartbeats, reconnect attempts, a refused token (pino fits). Default: silent. */
  readonly logger?: TapiLogger;
  /** Per-request timeout. Default 30 000 ms (lineMakeCall waits for the phone). */
  readonly requestTimeoutMs?: number;
}

/** Events of a {@link TapiClient}. */
export interface TapiClientEvents {
  LINE_CALLSTATE: [LineCallStateParams];
  LINE_CALLINFO: [LineCallInfoParams];
  LINE_LINEDEVSTATE: [LineDevStateParams];
  /** DND or forwarding of a line changed (LINEADDRESSSTATE_FORWARD). */
  LINE_ADDRESSSTATE: [LineAddressStateParams];
  /** The live calls of a line, after lineOpen and again after every reconnect. */
  snapshot: [{ lineId: string; calls: readonly LineCallInfo[]; reconnect: boolean }];
  open: [];
  /** The connection dropped; a reconnect follows unless `reconnect` is false or close() was called. */
  disconnect: [{ code: number; reason: string }];
  /** A pong came back; `roundTripMs` since its ping. */
  heartbeat: [{ roundTripMs: number }];
  /** The client stopped for good: close() (`error` null) or the server refused the token. */
  end: [{ error: TapiClientError | null }];
  error: [Error];
}

/** A JSON-RPC client of the TAPI bridge, for monitors and other programs (Node.js). */
export interface TapiClient extends TapiCallOperations {
  /** Connects (and waits for the socket to open). Rejects with TapiClientError on 401 etc. */
  connect(): Promise<void>;
  /** Any method; resolves with its result or rejects with TapiClientError (`lineErrCode` for TAPI failures). */
  request<M extends TapiMethod>(
    method: M,
    params?: TapiMethodParams<M>,
  ): Promise<TapiMethodResults[M]>;
  lineInitialize(): Promise<TapiMethodResults['lineInitialize']>;
  /** Opens a line, remembers it for reconnects and emits `snapshot`. */
  lineOpen(lineId: string): Promise<TapiMethodResults['lineOpen']>;
  lineClose(lineId: string): Promise<TapiMethodResults['lineClose']>;
  lineMakeCall(lineId: string, destAddress: string): Promise<TapiMethodResults['lineMakeCall']>;
  lineGetCallInfo(callId: string): Promise<TapiMethodResults['lineGetCallInfo']>;
  lineGetCalls(lineId: string): Promise<TapiMethodResults['lineGetCalls']>;
  /** Sets or (null) cancels forwarding; UNCOND with '' is DND. */
  lineForward(
    lineId: string,
    forwardList: readonly { forwardMode: number; destAddress: string }[] | null,
  ): Promise<TapiMethodResults['lineForward']>;
  /** Extension: DND on/off. */
  lineSetDoNotDisturb(
    lineId: string,
    enabled: boolean,
  ): Promise<TapiMethodResults['lineSetDoNotDisturb']>;
  /** Extension: forwarding and DND of a line. */
  lineGetAddressStatus(lineId: string): Promise<TapiMethodResults['lineGetAddressStatus']>;
  on<E extends keyof TapiClientEvents>(
    event: E,
    listener: (...args: TapiClientEvents[E]) => void,
  ): () => void;
  /** Waits for the next event matching `predicate` (rejects after `timeoutMs`, default 10 s). */
  waitFor<E extends keyof TapiClientEvents>(
    event: E,
    predicate?: (...args: TapiClientEvents[E]) => boolean,
    timeoutMs?: number,
  ): Promise<TapiClientEvents[E][0]>;
  /** Closes for good (no reconnect). */
  close(): Promise<void>;
  readonly connected: boolean;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface RpcMessage {
  id?: unknown;
  method?: unknown;
  params?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown };
}

/** Creates a TAPI bridge client over the `ws` package (Node 20 has no stable WebSocket client). */
export function createTapiClient(options: TapiClientOptions): TapiClient {
  const emitter = new EventEmitter();
  emitter.on('error', () => undefined); // never crash on an unobserved error event
  const pending = new Map<number, Pending>();
  const openLines = new Set<string>();
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const baseDelay = options.reconnectDelayMs ?? 500;
  const maxDelay = options.maxReconnectDelayMs ?? 10_000;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 15_000;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 10_000;
  const logger = options.logger ?? SILENT_TAPI_LOGGER;
  let socket: WebSocket | null = null;
  let nextId = 1;
  let closedByUser = false;
  let everConnected = false;
  /** Reconnect attempts since the last successful open. */
  let attempt = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** `end` was emitted (once per connect()). */
  let ended = false;

  const emit = <E extends keyof TapiClientEvents>(event: E, ...args: TapiClientEvents[E]): void => {
    emitter.emit(event, ...args);
  };
  const end = (error: TapiClientError | null): void => {
    if (ended) return;
    ended = true;
    emit('end', { error });
  };

  const failAll = (error: TapiClientError): void => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      p.reject(error);
      pending.delete(id);
    }
  };

  const onMessage = (text: string): void => {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      emit('error', new TapiClientError('server sent a message that is not JSON', {}));
      return;
    }
    const messages = (Array.isArray(message) ? message : [message]) as RpcMessage[];
    for (const m of messages) {
      if (typeof m.method === 'string' && m.id === undefined) {
        switch (m.method) {
          case 'LINE_CALLSTATE':
            emit('LINE_CALLSTATE', m.params as LineCallStateParams);
            break;
          case 'LINE_CALLINFO':
            emit('LINE_CALLINFO', m.params as LineCallInfoParams);
            break;
          case 'LINE_LINEDEVSTATE':
            emit('LINE_LINEDEVSTATE', m.params as LineDevStateParams);
            break;
          case 'LINE_ADDRESSSTATE':
            emit('LINE_ADDRESSSTATE', m.params as LineAddressStateParams);
            break;
          default:
            break; // a newer server's notification: ignore
        }
        continue;
      }
      if (typeof m.id !== 'number') continue;
      const p = pending.get(m.id);
      if (!p) continue;
      pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) {
        const data = m.error.data as { code?: unknown; lineErr?: unknown } | undefined;
        const lineErrCode = typeof data?.code === 'number' ? data.code : null;
        p.reject(
          new TapiClientError(
            `${typeof data?.lineErr === 'string' ? `${data.lineErr}: ` : ''}${String(m.error.message)}`,
            {
              rpcCode: typeof m.error.code === 'number' ? m.error.code : null,
              lineErrCode,
              data: m.error.data,
            },
          ),
        );
      } else {
        p.resolve(m.result);
      }
    }
  };

  const rawRequest = (method: string, params: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const ws = socket;
      if (ws?.readyState !== WebSocket.OPEN) {
        reject(new TapiClientError(`not connected to ${options.url}; call connect() first`, {}));
        return;
      }
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new TapiClientError(`${method} got no reply within ${requestTimeoutMs} ms`, {}));
      }, requestTimeoutMs);
      pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params: params ?? {} }));
    });

  const reopenLines = async (): Promise<void> => {
    for (const lineId of openLines) {
      try {
        const result = (await rawRequest('lineOpen', { lineId })) as TapiMethodResults['lineOpen'];
        emit('snapshot', { lineId, calls: result.calls, reconnect: true });
      } catch (error) {
        emit('error', error instanceof Error ? error : new Error(String(error)));
      }
    }
  };

  const scheduleReconnect = (): void => {
    if (closedByUser || options.reconnect === false) return;
    const delay = reconnectDelay(attempt++, baseDelay, maxDelay);
    logger.debug({ url: options.url, attempt, delayMs: delay }, 'TAPI client: reconnecting');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (closedByUser) return;
      open().then(
        () => reopenLines(),
        (error: unknown) => {
          if (error instanceof TapiClientError && (error.status === 401 || error.status === 403)) {
            // A new token will not appear by retrying: stop and say so, once.
            logger.error({ url: options.url, status: error.status }, error.message);
            emit('error', error);
            end(error);
            return;
          }
          scheduleReconnect();
        },
      );
    }, delay);
  };

  const open = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(options.url, {
        headers: { authorization: `Bearer ${options.token}` },
      });
      socket = ws;
      let opened = false;
      /** Why this side terminated the socket (a missed pong), for the `disconnect` event. */
      let terminatedBecause: string | null = null;
      let heartbeat: ReturnType<typeof setInterval> | undefined;
      let pongTimer: ReturnType<typeof setTimeout> | undefined;
      let pingSentAt: number | null = null;
      const stopHeartbeat = (): void => {
        clearInterval(heartbeat);
        clearTimeout(pongTimer);
      };
      ws.on('open', () => {
        opened = true;
        everConnected = true;
        attempt = 0;
        if (heartbeatIntervalMs > 0) {
          heartbeat = setInterval(() => {
            if (pingSentAt !== null) return; // still waiting for the previous pong
            pingSentAt = Date.now();
            ws.ping();
            pongTimer = setTimeout(() => {
              terminatedBecause = `no pong within ${heartbeatTimeoutMs} ms`;
              logger.warn(
                { url: options.url, timeoutMs: heartbeatTimeoutMs },
                'TAPI client: the server stopped answering pings; dropping the connection',
              );
              ws.terminate();
            }, heartbeatTimeoutMs);
          }, heartbeatIntervalMs);
        }
        emit('open');
        resolve();
      });
      ws.on('pong', () => {
        if (pingSentAt === null) return;
        clearTimeout(pongTimer);
        const roundTripMs = Date.now() - pingSentAt;
        pingSentAt = null;
        emit('heartbeat', { roundTripMs });
      });
      ws.on('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        ws.terminate();
        const hint = status === 401 ? ' (wrong or missing token)' : '';
        reject(
          new TapiClientError(
            `${options.url} answered HTTP ${status} instead of upgrading${hint}`,
            { status },
          ),
        );
      });
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const text = Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Array.isArray(data)
            ? Buffer.concat(data).toString('utf8')
            : Buffer.from(data).toString('utf8');
        onMessage(text);
      });
      ws.on('error', (error) => {
        if (!opened)
          reject(
            new TapiClientError(`cannot connect to ${options.url}: ${error.message}`, {
              cause: error,
            }),
          );
        else emit('error', error);
      });
      ws.on('close', (code, reason) => {
        stopHeartbeat();
        if (socket === ws) socket = null;
        const why = terminatedBecause ?? reason.toString();
        failAll(
          new TapiClientError(
            `connection to ${options.url} closed (code ${code}${why === '' ? '' : `: ${why}`})`,
            {},
          ),
        );
        if (opened) {
          emit('disconnect', { code, reason: why });
          scheduleReconnect();
        }
      });
    });

  const client: TapiClient = {
    async connect() {
      closedByUser = false;
      ended = false;
      await open();
    },
    request: (method, params) =>
      rawRequest(method, params) as Promise<TapiMethodResults[typeof method]>,
    lineInitialize: () => client.request('lineInitialize', {}),
    async lineOpen(lineId) {
      const result = await client.request('lineOpen', { lineId });
      openLines.add(lineId);
      emit('snapshot', { lineId, calls: result.calls, reconnect: false });
      return result;
    },
    async lineClose(lineId) {
      openLines.delete(lineId);
      return client.request('lineClose', { lineId });
    },
    lineMakeCall: (lineId, destAddress) => client.request('lineMakeCall', { lineId, destAddress }),
    lineDrop: (callId) => client.request('lineDrop', { callId }),
    lineAnswer: (callId) => client.request('lineAnswer', { callId }),
    lineHold: (callId) => client.request('lineHold', { callId }),
    lineUnhold: (callId) => client.request('lineUnhold', { callId }),
    lineBlindTransfer: (callId, destAddress) =>
      client.request('lineBlindTransfer', { callId, destAddress }),
    lineGenerateDigits: (callId, digits) =>
      client.request('lineGenerateDigits', { callId, digits }),
    lineGetCallInfo: (callId) => client.request('lineGetCallInfo', { callId }),
    lineGetCalls: (lineId) => client.request('lineGetCalls', { lineId }),
    lineForward: (lineId, forwardList) =>
      client.request('lineForward', {
        lineId,
        forwardList: forwardList === null ? null : [...forwardList],
      }),
    lineSetDoNotDisturb: (lineId, enabled) =>
      client.request('lineSetDoNotDisturb', { lineId, enabled }),
    lineGetAddressStatus: (lineId) => client.request('lineGetAddressStatus', { lineId }),
    on(event, listener) {
      emitter.on(event, listener as (...args: unknown[]) => void);
      return () => emitter.off(event, listener as (...args: unknown[]) => void);
    },
    waitFor(event, predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new TapiClientError(`no ${event} event within ${timeoutMs} ms`, {}));
        }, timeoutMs);
        const off = client.on(event, (...args) => {
          if (predicate && !predicate(...args)) return;
          clearTimeout(timer);
          off();
          resolve(args[0]);
        });
      });
    },
    async close() {
      closedByUser = true;
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      const ws = socket;
      if (ws && ws.readyState !== WebSocket.CLOSED) {
        await new Promise<void>((resolve) => {
          ws.once('close', () => {
            resolve();
          });
          ws.close(1000, 'bye');
        });
      }
      end(null);
    },
    get connected() {
      return everConnected && socket?.readyState === WebSocket.OPEN;
    },
  };
  return client;
}

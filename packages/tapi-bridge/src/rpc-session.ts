import * as v from 'valibot';
import { isTapiLineError } from './errors.js';
import {
  RPC_ERROR,
  methodParamsSchemas,
  type TapiErrorData,
  type TapiMethod,
  type TapiNotification,
} from './protocol.js';
import type { TapiAccess, TapiBridge, TapiSession } from './tapi-bridge.js';
import { errorReporter, type TapiLogger } from './logger.js';

/** A JSON-RPC request id. */
type RpcId = string | number | null;

interface RpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

type RpcResponse =
  | { readonly jsonrpc: '2.0'; readonly id: RpcId; readonly result: unknown }
  | { readonly jsonrpc: '2.0'; readonly id: RpcId; readonly error: RpcErrorObject };

/** Options of {@link createRpcSession}. */
export interface RpcSessionOptions {
  readonly bridge: TapiBridge;
  /** Sends one JSON text frame to the client, in order. */
  readonly send: (text: string) => void;
  /** Unexpected (non-TAPI) errors, for the daemon's log. */
  readonly onError?: (error: unknown) => void;
  /** Where unexpected errors go when `onError` is absent (pino fits). Default: silent. */
  readonly logger?: TapiLogger;
  /** Largest accepted message in UTF-8 bytes. Default {@link TAPI_MAX_MESSAGE_BYTES}. */
  readonly maxMessageLength?: number;
  /** The lines this client may see and control (default: all). */
  readonly access?: TapiAccess;
  /**
   * Called after each request to a known method with its outcome (for an audit log of who
   * dialled or dropped); `lineErr` names the `LINEERR_*` of a refused or failed request.
   */
  readonly onMethod?: (outcome: TapiMethodOutcome) => void;
  /** Most requests in one JSON-RPC batch. Default {@link TAPI_MAX_BATCH}. */
  readonly maxBatch?: number;
}

/** One handled request, as {@link RpcSessionOptions.onMethod} reports it. */
export interface TapiMethodOutcome {
  readonly method: TapiMethod;
  readonly params: unknown;
  readonly ok: boolean;
  /** e.g. `LINEERR_NOTOWNER`; absent when ok or not a TAPI error. */
  readonly lineErr?: string;
}

/**
 * Largest TAPI JSON-RPC message in bytes (64 KiB): the session refuses a longer one and the
 * daemon's WebSocket server closes the socket (1009) on a frame over it (`maxPayload`).
 */
export const TAPI_MAX_MESSAGE_BYTES = 65_536;

/**
 * Most requests in one JSON-RPC batch (100): a larger batch is refused whole (-32600), so one
 * message cannot queue thousands of phone operations.
 */
export const TAPI_MAX_BATCH = 100;

/** One client's JSON-RPC 2.0 conversation with the bridge, independent of the transport. */
export interface RpcSession {
  /** Handles one incoming text message (a request, a notification or a batch). */
  handleMessage(text: string): Promise<void>;
  /** Ends the session: its lines close (unprovisioning where it was the last user). */
  close(): Promise<void>;
  readonly session: TapiSession;
}

const requestSchema = v.object({
  jsonrpc: v.literal('2.0'),
  method: v.string(),
  params: v.optional(v.unknown()),
  id: v.optional(v.union([v.string(), v.number(), v.null()])),
});

// The bridge hands the same notification object to every session: encode it once, not once per
// connected client (with 100 clients this was most of the fan-out time).
const encoded = new WeakMap<TapiNotification, string>();
function encodeNotification(n: TapiNotification): string {
  let text = encoded.get(n);
  if (text === undefined) {
    text = JSON.stringify({ jsonrpc: '2.0', method: n.method, params: n.params });
    encoded.set(n, text);
  }
  return text;
}

function isMethod(name: string): name is TapiMethod {
  return Object.hasOwn(methodParamsSchemas, name);
}

function rpcError(id: RpcId, code: number, message: string, data?: unknown): RpcResponse {
  return {
    jsonrpc: '2.0',
    id,
    error: data === undefined ? { code, message } : { code, message, data },
  };
}

function idOf(value: unknown): RpcId {
  if (typeof value === 'object' && value !== null && 'id' in value) {
    const id = value.id;
    if (typeof id === 'string' || typeof id === 'number') return id;
  }
  return null;
}

/**
 * Speaks JSON-RPC 2.0 for one client: parses and validates requests (valibot), calls the bridge
 * session, and sends results, error objects (-32700/-32600/-32601/-32602, -32000 with the
 * `LINEERR_*` in `data`) and LINE_* notifications through `send`.
 */
export function createRpcSession(options: RpcSessionOptions): RpcSession {
  const maxLength = options.maxMessageLength ?? TAPI_MAX_MESSAGE_BYTES;
  const maxBatch = options.maxBatch ?? TAPI_MAX_BATCH;
  const reportError = errorReporter(options, 'TAPI bridge: a request failed unexpectedly');
  const send = (message: unknown): void => {
    options.send(JSON.stringify(message));
  };
  const session = options.bridge.openSession({
    onNotification: (n: TapiNotification) => {
      options.send(encodeNotification(n));
    },
    ...(options.access === undefined ? {} : { access: options.access }),
  });

  const call = async (
    method: TapiMethod,
    params: unknown,
    reply: (result: unknown) => void,
  ): Promise<unknown> => {
    switch (method) {
      case 'lineInitialize':
        return options.bridge.lineInitialize(options.access);
      case 'lineOpen': {
        const p = v.parse(methodParamsSchemas.lineOpen, params);
        // The reply goes out the moment the line opens, so it precedes every notification.
        await session.lineOpen(p.lineId, { onOpened: reply });
        return undefined;
      }
      case 'lineClose':
        return session.lineClose(v.parse(methodParamsSchemas.lineClose, params).lineId);
      case 'lineMakeCall': {
        const p = v.parse(methodParamsSchemas.lineMakeCall, params);
        // Like lineOpen: the reply goes out before the new call's first LINE_CALLSTATE.
        await session.lineMakeCall(p.lineId, p.destAddress, {
          ...(p.identity === undefined ? {} : { identity: p.identity }),
          onReported: reply,
        });
        return undefined;
      }
      case 'lineDrop':
        return session.lineDrop(v.parse(methodParamsSchemas.lineDrop, params).callId);
      case 'lineAnswer':
        return session.lineAnswer(v.parse(methodParamsSchemas.lineAnswer, params).callId);
      case 'lineHold':
        return session.lineHold(v.parse(methodParamsSchemas.lineHold, params).callId);
      case 'lineUnhold':
        return session.lineUnhold(v.parse(methodParamsSchemas.lineUnhold, params).callId);
      case 'lineBlindTransfer': {
        const p = v.parse(methodParamsSchemas.lineBlindTransfer, params);
        return session.lineBlindTransfer(p.callId, p.destAddress);
      }
      case 'lineGenerateDigits': {
        const p = v.parse(methodParamsSchemas.lineGenerateDigits, params);
        return session.lineGenerateDigits(p.callId, p.digits);
      }
      case 'lineGetCallInfo':
        return session.lineGetCallInfo(v.parse(methodParamsSchemas.lineGetCallInfo, params).callId);
      case 'lineGetCalls':
        return session.lineGetCalls(v.parse(methodParamsSchemas.lineGetCalls, params).lineId);
      case 'lineForward': {
        const p = v.parse(methodParamsSchemas.lineForward, params);
        return session.lineForward(p.lineId, p.forwardList);
      }
      case 'lineSetDoNotDisturb': {
        const p = v.parse(methodParamsSchemas.lineSetDoNotDisturb, params);
        return session.lineSetDoNotDisturb(p.lineId, p.enabled);
      }
      case 'lineGetAddressStatus':
        return session.lineGetAddressStatus(
          v.parse(methodParamsSchemas.lineGetAddressStatus, params).lineId,
        );
    }
  };

  /** Handles one request object; resolves to its response, or null for a notification. */
  const handleOne = async (
    raw: unknown,
    direct: ((response: RpcResponse) => void) | null,
  ): Promise<RpcResponse | null> => {
    const parsed = v.safeParse(requestSchema, raw);
    if (!parsed.success) {
      return rpcError(
        idOf(raw),
        RPC_ERROR.INVALID_REQUEST,
        'not a JSON-RPC 2.0 request: expected {"jsonrpc":"2.0","method":…,"id":…}',
        {
          issues: parsed.issues.map((i) => i.message),
        },
      );
    }
    const request = parsed.output;
    const isNotification = request.id === undefined;
    const id: RpcId = request.id ?? null;
    if (!isMethod(request.method)) {
      return isNotification
        ? null
        : rpcError(
            id,
            RPC_ERROR.METHOD_NOT_FOUND,
            `unknown method "${request.method}"; methods: ${Object.keys(methodParamsSchemas).join(', ')}`,
          );
    }
    const params = request.params;
    if (
      params !== undefined &&
      (typeof params !== 'object' || params === null || Array.isArray(params))
    ) {
      return isNotification
        ? null
        : rpcError(
            id,
            RPC_ERROR.INVALID_PARAMS,
            `params of ${request.method} must be an object (by-name parameters)`,
          );
    }
    const replied: { response: RpcResponse | null } = { response: null };
    const reply = (result: unknown): void => {
      replied.response = { jsonrpc: '2.0', id, result };
      if (direct && !isNotification) direct(replied.response);
    };
    const method = request.method;
    const report = (ok: boolean, lineErr?: string): void => {
      if (options.onMethod === undefined) return;
      try {
        options.onMethod({ method, params, ok, ...(lineErr === undefined ? {} : { lineErr }) });
      } catch (error) {
        reportError(error);
      }
    };
    try {
      const result = await call(request.method, params ?? {}, reply);
      report(true);
      if (isNotification) return null;
      if (replied.response !== null) return direct ? null : replied.response;
      return { jsonrpc: '2.0', id, result };
    } catch (error) {
      report(false, isTapiLineError(error) ? error.lineErr : undefined);
      if (isNotification) return null;
      if (v.isValiError(error)) {
        return rpcError(
          id,
          RPC_ERROR.INVALID_PARAMS,
          `invalid params for ${request.method}: ${error.issues.map((i) => `${i.path?.map((p) => String(p.key)).join('.') ?? 'params'}: ${i.message}`).join('; ')}`,
        );
      }
      if (isTapiLineError(error)) {
        const data: TapiErrorData = {
          lineErr: error.lineErr,
          code: error.code,
          operation: error.operation,
          ...(error.lineId === undefined ? {} : { lineId: error.lineId }),
          ...(error.callId === undefined ? {} : { callId: error.callId }),
        };
        return rpcError(id, RPC_ERROR.TAPI_ERROR, error.message, data);
      }
      reportError(error);
      return rpcError(id, RPC_ERROR.INTERNAL_ERROR, 'internal error; see the daemon log');
    }
  };

  return {
    session,
    async handleMessage(text) {
      // Characters never outnumber UTF-8 bytes: count bytes only when the length is near.
      const bytes = text.length * 3 <= maxLength ? text.length : Buffer.byteLength(text, 'utf8');
      if (bytes > maxLength) {
        send(
          rpcError(
            null,
            RPC_ERROR.INVALID_REQUEST,
            `message of ${String(bytes)} bytes is over the limit of ${String(maxLength)}`,
          ),
        );
        return;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        send(rpcError(null, RPC_ERROR.PARSE_ERROR, 'parse error: the message is not valid JSON'));
        return;
      }
      if (Array.isArray(raw)) {
        if (raw.length === 0) {
          send(rpcError(null, RPC_ERROR.INVALID_REQUEST, 'empty batch'));
          return;
        }
        if (raw.length > maxBatch) {
          send(
            rpcError(
              null,
              RPC_ERROR.INVALID_REQUEST,
              `batch of ${String(raw.length)} requests is over the limit of ${String(maxBatch)}; send smaller batches`,
            ),
          );
          return;
        }
        const responses = await Promise.all(raw.map((r) => handleOne(r, null)));
        const out = responses.filter((r): r is RpcResponse => r !== null);
        if (out.length > 0) send(out);
        return;
      }
      const response = await handleOne(raw, send);
      if (response !== null) send(response);
    },
    close: () => session.close(),
  };
}

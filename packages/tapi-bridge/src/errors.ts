import { hasErrorName } from '@snomlink/core';
import { LINEERR, lineErrName, type LineErrName, type LineErrValue } from './constants.js';

/** Base class of every error this package throws. */
export class TapiBridgeError extends Error {
  override readonly name: string = 'TapiBridgeError';
}

/** Context of a refused or failed TAPI operation. */
export interface TapiLineErrorContext {
  /** The operation, e.g. `lineDrop`. */
  readonly operation: string;
  /** The `LINEERR_*` value (unsigned), e.g. `0x8000001C`. */
  readonly code: LineErrValue;
  readonly lineId?: string | undefined;
  readonly callId?: string | undefined;
  readonly cause?: unknown;
}

/**
 * A TAPI operation was refused (wrong state, unknown handle, bad address) or failed at the phone.
 * `code` is the `LINEERR_*` value a TAPI application expects; `lineErr` its name.
 */
export class TapiLineError extends TapiBridgeError {
  override readonly name: string = 'TapiLineError';
  readonly operation: string;
  readonly code: LineErrValue;
  readonly lineErr: `LINEERR_${LineErrName}`;
  readonly lineId: string | undefined;
  readonly callId: string | undefined;

  constructor(message: string, context: TapiLineErrorContext) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.operation = context.operation;
    this.code = context.code;
    this.lineErr = lineErrName(context.code) ?? 'LINEERR_OPERATIONFAILED';
    this.lineId = context.lineId;
    this.callId = context.callId;
  }
}

/** A monitor client's request failed: a JSON-RPC error object came back, or the socket closed. */
export class TapiClientError extends TapiBridgeError {
  override readonly name: string = 'TapiClientError';
  /** JSON-RPC error code (-32700 … -32000), or null when the connection failed. */
  readonly rpcCode: number | null;
  /** The `LINEERR_*` value when the server reported a TAPI failure. */
  readonly lineErrCode: number | null;
  readonly data: unknown;
  /** HTTP status when the server refused the WebSocket upgrade (401: wrong token), else null. */
  readonly status: number | null;

  constructor(
    message: string,
    context: {
      rpcCode?: number | null;
      lineErrCode?: number | null;
      data?: unknown;
      status?: number | null;
      cause?: unknown;
    },
  ) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.rpcCode = context.rpcCode ?? null;
    this.lineErrCode = context.lineErrCode ?? null;
    this.data = context.data;
    this.status = context.status ?? null;
  }
}

/** True for any error of this package (also from a duplicated copy of it). */
export function isTapiBridgeError(e: unknown): e is TapiBridgeError {
  return (
    e instanceof TapiBridgeError ||
    hasErrorName(e, ['TapiBridgeError', 'TapiLineError', 'TapiClientError'])
  );
}

/** True for a refused or failed TAPI operation carrying a `LINEERR_*` code. */
export function isTapiLineError(e: unknown): e is TapiLineError {
  return (e instanceof TapiLineError || hasErrorName(e, ['TapiLineError'])) && 'code' in e;
}

/** True for a monitor-client failure. */
export function isTapiClientError(e: unknown): e is TapiClientError {
  return e instanceof TapiClientError || hasErrorName(e, ['TapiClientError']);
}

/** Shorthand used inside the bridge. */
export function lineError(
  operation: string,
  code: keyof typeof LINEERR,
  message: string,
  extra: Omit<TapiLineErrorContext, 'operation' | 'code'> = {},
): TapiLineError {
  return new TapiLineError(message, { operation, code: LINEERR[code], ...extra });
}

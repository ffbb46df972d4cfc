import { hasErrorName } from '@snomlink/core';

/** Base class of every error this package creates. */
export class LogScannerError extends Error {
  override readonly name: string = 'LogScannerError';
  /** The phone concerned, when there is one. */
  readonly phoneId: string | null;

  constructor(message: string, options: { phoneId?: string | null; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.phoneId = options.phoneId ?? null;
  }
}

/** Reading or clearing a phone's log failed; `operation` says which, `cause` holds the client error. */
export class LogReadError extends LogScannerError {
  override readonly name = 'LogReadError';
  readonly operation: 'read' | 'clear';
  /** Consecutive failures so far, including this one. */
  readonly attempt: number;

  constructor(
    message: string,
    options: { phoneId: string; operation: 'read' | 'clear'; attempt: number; cause?: unknown },
  ) {
    super(message, options);
    this.operation = options.operation;
    this.attempt = options.attempt;
  }
}

/** A queued scan was dropped because its scheduler was closed or its scanner stopped. */
export class ScanCancelledError extends LogScannerError {
  override readonly name = 'ScanCancelledError';
}

/** True for any error of this package (also a copy from a duplicated install). */
export function isLogScannerError(e: unknown): e is LogScannerError {
  return (
    e instanceof LogScannerError ||
    hasErrorName(e, ['LogScannerError', 'LogReadError', 'ScanCancelledError'])
  );
}

/** True for a {@link LogReadError}. */
export function isLogReadError(e: unknown): e is LogReadError {
  return e instanceof LogReadError || hasErrorName(e, ['LogReadError']);
}

/** True for a {@link ScanCancelledError}. */
export function isScanCancelledError(e: unknown): e is ScanCancelledError {
  return e instanceof ScanCancelledError || hasErrorName(e, ['ScanCancelledError']);
}

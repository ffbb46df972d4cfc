import { hasErrorName } from '@snomlink/core';

/** Base class of every error this package creates. */
export class DirectoryError extends Error {
  override readonly name: string = 'DirectoryError';
  /** The source concerned (its `id`), when there is one. */
  readonly sourceId: string | null;

  constructor(message: string, options: { sourceId?: string | null; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.sourceId = options.sourceId ?? null;
  }
}

/** The directory options or a source's configuration are invalid; `issues` lists why. */
export class DirectoryConfigError extends DirectoryError {
  override readonly name = 'DirectoryConfigError';
  readonly issues: readonly string[];

  constructor(message: string, options: { issues: readonly string[]; sourceId?: string | null }) {
    super(message, options);
    this.issues = options.issues;
  }
}

/** A source failed to answer (connection refused, bad credentials, HTTP error, unreadable file). */
export class DirectorySourceError extends DirectoryError {
  override readonly name: string = 'DirectorySourceError';
}

/** A source did not answer within its timeout; `timeoutMs` is the limit it missed. */
export class DirectoryTimeoutError extends DirectorySourceError {
  override readonly name = 'DirectoryTimeoutError';
  readonly timeoutMs: number;

  constructor(message: string, options: { sourceId: string; timeoutMs: number }) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
  }
}

/** True for any error of this package (also a copy from a duplicated install). */
export function isDirectoryError(e: unknown): e is DirectoryError {
  return (
    e instanceof DirectoryError ||
    hasErrorName(e, [
      'DirectoryError',
      'DirectoryConfigError',
      'DirectorySourceError',
      'DirectoryTimeoutError',
    ])
  );
}

/** True for a {@link DirectoryConfigError}. */
export function isDirectoryConfigError(e: unknown): e is DirectoryConfigError {
  return e instanceof DirectoryConfigError || hasErrorName(e, ['DirectoryConfigError']);
}

/** True for a {@link DirectorySourceError} (a {@link DirectoryTimeoutError} included). */
export function isDirectorySourceError(e: unknown): e is DirectorySourceError {
  return (
    e instanceof DirectorySourceError ||
    hasErrorName(e, ['DirectorySourceError', 'DirectoryTimeoutError'])
  );
}

/** True for a {@link DirectoryTimeoutError}. */
export function isDirectoryTimeoutError(e: unknown): e is DirectoryTimeoutError {
  return e instanceof DirectoryTimeoutError || hasErrorName(e, ['DirectoryTimeoutError']);
}

/** A one-line description of any thrown value, for health entries and logs. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    // Third-party errors (ldapts: "InvalidCredentialsError: Code: 0x31") say most in their name.
    const own =
      isDirectoryError(e) || e.name === 'Error' ? e.message : `${e.name}: ${e.message.trim()}`;
    return e.cause === undefined || isDirectoryError(e) ? own : `${own}: ${describeError(e.cause)}`;
  }
  return String(e);
}

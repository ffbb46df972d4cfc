import { hasErrorName } from '@snomlink/core';

/** How a connection to the phone failed (see {@link SnomConnectionError}). */
export type SnomConnectionErrorCode = 'refused' | 'dns' | 'reset' | 'tls' | 'other';

/** Every `code` a {@link SnomClientError} can carry; subclasses narrow it. */
export type SnomClientErrorCode =
  | 'invalid-argument'
  | 'http-status'
  | 'auth'
  | 'timeout'
  | 'unsupported-model'
  | 'redirect'
  | 'unexpected-response'
  | SnomConnectionErrorCode;

/** The authentication scheme a phone asked for in its `WWW-Authenticate` header. */
export type SnomAuthScheme = 'basic' | 'digest' | 'unknown';

/** Context every snom-client error carries. `url` never holds credentials. */
export interface SnomClientErrorContext {
  phoneHost: string;
  url?: string | undefined;
  cause?: unknown;
}

const BRAND = Symbol.for('@snomlink/snom-client/error');

/**
 * Base class of every error snom-client throws. `url` is the request URL with credentials and
 * secret-looking query values redacted; messages never contain the password.
 */
export class SnomClientError extends Error {
  override readonly name: string = 'SnomClientError';
  /** What went wrong, as a machine-readable code. */
  readonly code: SnomClientErrorCode;
  /** The phone's `address[:port]`. */
  readonly phoneHost: string;
  /** The request URL (redacted), or undefined when no request was made. */
  readonly url: string | undefined;

  constructor(message: string, code: SnomClientErrorCode, context: SnomClientErrorContext) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.phoneHost = context.phoneHost;
    this.url = context.url;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** The phone answered with an unexpected HTTP status (e.g. 404 or 500). */
export class SnomHttpError extends SnomClientError {
  override readonly name: string = 'SnomHttpError';
  /** The HTTP status the phone answered with. */
  readonly status: number;

  constructor(message: string, status: number, context: SnomClientErrorContext) {
    super(message, 'http-status', context);
    this.status = status;
  }
}

/** The phone answered 401: credentials missing, wrong, or for the wrong scheme. */
export class SnomAuthError extends SnomHttpError {
  override readonly name: string = 'SnomAuthError';
  override readonly code = 'auth' as const;
  /** The scheme the phone asked for (from `WWW-Authenticate`). */
  readonly scheme: SnomAuthScheme;

  constructor(message: string, scheme: SnomAuthScheme, context: SnomClientErrorContext) {
    super(message, 401, context);
    this.scheme = scheme;
  }
}

/** The phone did not answer within `timeoutMs`. */
export class SnomTimeoutError extends SnomClientError {
  override readonly name: string = 'SnomTimeoutError';
  override readonly code = 'timeout' as const;
  /** The per-request timeout that expired, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, context: SnomClientErrorContext) {
    super(message, 'timeout', context);
    this.timeoutMs = timeoutMs;
  }
}

/** No HTTP exchange happened: connection refused, DNS failure, reset, TLS failure, … */
export class SnomConnectionError extends SnomClientError {
  override readonly name: string = 'SnomConnectionError';
  declare readonly code: SnomConnectionErrorCode;

  // Not useless: it narrows `code` to the connection codes.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(message: string, code: SnomConnectionErrorCode, context: SnomClientErrorContext) {
    super(message, code, context);
  }
}

/** The phone does not take HTTP commands (snom D8xx "Phone Manager" phones). */
export class SnomUnsupportedModelError extends SnomClientError {
  override readonly name: string = 'SnomUnsupportedModelError';
  override readonly code = 'unsupported-model' as const;
  /** The model name, when known. */
  readonly model: string | null;

  constructor(message: string, model: string | null, context: SnomClientErrorContext) {
    super(message, 'unsupported-model', context);
    this.model = model;
  }
}

/** The phone redirected somewhere the client will not follow (another host, a loop, no Location). */
export class SnomRedirectError extends SnomClientError {
  override readonly name: string = 'SnomRedirectError';
  override readonly code = 'redirect' as const;
  /** The redirect status (301, 302, 307, 308). */
  readonly status: number;
  /** The redacted redirect target, when the phone sent one. */
  readonly location: string | undefined;

  constructor(
    message: string,
    status: number,
    location: string | undefined,
    context: SnomClientErrorContext,
  ) {
    super(message, 'redirect', context);
    this.status = status;
    this.location = location;
  }
}

/**
 * The host answered, but not like a snom phone: e.g. a 200 `info.htm` without model, MAC or
 * firmware, or a 200 to `dial` that is not a snom page. Usually the wrong host, port or scheme
 * (another web server answers); unusual firmware can turn the check off with
 * `strictResponses: false`.
 */
export class SnomProtocolError extends SnomClientError {
  override readonly name: string = 'SnomProtocolError';
  override readonly code = 'unexpected-response' as const;
  /** The HTTP status of the answer (e.g. 200). */
  readonly status: number;
  /**
   * The start of what came back (at most ~120 characters): entities decoded, control characters
   * removed, whitespace collapsed, the password and secret-looking query values redacted.
   */
  readonly excerpt: string;

  constructor(message: string, status: number, excerpt: string, context: SnomClientErrorContext) {
    super(message, 'unexpected-response', context);
    this.status = status;
    this.excerpt = excerpt;
  }
}

/** A snom-client error (branded, so another package's error of the same name is not one) named one of `names`. */
function hasName(error: unknown, names: readonly string[]): boolean {
  return hasErrorName(error, names) && (error as { [BRAND]?: unknown })[BRAND] === true;
}

const ALL_NAMES = [
  'SnomClientError',
  'SnomHttpError',
  'SnomAuthError',
  'SnomTimeoutError',
  'SnomConnectionError',
  'SnomUnsupportedModelError',
  'SnomRedirectError',
  'SnomProtocolError',
] as const;

/** True for any error thrown by snom-client (also across duplicated package copies). */
export function isSnomClientError(error: unknown): error is SnomClientError {
  return hasName(error, ALL_NAMES);
}

/** True for {@link SnomHttpError} and its subclass {@link SnomAuthError}. */
export function isSnomHttpError(error: unknown): error is SnomHttpError {
  return hasName(error, ['SnomHttpError', 'SnomAuthError']);
}

/** True for {@link SnomAuthError}. */
export function isSnomAuthError(error: unknown): error is SnomAuthError {
  return hasName(error, ['SnomAuthError']);
}

/** True for {@link SnomTimeoutError}. */
export function isSnomTimeoutError(error: unknown): error is SnomTimeoutError {
  return hasName(error, ['SnomTimeoutError']);
}

/** True for {@link SnomConnectionError}. */
export function isSnomConnectionError(error: unknown): error is SnomConnectionError {
  return hasName(error, ['SnomConnectionError']);
}

/** True for {@link SnomUnsupportedModelError}. */
export function isSnomUnsupportedModelError(error: unknown): error is SnomUnsupportedModelError {
  return hasName(error, ['SnomUnsupportedModelError']);
}

/** True for {@link SnomRedirectError}. */
export function isSnomRedirectError(error: unknown): error is SnomRedirectError {
  return hasName(error, ['SnomRedirectError']);
}

/** True for {@link SnomProtocolError}. */
export function isSnomProtocolError(error: unknown): error is SnomProtocolError {
  return hasName(error, ['SnomProtocolError']);
}

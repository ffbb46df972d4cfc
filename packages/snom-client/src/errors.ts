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
  | 'response-too-large'
  | SnomConnectionErrorCode;

/**
 * The authentication scheme a phone asked for in its `WWW-Authenticate` header, or
 * `login-page` for firmware 10.x web logins that answer a wrong password with 200 and a
 * "Login failed!" page instead of a 401.
 */
export type SnomAuthScheme = 'basic' | 'digest' | 'unknown' | 'login-page';

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

/**
 * The phone refused the login: a 401 (credentials missing, wrong, or for the wrong scheme), or
 * a 200 "Login failed!" page (firmware 10.x; `status` 200, `scheme` `login-page`).
 */
export class SnomAuthError extends SnomHttpError {
  override readonly name: string = 'SnomAuthError';
  override readonly code = 'auth' as const;
  /** The scheme the phone asked for (from `WWW-Authenticate`), or `login-page`. */
  readonly scheme: SnomAuthScheme;

  constructor(
    message: string,
    scheme: SnomAuthScheme,
    context: SnomClientErrorContext,
    status = 401,
  ) {
    super(message, status, context);
    this.scheme = scheme;
  }
}

/**
 * With `auth: 'auto'`, a phone that had asked for Digest now asks for Basic: the client refused
 * to send the password in the clear (a man in the middle may be asking for it). `scheme` is
 * `basic`. If the phone's `http_scheme` really changed, create a new client.
 */
export class SnomAuthDowngradeError extends SnomAuthError {
  override readonly name: string = 'SnomAuthDowngradeError';

  constructor(message: string, context: SnomClientErrorContext) {
    super(message, 'basic', context);
  }
}

/**
 * The phone's answer was longer than `maxResponseBytes` (default 1 MiB): the client stopped
 * reading at the limit and closed the connection, so a huge or hostile page cannot fill memory
 * or stall the process.
 */
export class SnomResponseTooLargeError extends SnomClientError {
  override readonly name: string = 'SnomResponseTooLargeError';
  override readonly code = 'response-too-large' as const;
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The limit that was exceeded, in bytes. */
  readonly maxBytes: number;

  constructor(message: string, status: number, maxBytes: number, context: SnomClientErrorContext) {
    super(message, 'response-too-large', context);
    this.status = status;
    this.maxBytes = maxBytes;
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
  'SnomAuthDowngradeError',
  'SnomResponseTooLargeError',
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

/** True for {@link SnomHttpError} and its subclasses {@link SnomAuthError}, {@link SnomAuthDowngradeError}. */
export function isSnomHttpError(error: unknown): error is SnomHttpError {
  return hasName(error, ['SnomHttpError', 'SnomAuthError', 'SnomAuthDowngradeError']);
}

/** True for {@link SnomAuthError} and its subclass {@link SnomAuthDowngradeError}. */
export function isSnomAuthError(error: unknown): error is SnomAuthError {
  return hasName(error, ['SnomAuthError', 'SnomAuthDowngradeError']);
}

/** True for {@link SnomAuthDowngradeError}: a refused Digest → Basic downgrade. */
export function isSnomAuthDowngradeError(error: unknown): error is SnomAuthDowngradeError {
  return hasName(error, ['SnomAuthDowngradeError']);
}

/** True for {@link SnomResponseTooLargeError}. */
export function isSnomResponseTooLargeError(error: unknown): error is SnomResponseTooLargeError {
  return hasName(error, ['SnomResponseTooLargeError']);
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

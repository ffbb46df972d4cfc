import { hasErrorName } from '@snomlink/core';

/** Why a listener could not bind its port. */
export type ListenerStartErrorCode =
  'port-in-use' | 'permission' | 'address-unavailable' | 'invalid-port' | 'other';

/** Base class of every error the listener package throws. */
export class ListenerError extends Error {
  override readonly name: string = 'ListenerError';
}

/**
 * The listener could not start on the requested address. The message names the port and says
 * to choose another one, since that is nearly always the fix.
 */
export class ListenerStartError extends ListenerError {
  override readonly name: string = 'ListenerStartError';
  /** What went wrong, as data. */
  readonly code: ListenerStartErrorCode;
  /** The port that was asked for. */
  readonly port: number;
  /** The local address that was asked for (`0.0.0.0` = all IPv4 interfaces). */
  readonly host: string;

  constructor(
    code: ListenerStartErrorCode,
    host: string,
    port: number,
    options?: { cause?: unknown },
  ) {
    super(startErrorMessage(code, host, port), options);
    this.code = code;
    this.host = host;
    this.port = port;
  }
}

/**
 * `buildActionUrls` was given a phone id, secret or public base it cannot put into a URL, or
 * `createListener` an unusable admission limit.
 */
export class ListenerConfigError extends ListenerError {
  override readonly name: string = 'ListenerConfigError';
  /** The option that was wrong (`phoneId`, `secret`, `publicBase`, `capabilities`). */
  readonly option: string;

  constructor(option: string, message: string) {
    super(message);
    this.option = option;
  }
}

const CHOOSE = 'choose another port (listener.port or --listen)';

function startErrorMessage(code: ListenerStartErrorCode, host: string, port: number): string {
  switch (code) {
    case 'port-in-use':
      return `port ${String(port)} is already in use on ${host}; ${CHOOSE}`;
    case 'permission':
      return `no permission to listen on port ${String(port)} (${host}); ports below 1024 need extra rights: ${CHOOSE}`;
    case 'address-unavailable':
      return `cannot listen on ${host}:${String(port)}: ${host} is not an address of this computer; use 0.0.0.0 (all interfaces) or one of this computer's IP addresses, or ${CHOOSE}`;
    case 'invalid-port':
      return `port ${String(port)} is not a valid TCP port (0-65535); ${CHOOSE}`;
    case 'other':
      return `cannot listen on ${host}:${String(port)}; ${CHOOSE}`;
  }
}

/** True for any error of this package (checks `name` too, so duplicated package copies match). */
export function isListenerError(error: unknown): error is ListenerError {
  return (
    error instanceof ListenerError ||
    hasErrorName(error, ['ListenerError', 'ListenerStartError', 'ListenerConfigError'])
  );
}

/** True for a `ListenerStartError` (port in use, no permission, address not local, …). */
export function isListenerStartError(error: unknown): error is ListenerStartError {
  return (
    error instanceof ListenerStartError ||
    (hasErrorName(error, ['ListenerStartError']) && 'port' in error)
  );
}

/** True for a `ListenerConfigError` (bad phone id, secret or public base). */
export function isListenerConfigError(error: unknown): error is ListenerConfigError {
  return error instanceof ListenerConfigError || hasErrorName(error, ['ListenerConfigError']);
}

import { hasErrorName } from '@snomlink/core';

/** Base class of every error this package throws. */
export class MqttBridgeError extends Error {
  override readonly name: string = 'MqttBridgeError';
}

/** The bridge's options are invalid (bad URL, prefix with a wildcard, duplicate line ids …). */
export class MqttConfigError extends MqttBridgeError {
  override readonly name: string = 'MqttConfigError';
  /** Dotted path of the offending option, e.g. `lines.1.id`, or null for the whole object. */
  readonly path: string | null;

  constructor(message: string, path: string | null, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}

/** True for any error of this package (also from a duplicated copy of it). */
export function isMqttBridgeError(e: unknown): e is MqttBridgeError {
  return e instanceof MqttBridgeError || hasErrorName(e, ['MqttBridgeError', 'MqttConfigError']);
}

/** True for invalid bridge options. */
export function isMqttConfigError(e: unknown): e is MqttConfigError {
  return e instanceof MqttConfigError || hasErrorName(e, ['MqttConfigError']);
}

import { hasErrorName } from '@snomlink/core';

/** Base class of every error the simulator throws; check with {@link isSimulatorError}. */
export class SimulatorError extends Error {
  override readonly name: string = 'SimulatorError';
  /** The simulated phone's id (its address once listening), when known. */
  readonly phoneId: string | undefined;

  constructor(message: string, options?: { cause?: unknown; phoneId?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.phoneId = options?.phoneId;
  }
}

/** `listen()` failed: the address is in use or not available. */
export class SimulatorListenError extends SimulatorError {
  override readonly name: string = 'SimulatorListenError';
  /** The address the phone tried to listen on. */
  readonly host: string;
  /** The port the phone tried to listen on. */
  readonly port: number;
  /** The system error code, e.g. EADDRINUSE or EADDRNOTAVAIL. */
  readonly code: string | undefined;

  constructor(
    message: string,
    options: { host: string; port: number; code?: string; cause?: unknown; phoneId?: string },
  ) {
    super(message, options);
    this.host = options.host;
    this.port = options.port;
    this.code = options.code;
  }
}

/** `waitForActionUrl()` gave up before an Action URL of the wanted kind was fired. */
export class ActionUrlTimeoutError extends SimulatorError {
  override readonly name: string = 'ActionUrlTimeoutError';
  /** The event kind that was waited for. */
  readonly kind: string;
  /** How long it waited. */
  readonly timeoutMs: number;

  constructor(kind: string, timeoutMs: number, phoneId?: string) {
    super(
      `no '${kind}' Action URL was fired within ${String(timeoutMs)} ms; check that action URL setting for '${kind}' is written into the phone and that the call step happened`,
      phoneId === undefined ? undefined : { phoneId },
    );
    this.kind = kind;
    this.timeoutMs = timeoutMs;
  }
}

/** A call step that does not fit the phone's state, e.g. `answer()` with nothing ringing. */
export class CallStateError extends SimulatorError {
  override readonly name: string = 'CallStateError';
  /** The step that was asked for. */
  readonly step: string;

  constructor(step: string, message: string, phoneId?: string) {
    super(message, phoneId === undefined ? undefined : { phoneId });
    this.step = step;
  }
}

/** True for any simulator error (checks `name` too, so duplicated package copies match). */
export function isSimulatorError(e: unknown): e is SimulatorError {
  return (
    e instanceof SimulatorError ||
    hasErrorName(e, [
      'SimulatorError',
      'SimulatorListenError',
      'ActionUrlTimeoutError',
      'CallStateError',
    ])
  );
}

/** True for a {@link SimulatorListenError}. */
export function isSimulatorListenError(e: unknown): e is SimulatorListenError {
  return e instanceof SimulatorListenError || hasErrorName(e, ['SimulatorListenError']);
}

/** True for an {@link ActionUrlTimeoutError}. */
export function isActionUrlTimeoutError(e: unknown): e is ActionUrlTimeoutError {
  return e instanceof ActionUrlTimeoutError || hasErrorName(e, ['ActionUrlTimeoutError']);
}

/** True for a {@link CallStateError}. */
export function isCallStateError(e: unknown): e is CallStateError {
  return e instanceof CallStateError || hasErrorName(e, ['CallStateError']);
}

import { DaemonError } from '../errors.js';

/** Why `snomlink dial` failed; `exitCode` 2 for usage and config, 1 when the daemon said no. */
export class DialCommandError extends DaemonError {
  override readonly name: string = 'DaemonDialCommandError';
  /** The process exit code the command ends with. */
  readonly exitCode: 1 | 2;

  constructor(message: string, exitCode: 1 | 2, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** True for a DialCommandError (also a duplicated copy, by name). */
export function isDialCommandError(error: unknown): error is DialCommandError {
  return error instanceof Error && error.name === 'DaemonDialCommandError';
}

import { hasErrorName } from '@snomlink/core';

/** Base class of every error this package throws. */
export class NotifyError extends Error {
  override readonly name: string = 'NotifyError';
}

/** The mailer's options are invalid (bad address, no recipients for a test …). */
export class NotifyConfigError extends NotifyError {
  override readonly name: string = 'NotifyConfigError';
  /** Dotted path of the offending option, e.g. `recipients.0.email`. */
  readonly path: string | null;

  constructor(message: string, path: string | null) {
    super(message);
    this.path = path;
  }
}

/** The SMTP server refused or could not be reached. Never carries the password. */
export class NotifySmtpError extends NotifyError {
  override readonly name: string = 'NotifySmtpError';
  /** nodemailer's error code, e.g. `ECONNECTION`, `EAUTH`, `ETIMEDOUT`, or null. */
  readonly code: string | null;
  /** The SMTP reply code, e.g. 535, or null. */
  readonly responseCode: number | null;

  constructor(
    message: string,
    context: { code?: string | null; responseCode?: number | null; cause?: unknown },
  ) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = context.code ?? null;
    this.responseCode = context.responseCode ?? null;
  }
}

/** True for any error of this package (also from a duplicated copy of it). */
export function isNotifyError(e: unknown): e is NotifyError {
  return (
    e instanceof NotifyError ||
    hasErrorName(e, ['NotifyError', 'NotifyConfigError', 'NotifySmtpError'])
  );
}

/** True for an SMTP failure (what the web UI's test button shows). */
export function isNotifySmtpError(e: unknown): e is NotifySmtpError {
  return e instanceof NotifySmtpError || hasErrorName(e, ['NotifySmtpError']);
}

/** Wraps a nodemailer error: keeps code and reply code, drops anything else. */
export function smtpError(error: unknown): NotifySmtpError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    message?: unknown;
    code?: unknown;
    responseCode?: unknown;
  };
  const message = typeof e.message === 'string' ? e.message : String(error);
  return new NotifySmtpError(`SMTP: ${message}`, {
    code: typeof e.code === 'string' ? e.code : null,
    responseCode: typeof e.responseCode === 'number' ? e.responseCode : null,
    cause: error,
  });
}

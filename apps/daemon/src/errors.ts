/** Base class of every error the daemon raises on purpose. */
export class DaemonError extends Error {
  override readonly name: string = 'DaemonError';
}

/** True for any DaemonError (also a copy from a duplicated package, by name). */
export function isDaemonError(error: unknown): error is DaemonError {
  return (
    error instanceof DaemonError ||
    (error instanceof Error && typeof error.name === 'string' && error.name.startsWith('Daemon'))
  );
}

/** The config file is unreadable or invalid. The CLI exits 2 with this message. */
export class DaemonConfigError extends DaemonError {
  override readonly name: string = 'DaemonConfigError';
  /** The config file. */
  readonly file: string;
  /** Dotted path of the offending field, e.g. `phones.0.host`; empty for the whole file. */
  readonly path: string;

  constructor(file: string, path: string, message: string, options?: { cause?: unknown }) {
    super(
      `invalid config ${file}${path === '' ? '' : ` at ${path}`}: ${message}. ` +
        'Fix the file (or move it away to start with a fresh one).',
      options,
    );
    this.file = file;
    this.path = path;
  }
}

/** True for a DaemonConfigError. */
export function isDaemonConfigError(error: unknown): error is DaemonConfigError {
  return error instanceof Error && error.name === 'DaemonConfigError';
}

/** A port could not be bound (in use, not permitted). The CLI exits 1 with this message. */
export class DaemonStartError extends DaemonError {
  override readonly name: string = 'DaemonStartError';
  /** Which server: the Action URL listener or the admin API. */
  readonly server: 'listener' | 'admin';
  readonly host: string;
  readonly port: number;

  constructor(
    server: 'listener' | 'admin',
    host: string,
    port: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.server = server;
    this.host = host;
    this.port = port;
  }
}

/** True for a DaemonStartError. */
export function isDaemonStartError(error: unknown): error is DaemonStartError {
  return error instanceof Error && error.name === 'DaemonStartError';
}

/** An API request failed in an expected way; `app.onError` turns it into `{error, detail}`. */
export class ApiError extends DaemonError {
  override readonly name: string = 'DaemonApiError';
  /** HTTP status to answer with. */
  readonly status: 400 | 401 | 403 | 404 | 409 | 422 | 429 | 500 | 501 | 502 | 503 | 504;
  /** Short machine-readable code. */
  readonly code: string;

  constructor(
    status: ApiError['status'],
    code: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
    this.status = status;
    this.code = code;
  }
}

/** True for an ApiError. */
export function isApiError(error: unknown): error is ApiError {
  return error instanceof Error && error.name === 'DaemonApiError';
}

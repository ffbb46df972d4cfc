import { pino } from 'pino';
import type { Logger } from 'pino';
import pretty from 'pino-pretty';

/** Paths pino blanks out wherever they appear: no secret ever reaches a log line. */
export const REDACT_PATHS = [
  'password',
  'secret',
  'token',
  '*.password',
  '*.secret',
  '*.token',
  'admin.token',
  'config.admin.token',
  'phones[*].password',
  'phones[*].secret',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** pino level; default `info` (env SNOMLINK_LOG_LEVEL). */
  readonly level?: string;
  /** Human-readable lines (pino-pretty); default: when stdout is a TTY. */
  readonly pretty?: boolean;
}

/** The daemon's pino logger: pretty on a TTY, JSON lines otherwise, secrets redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: null,
  };
  const usePretty = options.pretty ?? process.stdout.isTTY;
  if (usePretty) {
    return pino(
      base,
      pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', sync: true }),
    );
  }
  return pino(base);
}

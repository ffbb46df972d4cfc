import { createRequire } from 'node:module';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { PrettyStream } from 'pino-pretty';

// pino-pretty (and its colour and date code) is loaded only when a terminal wants pretty lines:
// a service logging JSON never loads it. `require` keeps createLogger synchronous; pino-pretty is
// CommonJS and stays external to the bundle, so this is a plain load at that moment.
const requireLazily = createRequire(import.meta.url);

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
    const pretty = requireLazily('pino-pretty') as (options: object) => PrettyStream;
    return pino(
      base,
      pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', sync: true }),
    );
  }
  return pino(base);
}

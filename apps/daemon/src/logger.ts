import { createRequire } from 'node:module';
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
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
  /** File descriptor the JSON lines go to; default 1 (stdout). */
  readonly fd?: number;
}

/**
 * Most bytes of JSON lines waiting for the descriptor (a stalled log reader); beyond it lines
 * are dropped, counted, and said once on stderr, instead of the memory growing without bound.
 */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

/** Bytes of JSON lines gathered before a write (one `write` per line cost CPU, issue 19). */
export const LOG_WRITE_MIN_BYTES = 4096;
/** The longest an info line waits for {@link LOG_WRITE_MIN_BYTES} before it is written. */
export const LOG_FLUSH_EVERY_MS = 100;

/**
 * JSON lines are gathered and written together, asynchronously: when 4 KB are waiting, else
 * every 100 ms, and at once with a warning or worse (so an operator, or a test that sees the
 * effect, finds the line). pino's default destination started one `write` per line, ~15 µs of
 * CPU each and 10–14 % of the daemon's busy time at 50 calls/s (issue 19). pino writes what is
 * waiting synchronously on `exit`; a SIGKILL loses at most the last 100 ms of info lines.
 */
function jsonDestination(fd: number): DestinationStream {
  const destination = pino.destination({
    dest: fd,
    sync: false,
    minLength: LOG_WRITE_MIN_BYTES,
    periodicFlush: LOG_FLUSH_EVERY_MS,
    maxLength: LOG_BUFFER_MAX_BYTES,
  });
  let dropped = 0;
  destination.on('drop', () => {
    if (dropped++ === 0)
      process.stderr.write(
        `snomlink: the log reader does not keep up; log lines beyond ${String(LOG_BUFFER_MAX_BYTES)} waiting bytes are dropped\n`,
      );
  });
  // A flush while a write is in flight does nothing; the line then goes when that write ends.
  let urgent = false;
  destination.on('drain', () => {
    if (!urgent) return;
    urgent = false;
    destination.flush();
  });
  return {
    write(line: string): void {
      destination.write(line);
      // pino's JSON lines start with the level (base: null, no level formatter).
      if (Number(URGENT_LEVEL.exec(line)?.[1] ?? 0) < WARN) return;
      urgent = true;
      destination.flush();
    },
  };
}

const URGENT_LEVEL = /^\{"level":(\d+)/;
const WARN = 40;

/**
 * A child of `logger` that writes its lines without redaction, for lines logged per call whose
 * fields are picked one by one and hold no secret (the hub's lines, hub-fan-out.ts). With the
 * wildcard paths above pino runs the redactor over every field of every line: at saturation
 * that was the largest single source of garbage in the daemon, 15 % of the bytes it allocated
 * (issue 19). Never use it for a line that logs an object as given (a request, a config).
 */
export function withoutRedaction(logger: Logger): Logger {
  return logger.child({}, { redact: [] });
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
  return pino(base, jsonDestination(options.fd ?? 1));
}

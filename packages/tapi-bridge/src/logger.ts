/**
 * Where the bridge and its client report what has no caller to throw to (a failed unprovision,
 * a client that stopped reading, a missed heartbeat). pino's `Logger` fits as it is; the default
 * is silent, since a library must not write to the console of the program that embeds it.
 */
export interface TapiLogger {
  debug(context: Record<string, unknown>, message: string): void;
  warn(context: Record<string, unknown>, message: string): void;
  error(context: Record<string, unknown>, message: string): void;
}

/** The default logger: drops everything. */
export const SILENT_TAPI_LOGGER: TapiLogger = {
  debug: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** `onError` when given (it wins, as before), else a `warn` line on `logger` naming `what`. */
export function errorReporter(
  options: { readonly onError?: (error: unknown) => void; readonly logger?: TapiLogger },
  what: string,
): (error: unknown) => void {
  if (options.onError) return options.onError;
  const logger = options.logger ?? SILENT_TAPI_LOGGER;
  return (error) => {
    logger.warn({ err: error instanceof Error ? error.message : String(error) }, what);
  };
}

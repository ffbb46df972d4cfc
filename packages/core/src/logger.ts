/**
 * Where a package writes what its caller should know but cannot be returned (a subscriber that
 * threw, a connection that failed). pino's logger and `console` both fit, so an application
 * passes its own logger instead of the package writing to the console.
 */
export interface Logger {
  /** Something failed; `context.err` holds the error when there is one. */
  readonly error: (context: { readonly err?: unknown }, message: string) => void;
  /** Something unexpected that the package recovered from. */
  readonly warn: (context: Readonly<Record<string, unknown>>, message: string) => void;
}

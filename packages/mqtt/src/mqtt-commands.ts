import * as v from 'valibot';

/** A dial request from the dial command topic of a line. */
export interface MqttDialCommand {
  readonly lineId: string;
  /** What to dial, as sent (digits, `+`, `*`, `#`); dial rules are the daemon's business. */
  readonly number: string;
}

/** A DND request from the DND command topic of a line. */
export interface MqttDndCommand {
  readonly lineId: string;
  readonly enabled: boolean;
}

/**
 * Command topics. Absent = off (the default). Only the lines named here (default: every
 * configured line) get command topics, and only the kinds with a handler.
 */
export interface MqttCommandOptions {
  /** Line ids that accept commands; each must be one of the bridge's `lines`. */
  readonly lines?: readonly string[];
  /** Called for a valid dial command; a rejection is logged, never thrown. */
  readonly onDial?: (command: MqttDialCommand) => void | Promise<void>;
  /** Called for a valid DND command; a rejection is logged, never thrown. */
  readonly onDnd?: (command: MqttDndCommand) => void | Promise<void>;
}

/** A dial payload: 1-64 of digits, `+`, `*`, `#` (spaces, dashes, dots and brackets removed). */
export const dialPayloadSchema = v.pipe(
  v.string(),
  v.transform((s) => s.replace(/[\s\-./()]/g, '')),
  v.regex(/^\+?[0-9*#]{1,64}$/, 'a dial command must be digits, optionally with +, * or #'),
);

/** Reads a DND payload: `ON`/`OFF` (Home Assistant's switch), also `true`/`false`, `1`/`0`. */
export function parseDndPayload(payload: string): boolean | null {
  const value = payload.trim().toLowerCase();
  if (value === 'on' || value === 'true' || value === '1') return true;
  if (value === 'off' || value === 'false' || value === '0') return false;
  return null;
}

import * as v from 'valibot';
import { NotifyConfigError } from './errors.js';

const emailSchema = v.pipe(
  v.string(),
  v.trim(),
  v.email('must be an e-mail address, e.g. "anna@example.com"'),
);
const positiveInt = (fallback: number) =>
  v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), fallback);

/** SMTP server settings. */
export const smtpOptionsSchema = v.object({
  host: v.pipe(
    v.string(),
    v.minLength(1),
    v.regex(/^[0-9A-Za-z.:[\]-]+$/, 'host must be a host name or address'),
  ),
  /** Default 587 (465 when `secure`). */
  port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535))),
  /** Implicit TLS (port 465). Default false: STARTTLS when the server offers it. */
  secure: v.optional(v.boolean(), false),
  /** Refuse to send without STARTTLS. Default false. */
  requireTls: v.optional(v.boolean(), false),
  /** Default true; false accepts a self-signed server certificate. */
  rejectUnauthorized: v.optional(v.boolean(), true),
  username: v.optional(v.string()),
  password: v.optional(v.string()),
  /** Per step (connect, greeting, each command). Default 10000 ms. */
  timeoutMs: positiveInt(10_000),
});

/** Who gets mail: an address and the lines they care about (absent = every line). */
export const recipientSchema = v.object({
  email: emailSchema,
  /** Display name in the To header; hostile text is cleaned. */
  name: v.optional(v.string()),
  /** Phone ids; absent or empty = every line (a per-user recipient lists their lines). */
  lines: v.optional(v.array(v.pipe(v.string(), v.minLength(1)))),
});

/** Checked data options of {@link createMissedCallMailer}. */
export const missedCallMailerConfigSchema = v.object({
  smtp: smtpOptionsSchema,
  from: emailSchema,
  fromName: v.optional(v.string(), 'snomlink'),
  recipients: v.array(recipientSchema),
  lines: v.optional(v.array(v.object({ id: v.string(), name: v.optional(v.string()) })), []),
  /** The web UI's journal page, e.g. `http://pbx.example:8080/journal`. */
  journalUrl: v.optional(v.pipe(v.string(), v.url('journalUrl must be an absolute URL'))),
  batchDelayMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 10_000),
  maxCallsPerMail: positiveInt(100),
  maxPending: positiveInt(1000),
  retryAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 5),
  retryInitialDelayMs: positiveInt(2000),
  retryMaxDelayMs: positiveInt(300_000),
  locale: v.optional(v.string(), 'en-GB'),
  timeZone: v.optional(v.string()),
});

/** Checked options with defaults filled in. */
export type MissedCallMailerConfig = v.InferOutput<typeof missedCallMailerConfigSchema>;

/** Parses the data options; throws {@link NotifyConfigError} naming the field. */
export function parseMailerConfig(input: unknown): MissedCallMailerConfig {
  const result = v.safeParse(missedCallMailerConfigSchema, input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = v.getDotPath(issue);
  throw new NotifyConfigError(`notify: ${path ?? 'options'}: ${issue.message}`, path);
}

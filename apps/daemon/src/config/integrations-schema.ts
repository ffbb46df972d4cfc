import * as v from 'valibot';
import { DEFAULT_MAX_URL_LENGTH, DEFAULT_PHONE_SERVER_LIMITS } from '@snomlink/listener';
import { recipientSchema, smtpOptionsSchema } from '@snomlink/notify';

const positiveInt = (what: string, fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  v.optional(
    v.pipe(
      v.number(`${what} must be a number`),
      v.integer(`${what} must be a whole number`),
      v.minValue(1, `${what} must be at least 1`),
      v.maxValue(max, `${what} must be at most ${String(max)}`),
    ),
    fallback,
  );

const D = DEFAULT_PHONE_SERVER_LIMITS;

/**
 * `listener.limits`: the phone port's limits and its rate limiter (issue 15). The defaults are
 * the listener's own (`DEFAULT_PHONE_SERVER_LIMITS`); the rate limiter is off unless configured.
 * Applied when the daemon starts (a restart picks up a change).
 */
export const phonePortLimitsSchema = v.object({
  /** Most simultaneous connections; over it the longest-waiting connection is evicted. */
  maxConnections: positiveInt('listener.limits.maxConnections', D.maxConnections, 1_000_000),
  /** Most simultaneous connections from one address (a phone needs a handful). */
  maxConnectionsPerSource: positiveInt(
    'listener.limits.maxConnectionsPerSource',
    D.maxConnectionsPerSource,
    1_000_000,
  ),
  /**
   * Addresses of L4 balancers in front of the phone port (cluster mode): every phone behind one
   * arrives from its address, so `maxConnectionsPerSource` does not apply to them.
   */
  balancerAddresses: v.optional(
    v.array(
      v.pipe(
        v.string('listener.limits.balancerAddresses must list IP addresses'),
        v.ip('listener.limits.balancerAddresses must list IP addresses (such as "10.0.0.5")'),
      ),
      'listener.limits.balancerAddresses must be a list of IP addresses',
    ),
    [],
  ),
  /** Time for a request head from its first byte (empty lines included); then 408 and closed. */
  headersTimeoutMs: positiveInt('listener.limits.headersTimeoutMs', D.headersTimeoutMs),
  /** Time for a request body after its head; then closed. */
  bodyTimeoutMs: positiveInt('listener.limits.bodyTimeoutMs', D.bodyTimeoutMs),
  /** How long an idle kept-alive connection stays open. */
  keepAliveTimeoutMs: positiveInt('listener.limits.keepAliveTimeoutMs', D.keepAliveTimeoutMs),
  /** Most bytes of a request head; more → 431. */
  maxHeadBytes: positiveInt('listener.limits.maxHeadBytes', D.maxHeadBytes, 1_048_576),
  /** Most lines of a request head (request line included); more → 431. */
  maxHeadLines: positiveInt('listener.limits.maxHeadLines', D.maxHeadLines, 10_000),
  /** Longest request target; longer → 414. */
  maxUrlLength: positiveInt('listener.limits.maxUrlLength', DEFAULT_MAX_URL_LENGTH, 1_048_576),
  /** Token bucket per source address (429 + Retry-After); `false` (default) = off. */
  rateLimit: v.optional(
    v.union(
      [
        v.literal(false),
        v.object({
          perSecond: positiveInt('listener.limits.rateLimit.perSecond', 20),
          burst: positiveInt('listener.limits.rateLimit.burst', 40),
        }),
      ],
      'listener.limits.rateLimit must be false or { "perSecond": 20, "burst": 40 }',
    ),
    false,
  ),
});
/** `listener.limits` with defaults filled in. */
export type PhonePortLimits = v.InferOutput<typeof phonePortLimitsSchema>;

const lineIdsSchema = v.array(v.pipe(v.string(), v.minLength(1, 'a line id must not be empty')));

/**
 * `mqtt`: the MQTT / Home Assistant bridge (issue 18). Absent (or `enabled: false`) = off.
 * Paths of TLS files are read when the daemon starts.
 */
export const mqttConfigSchema = v.object({
  enabled: v.optional(v.boolean(), true),
  url: v.pipe(
    v.string('mqtt.url must be a string'),
    v.regex(
      /^(mqtts?|wss?|tcp|ssl|tls):\/\/[^\s]+$/,
      'mqtt.url must be mqtt://host:1883, mqtts://host:8883, ws://… or wss://…',
    ),
  ),
  username: v.optional(v.string()),
  password: v.optional(v.string()),
  tls: v.optional(
    v.object({
      /** PEM file of the CA that signed the broker's certificate. */
      caFile: v.optional(v.pipe(v.string(), v.minLength(1))),
      /** PEM files of a client certificate and its key (mutual TLS). */
      certFile: v.optional(v.pipe(v.string(), v.minLength(1))),
      keyFile: v.optional(v.pipe(v.string(), v.minLength(1))),
      /** false accepts a self-signed broker certificate. */
      rejectUnauthorized: v.optional(v.boolean(), true),
      servername: v.optional(v.pipe(v.string(), v.minLength(1))),
    }),
  ),
  topicPrefix: v.optional(v.pipe(v.string(), v.minLength(1)), 'snomlink'),
  /** Home Assistant discovery prefix; false = no discovery. */
  discoveryPrefix: v.optional(
    v.union([v.literal(false), v.pipe(v.string(), v.minLength(1))]),
    'homeassistant',
  ),
  /** Phone ids to publish; absent = every configured phone (at start). */
  lines: v.optional(lineIdsSchema),
  /** Command topics: off by default; only for the listed lines (default: every published line). */
  commands: v.optional(
    v.object({
      dial: v.optional(v.boolean(), false),
      dnd: v.optional(v.boolean(), false),
      lines: v.optional(lineIdsSchema),
    }),
    { dial: false, dnd: false },
  ),
  /** Call events kept while the broker is away (oldest dropped beyond). */
  maxQueue: positiveInt('mqtt.maxQueue', 1000, 1_000_000),
  reconnectPeriodMs: positiveInt('mqtt.reconnectPeriodMs', 2000),
  connectTimeoutMs: positiveInt('mqtt.connectTimeoutMs', 10_000),
  clientId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
});
/** The `mqtt` section with defaults filled in. */
export type MqttConfig = v.InferOutput<typeof mqttConfigSchema>;

/** `notify.email`: missed-call e-mail (issue 18). Absent (or `enabled: false`) = off. */
export const emailNotifyConfigSchema = v.object({
  enabled: v.optional(v.boolean(), true),
  smtp: smtpOptionsSchema,
  from: v.pipe(v.string(), v.trim(), v.email('notify.email.from must be an e-mail address')),
  fromName: v.optional(v.string(), 'snomlink'),
  /**
   * `{ email, name?, lines? }`: `lines` absent or empty = every line. Users with an `email` are
   * recipients too (for their lines), so this list may be empty.
   */
  recipients: v.optional(v.array(recipientSchema), []),
  /** The web UI journal page linked from each mail, e.g. `http://pbx.lan:8090/journal`. */
  journalUrl: v.optional(v.pipe(v.string(), v.url('notify.email.journalUrl must be a URL'))),
  /** How long the first missed call waits for more before its mail goes out. */
  batchDelayMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 10_000),
  maxCallsPerMail: positiveInt('notify.email.maxCallsPerMail', 100),
  retryAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 5),
  locale: v.optional(v.string(), 'en-GB'),
  timeZone: v.optional(v.string()),
});
/** The `notify.email` section with defaults filled in. */
export type EmailNotifyConfig = v.InferOutput<typeof emailNotifyConfigSchema>;

/** `notify`: where missed calls are reported. */
export const notifyConfigSchema = v.object({
  email: v.optional(emailNotifyConfigSchema),
});

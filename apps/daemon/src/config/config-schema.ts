import * as v from 'valibot';
import { clusterConfigSchema } from '../cluster/cluster-config.js';
import { DEFAULT_DIAL_RULES, dialRulesSchema } from '@snomlink/core';
import { directoryConfigSchema } from '@snomlink/directory';
import {
  hostPortSchema,
  phoneAuthSchema,
  phoneIdSchema,
  phoneSchemeSchema,
  webhookSchema,
} from '../api/schemas.js';
import {
  mqttConfigSchema,
  notifyConfigSchema,
  phonePortLimitsSchema,
} from './integrations-schema.js';
import { userListSchema } from '../users/user-schema.js';

const portSchema = v.pipe(
  v.number('port must be a number'),
  v.integer('port must be an integer'),
  v.minValue(0, 'port must be 0-65535'),
  v.maxValue(65535, 'port must be 0-65535'),
);

const bindHostSchema = v.pipe(
  v.string(),
  v.minLength(1, 'host must not be empty'),
  v.regex(/^[0-9A-Za-z.:[\]-]+$/, 'host must be an IP address or host name, e.g. "0.0.0.0"'),
);

const settingNameSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a setting name looks like dnd_mode'),
);

/** A phone as stored in config.json: includes the password and the Action URL secret. */
export const phoneConfigSchema = v.object({
  id: phoneIdSchema,
  name: v.optional(v.string(), ''),
  host: hostPortSchema,
  scheme: v.optional(phoneSchemeSchema, 'http'),
  username: v.optional(v.nullable(v.string()), null),
  password: v.optional(v.nullable(v.string()), null),
  auth: v.optional(phoneAuthSchema, 'auto'),
  model: v.optional(v.pipe(v.string(), v.minLength(1)), 'snom360'),
  line: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1),
  /** null = on for parameterless models, off otherwise. */
  logScan: v.optional(v.nullable(v.boolean()), null),
  provisionOnOpen: v.optional(v.boolean(), false),
  /** Accept self-signed phone certificates (most phones have one). */
  rejectUnauthorized: v.optional(v.boolean(), false),
  /**
   * Setting names that switch DND and forwarding on this phone (`PUT /api/phones/{id}/presence`);
   * omitted ones take snom-client's Unverified defaults (`dnd_mode`, `redirect_event`, …).
   */
  presenceSettings: v.optional(
    v.object({
      dnd: v.optional(settingNameSchema),
      dndOn: v.optional(v.string()),
      dndOff: v.optional(v.string()),
      forwardEvent: v.optional(settingNameSchema),
      forwardAlways: v.optional(settingNameSchema),
      forwardBusy: v.optional(settingNameSchema),
      forwardTimeout: v.optional(settingNameSchema),
    }),
  ),
  /** Action URL secret (`?k=`); generated when the phone is added. */
  secret: v.pipe(
    v.string(),
    v.regex(/^[A-Za-z0-9._~-]{8,256}$/, 'secret must be 8-256 URL-safe characters'),
  ),
});
/** A phone as stored in config.json. */
export type PhoneConfig = v.InferOutput<typeof phoneConfigSchema>;

/**
 * A complete phone config from the fields that differ from the defaults (id, host and secret
 * at least); the defaults are the schema's. Throws a valibot error for invalid fields.
 */
export function phoneConfig(fields: v.InferInput<typeof phoneConfigSchema>): PhoneConfig {
  return v.parse(phoneConfigSchema, fields);
}

/**
 * The `directory` section: caller-name sources in order, cache lifetimes and the lookup timeout
 * (the schema of `@snomlink/directory`), plus `overridePhoneName`: whether a directory name is
 * shown (TAPI caller ID, web UI) instead of a name the phone sent. Both are always kept.
 */
export const directorySectionSchema = v.pipe(
  v.object({
    ...directoryConfigSchema.entries,
    overridePhoneName: v.optional(v.boolean(), false),
  }),
  v.check((d) => {
    const ids = d.sources.map((s, i) => s.id ?? `${s.type}-${String(i + 1)}`);
    return new Set(ids).size === ids.length;
  }, 'directory source ids must be unique'),
);
/** The `directory` section as validated (defaults filled in). */
export type DirectorySection = v.InferOutput<typeof directorySectionSchema>;

/** The whole config file. Every section has defaults, so `{}` is a valid (token-less) start. */
export const configSchema = v.object({
  version: v.optional(v.literal(1), 1),
  listener: v.optional(
    v.object({
      host: v.optional(bindHostSchema, '0.0.0.0'),
      port: v.optional(portSchema, 8080),
      /** How phones reach the listener (`address` or `address:port`); null = first LAN IPv4. */
      publicHost: v.optional(v.nullable(hostPortSchema), null),
      /** Accept Action URLs only from the phone's configured address. */
      checkSourceAddress: v.optional(v.boolean(), false),
      /** The phone port's limits and rate limiter (see integrations-schema.ts). */
      limits: v.optional(phonePortLimitsSchema, {}),
    }),
    {},
  ),
  admin: v.optional(
    v.object({
      host: v.optional(bindHostSchema, '127.0.0.1'),
      port: v.optional(portSchema, 8090),
      token: v.pipe(
        v.string('admin.token must be a string'),
        v.minLength(16, 'admin.token must be at least 16 characters'),
      ),
      /**
       * Wrong tokens one source address may send within a minute before it is refused (429)
       * for a minute; 0 = no limit. Default 10.
       */
      maxFailedLogins: v.optional(
        v.pipe(
          v.number('admin.maxFailedLogins must be a number'),
          v.integer('admin.maxFailedLogins must be a whole number'),
          v.minValue(0, 'admin.maxFailedLogins must be 0 (no limit) or more'),
        ),
        10,
      ),
    }),
  ),
  dialing: v.optional(dialRulesSchema, DEFAULT_DIAL_RULES),
  phones: v.optional(
    v.pipe(
      v.array(phoneConfigSchema),
      v.check(
        (phones) => new Set(phones.map((p) => p.id)).size === phones.length,
        'phone ids must be unique',
      ),
    ),
    [],
  ),
  webhooks: v.optional(v.array(webhookSchema), []),
  /** People with scoped API tokens (hashes only); see apps/daemon/README.md "Users and roles". */
  users: v.optional(userListSchema, []),
  journal: v.optional(
    v.object({
      /** Finished calls older than this are deleted; 0 keeps them forever. */
      retentionDays: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 365),
      /**
       * Write the journal from a worker thread (read at start): no SQLite write on the event
       * loop, more Action URLs per second, for ~10 MB more RSS idle (~18 MB busy). `false` writes in the
       * daemon's thread (docs/operations.md, issue 19).
       */
      writerThread: v.optional(v.boolean(), true),
    }),
    {},
  ),
  health: v.optional(
    v.object({
      /** Interval of the per-phone reachability check; 0 disables it. */
      intervalMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 30_000),
      /** Timeout of every request to a phone. */
      phoneTimeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100)), 5000),
      /**
       * Most checks started per second (the first round after start: 4 ×). Bounds the checks'
       * load on the daemon: a fleet larger than intervalMs allows at this rate is checked less
       * often (10,000 phones at 50/s: every 200 s).
       */
      maxChecksPerSecond: v.optional(v.pipe(v.number(), v.minValue(0.1)), 50),
    }),
    {},
  ),
  /** MQTT / Home Assistant bridge; absent = off. */
  mqtt: v.optional(mqttConfigSchema),
  /** Missed-call notifications (`notify.email`); absent = off. */
  notify: v.optional(notifyConfigSchema),
  directory: v.optional(directorySectionSchema, {}),
  /** Cluster mode on NATS JetStream (docs/cluster.md); absent = this daemon runs alone. */
  cluster: v.optional(clusterConfigSchema),
  /** Directory of the built web UI; null = next to the bundle (apps/web-ui/dist). */
  webUiDir: v.optional(v.nullable(v.string()), null),
});

/** The whole config file, as validated (defaults filled in; `admin` may still be missing). */
export type ParsedConfig = v.InferOutput<typeof configSchema>;
/** The config the daemon runs with: the admin section (with its token) is always there. */
export type Config = ParsedConfig & { admin: NonNullable<ParsedConfig['admin']> };

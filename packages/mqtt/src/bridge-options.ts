import * as v from 'valibot';
import { MqttConfigError } from './errors.js';

const noWildcards = (what: string) =>
  v.check(
    (s: string) =>
      !s.includes('+') &&
      !s.includes('#') &&
      !s.includes('\u0000') &&
      !s.startsWith('/') &&
      !s.endsWith('/') &&
      !s.includes('//'),
    `${what} must not contain +, #, NUL or empty levels, e.g. "snomlink" or "office/snomlink"`,
  );

/** Topic prefix: one or more levels without wildcards. */
export const topicPrefixSchema = v.pipe(v.string(), v.minLength(1), noWildcards('topicPrefix'));

/** Options checked at {@link createMqttBridge}; the callbacks and logger are checked by type. */
export const mqttBridgeConfigSchema = v.object({
  url: v.pipe(
    v.string(),
    v.regex(
      /^(mqtts?|wss?|tcp|ssl|tls):\/\/[^\s]+$/,
      'url must be mqtt://host:port, mqtts://host:port, ws:// or wss://',
    ),
  ),
  username: v.optional(v.string()),
  password: v.optional(v.string()),
  topicPrefix: v.optional(topicPrefixSchema, 'snomlink'),
  discoveryPrefix: v.optional(
    v.union([v.literal(false), v.pipe(v.string(), v.minLength(1), noWildcards('discoveryPrefix'))]),
    'homeassistant',
  ),
  lines: v.array(
    v.object({
      id: v.pipe(v.string(), v.minLength(1, 'a line id must not be empty')),
      name: v.optional(v.string()),
      model: v.optional(v.string()),
    }),
  ),
  maxQueue: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1000),
  reconnectPeriodMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10)), 2000),
  connectTimeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100)), 10_000),
  clientId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
});

/** Checked options with defaults filled in. */
export type MqttBridgeConfig = v.InferOutput<typeof mqttBridgeConfigSchema>;

/** Parses the plain-data part of the options; throws {@link MqttConfigError} naming the field. */
export function parseBridgeConfig(input: unknown): MqttBridgeConfig {
  const result = v.safeParse(mqttBridgeConfigSchema, input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = v.getDotPath(issue);
  throw new MqttConfigError(`mqtt: ${path ?? 'options'}: ${issue.message}`, path);
}

import * as v from 'valibot';

/** A topic we publish to or listen on: non-empty, no wildcards, no NUL. */
const topicSchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.check(
    (s) => !s.includes('+') && !s.includes('#') && !s.includes('\u0000'),
    'a topic must not contain +, # or NUL',
  ),
);

/** HA's device block: `identifiers` (or `connections`) is required for a device to exist. */
export const haDeviceSchema = v.object({
  identifiers: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1)),
  name: v.pipe(v.string(), v.minLength(1)),
  manufacturer: v.optional(v.string()),
  model: v.optional(v.string()),
});

const baseEntity = {
  name: v.pipe(v.string(), v.minLength(1)),
  unique_id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/)),
  availability_topic: topicSchema,
  payload_available: v.optional(v.string()),
  payload_not_available: v.optional(v.string()),
  device: haDeviceSchema,
  origin: v.optional(v.object({ name: v.pipe(v.string(), v.minLength(1)) })),
  icon: v.optional(v.string()),
  entity_category: v.optional(v.picklist(['config', 'diagnostic'])),
  value_template: v.optional(v.string()),
  json_attributes_topic: v.optional(topicSchema),
};

/**
 * The subset of Home Assistant's MQTT discovery schema (integrations/sensor.mqtt,
 * binary_sensor.mqtt, switch.mqtt, text.mqtt) that snomlink uses, strict: an unknown key
 * (a typo HA would reject) fails too.
 */
export const haSensorSchema = v.strictObject({
  ...baseEntity,
  state_topic: topicSchema,
  device_class: v.optional(v.literal('enum')),
  options: v.optional(v.pipe(v.array(v.string()), v.minLength(1))),
});

/** `binary_sensor.mqtt`: `payload_on`/`payload_off` say what the state topic carries. */
export const haBinarySensorSchema = v.strictObject({
  ...baseEntity,
  state_topic: topicSchema,
  payload_on: v.string(),
  payload_off: v.string(),
  device_class: v.optional(v.picklist(['connectivity'])),
});

/** `switch.mqtt` with a command topic. */
export const haSwitchSchema = v.strictObject({
  ...baseEntity,
  state_topic: topicSchema,
  command_topic: topicSchema,
  payload_on: v.string(),
  payload_off: v.string(),
  state_on: v.optional(v.string()),
  state_off: v.optional(v.string()),
});

/** `text.mqtt`: a value sent to `command_topic`. */
export const haTextSchema = v.strictObject({
  ...baseEntity,
  command_topic: topicSchema,
  min: v.optional(v.number()),
  max: v.optional(v.number()),
  pattern: v.optional(v.string()),
});

/** A discovery topic: `<prefix>/<component>/<node_id>/<object_id>/config`. */
export const HA_DISCOVERY_TOPIC =
  /^[^+#/]+(?:\/[^+#/]+)*\/(sensor|binary_sensor|switch|text)\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\/config$/;

/** The schema for a discovery component, or null for one snomlink never emits. */
export function haSchemaFor(
  component: string,
):
  | typeof haSensorSchema
  | typeof haBinarySensorSchema
  | typeof haSwitchSchema
  | typeof haTextSchema
  | null {
  switch (component) {
    case 'sensor':
      return haSensorSchema;
    case 'binary_sensor':
      return haBinarySensorSchema;
    case 'switch':
      return haSwitchSchema;
    case 'text':
      return haTextSchema;
    default:
      return null;
  }
}

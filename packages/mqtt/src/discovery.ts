import { LINE_STATES } from './bridge-event.js';
import { sanitizeDiscoveryId, statusTopic, type LineTopics } from './topics.js';

/** A line as the bridge knows it: the phone id, a display name, optional model and number. */
export interface MqttLine {
  /** The phone id the hub events carry (`phoneId`). */
  readonly id: string;
  /** Display name (hostile text is fine: it only ever goes into JSON). Default: the id. */
  readonly name?: string | undefined;
  /** Phone model, shown on the Home Assistant device. */
  readonly model?: string | undefined;
}

/** One retained discovery message: `<discoveryPrefix>/<component>/<node>/<object>/config`. */
export interface DiscoveryMessage {
  readonly topic: string;
  /** The config object; serialised with JSON.stringify. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** What {@link discoveryMessages} needs to know about one line. */
export interface DiscoveryInput {
  readonly discoveryPrefix: string;
  readonly topicPrefix: string;
  readonly line: MqttLine;
  readonly topics: LineTopics;
  /** Offer a DND switch (command topic) instead of a read-only binary sensor. */
  readonly dndCommand: boolean;
  /** Offer a text entity whose value is dialled. */
  readonly dialCommand: boolean;
}

/**
 * Home Assistant MQTT discovery configs for one line: the line is a device with the entities
 * state, caller number, caller name, last missed caller, DND, reachable (and dial when on).
 * Every id is reduced to `[A-Za-z0-9_-]`; names travel only inside the JSON payload.
 */
export function discoveryMessages(input: DiscoveryInput): DiscoveryMessage[] {
  const { discoveryPrefix, topicPrefix, line, topics } = input;
  const node = sanitizeDiscoveryId(`snomlink_${topicPrefix}_${line.id}`);
  const displayName = line.name !== undefined && line.name !== '' ? line.name : line.id;
  const device: Record<string, unknown> = {
    identifiers: [node],
    name: displayName,
    manufacturer: 'snom',
    ...(line.model === undefined ? {} : { model: line.model }),
  };
  const common = {
    availability_topic: statusTopic(topicPrefix),
    payload_available: 'online',
    payload_not_available: 'offline',
    device,
    origin: { name: 'snomlink' },
  };
  const entity = (
    component: string,
    object: string,
    config: Record<string, unknown>,
  ): DiscoveryMessage => ({
    topic: `${discoveryPrefix}/${component}/${node}/${object}/config`,
    config: { ...config, unique_id: `${node}_${object}`, ...common },
  });

  const messages: DiscoveryMessage[] = [
    entity('sensor', 'state', {
      name: 'State',
      state_topic: topics.state,
      device_class: 'enum',
      options: [...LINE_STATES],
      icon: 'mdi:phone',
    }),
    entity('sensor', 'caller_number', {
      name: 'Caller number',
      state_topic: topics.caller,
      value_template: "{{ value_json.number or '' }}",
      json_attributes_topic: topics.caller,
      icon: 'mdi:phone-incoming',
    }),
    entity('sensor', 'caller_name', {
      name: 'Caller name',
      state_topic: topics.caller,
      value_template: "{{ value_json.name or '' }}",
      icon: 'mdi:card-account-phone',
    }),
    entity('sensor', 'last_missed', {
      name: 'Last missed caller',
      state_topic: topics.lastMissed,
      value_template:
        "{{ value_json.name ~ ' ' ~ value_json.number if value_json.name else (value_json.number or '') }}",
      json_attributes_topic: topics.lastMissed,
      icon: 'mdi:phone-missed',
    }),
    input.dndCommand
      ? entity('switch', 'dnd', {
          name: 'Do not disturb',
          state_topic: topics.dnd,
          command_topic: topics.dndCommand,
          payload_on: 'ON',
          payload_off: 'OFF',
          state_on: 'ON',
          state_off: 'OFF',
          icon: 'mdi:phone-cancel',
        })
      : entity('binary_sensor', 'dnd', {
          name: 'Do not disturb',
          state_topic: topics.dnd,
          payload_on: 'ON',
          payload_off: 'OFF',
          icon: 'mdi:phone-cancel',
        }),
    entity('binary_sensor', 'reachable', {
      name: 'Reachable',
      state_topic: topics.availability,
      payload_on: 'online',
      payload_off: 'offline',
      device_class: 'connectivity',
      entity_category: 'diagnostic',
    }),
  ];
  if (input.dialCommand) {
    messages.push(
      entity('text', 'dial', {
        name: 'Dial',
        command_topic: topics.dialCommand,
        min: 1,
        max: 64,
        pattern: '[0-9+*#]+',
        icon: 'mdi:phone-dial',
      }),
    );
  }
  return messages;
}

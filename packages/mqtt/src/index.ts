export { createMqttBridge } from './mqtt-bridge.js';
export type {
  MqttBridge,
  MqttBridgeOptions,
  MqttBridgeStatus,
  MqttLogger,
  MqttTlsOptions,
} from './mqtt-bridge.js';
export { LINE_STATES, lineStateOf, lineStateOfCall } from './bridge-event.js';
export type { LinePresenceChange, LineStateName, MqttBridgeEvent } from './bridge-event.js';
export { mqttBridgeConfigSchema } from './bridge-options.js';
export type { MqttBridgeConfig } from './bridge-options.js';
export { discoveryMessages } from './discovery.js';
export type { DiscoveryInput, DiscoveryMessage, MqttLine } from './discovery.js';
export {
  MqttBridgeError,
  MqttConfigError,
  isMqttBridgeError,
  isMqttConfigError,
} from './errors.js';
export { dialPayloadSchema, parseDndPayload } from './mqtt-commands.js';
export type { MqttCommandOptions, MqttDialCommand, MqttDndCommand } from './mqtt-commands.js';
export {
  MAX_SEGMENT_LENGTH,
  lineTopics,
  sanitizeDiscoveryId,
  sanitizeTopicSegment,
  statusTopic,
} from './topics.js';
export type { LineTopics } from './topics.js';

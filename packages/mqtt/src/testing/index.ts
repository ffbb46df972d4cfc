export { MOSQUITTO_BIN, hasMosquitto, makeSelfSignedCert, startMosquitto } from './mosquitto.js';
export type { Mosquitto, MosquittoOptions, SelfSignedCert } from './mosquitto.js';
export {
  HA_DISCOVERY_TOPIC,
  haBinarySensorSchema,
  haDeviceSchema,
  haSchemaFor,
  haSensorSchema,
  haSwitchSchema,
  haTextSchema,
} from './ha-discovery-schema.js';
export { callFinished, callState, testCall } from './call-changes.js';
export type { TestCallFields } from './call-changes.js';
export { watchTopics } from './topic-watcher.js';
export type { SeenMessage, TopicWatcher } from './topic-watcher.js';

// Deliberately not exported: the reducer's internal steps (src/line-reducer/* besides reduceLine),
// the party-merging helpers of party.ts, the hub's ring buffer; test helpers live in ./testing.
export {
  ACTION_EVENT_KINDS,
  PARAMETERLESS_EVENT_KINDS,
  EVENT_SOURCES,
  actionEventKindSchema,
  actionEventParamsSchema,
  actionEventSchema,
  parseActionEvent,
  safeParseActionEvent,
} from './action-event.js';
export type {
  ActionEvent,
  ActionEventKind,
  ActionEventParams,
  EventSource,
} from './action-event.js';
export { backoffDelay } from './backoff.js';
export type { BackoffJitter, BackoffOptions } from './backoff.js';
export { constantTimeEqual } from './constant-time-equal.js';
export { CLUSTER_PARTITIONS, fnv1a32, partitionOf } from './partition.js';
export { cleanDisplayName, parseAddress, repairMojibake } from './address.js';
export type { ParsedAddress } from './address.js';
export { CALL_STATES, DISCONNECT_MODES } from './call.js';
export type {
  Call,
  CallChange,
  CallDirection,
  CallLocality,
  CallState,
  DisconnectMode,
  FinishedCall,
  PartyId,
} from './call.js';
export {
  DEFAULT_DIAL_RULES,
  MAX_NUMBER_DIGITS,
  dialRulesSchema,
  normalizeNumber,
  toDialable,
} from './dial-rules.js';
export type { DialRules, NormalizedNumber, NumberIssue, NumberResult } from './dial-rules.js';
export { hasErrorName } from './error-name.js';
export type { Logger } from './logger.js';
export { createBoundedQueue } from './bounded-queue.js';
export type { BoundedQueue } from './bounded-queue.js';
export { DEFAULT_HUB_BUFFER_SIZE, createEventHub } from './event-hub.js';
export type { EventHub, EventHubOptions, HubItem, HubStreamOptions } from './event-hub.js';
export type { ActionEventReceived, LineStatusChange, SnomlinkEvent } from './hub-event.js';
export { createLineModel } from './line-model.js';
export {
  PRESENCE_FIELDS,
  createLinePresence,
  forwardingOf,
  presenceChange,
} from './line-presence.js';
export type {
  LineForwarding,
  LinePresence,
  LinePresenceChange,
  PresenceField,
} from './line-presence.js';
export type { LineModel, LineModelOptions } from './line-model.js';
export {
  DEFAULT_LOG_SCAN_GRACE_MS,
  DEFAULT_SETUP_TIMEOUT_MS,
  DEFAULT_STALE_CALL_TIMEOUT_MS,
  reduceLine,
} from './line-reducer/reduce-line.js';
export type { LineReducerOptions, LineStep } from './line-reducer/reduce-line.js';
export { createLineState } from './line-state.js';
export type {
  DirectoryNameInput,
  ForwardingTargetInput,
  LineInput,
  LineState,
  NamedParty,
  UnannouncedCall,
  UnboundEndedCall,
} from './line-state.js';
export { UNKNOWN_PARTY, partyFromAddress } from './party.js';
export { capabilityClassForModel, isHttpControlUnsupported } from './model-capabilities.js';
export type { CapabilityClass } from './model-capabilities.js';

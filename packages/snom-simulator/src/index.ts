export { createSimulatedPhone } from './simulated-phone.js';
export type { DialOptions, SimulatedPhone, SimulatedPhoneOptions } from './simulated-phone.js';
export { ACTION_URL_SETTINGS, PARAMETERLESS_KINDS } from './types.js';
export {
  FIRMWARE_PROFILES,
  defaultProfileForModel,
  firmwareProfileSpec,
  httpUserAgent,
  pageTitle,
} from './firmware-profiles.js';
export type {
  FirmwareProfile,
  FirmwareProfileSpec,
  LogLineFormat,
  SipTraceFormat,
} from './firmware-profiles.js';
export { SIMULATOR_PRESENCE_SETTINGS, dndSettings, forwardingSettings } from './presence.js';
export type {
  PresenceSettingNames,
  SimulatedForwardMode,
  SimulatedForwarding,
} from './presence.js';
export type {
  FiredActionUrl,
  PhoneFault,
  RecordedRequest,
  RefusedCall,
  SimulatedCall,
  SimulatedCallState,
  SimulatedEventKind,
} from './types.js';
export { expandTemplate, RUNTIME_VARIABLES } from './action-url.js';
export type { DigestAlgorithm } from './digest-auth.js';
export {
  ActionUrlTimeoutError,
  CallStateError,
  SimulatorError,
  SimulatorListenError,
  isActionUrlTimeoutError,
  isCallStateError,
  isSimulatorError,
  isSimulatorListenError,
} from './errors.js';
export { createPhoneFleet, defaultFleetActionUrls, fleetHost } from './phone-fleet.js';
export type {
  FleetPhone,
  FleetPhoneInfo,
  PhoneFleet,
  PhoneFleetOptions,
  PhoneFleetStats,
} from './phone-fleet.js';

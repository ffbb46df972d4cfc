export {
  LINEBUSYMODE,
  LINECALLFEATURE,
  LINECALLINFOSTATE,
  LINECALLORIGIN,
  LINECALLPARTYID,
  LINECALLREASON,
  LINECALLSTATE,
  LINECONNECTEDMODE,
  LINEDEVSTATE,
  LINEDIALTONEMODE,
  LINEDISCONNECTMODE,
  LINEERR,
  LINEOFFERINGMODE,
  callStateName,
  flagNames,
  hex32,
  lineErrName,
} from './constants.js';
export type { LineCallStateValue, LineErrName, LineErrValue } from './constants.js';
export {
  CORE_TO_LINECALLSTATE,
  callFeatures,
  toCallInfoState,
  toCallOrigin,
  toCallReason,
  toDisconnectMode,
  toLineCallInfo,
  toPartyInfo,
  toTapiCallState,
} from './call-mapping.js';
export type {
  DialableFn,
  LineCallInfo,
  LineCallInfoOptions,
  LineCapabilities,
  LinePartyInfo,
  TapiCallState,
} from './call-mapping.js';
export {
  TapiBridgeError,
  TapiClientError,
  TapiLineError,
  isTapiBridgeError,
  isTapiClientError,
  isTapiLineError,
} from './errors.js';
export type { TapiLineErrorContext } from './errors.js';

export {
  LINEADDRESSSTATE,
  LINEFORWARDMODE,
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
export { RPC_ERROR, TAPI_PROTOCOL_VERSION, methodParamsSchemas } from './protocol.js';
export type {
  LineAddressStateParams,
  LineAddressStatus,
  LineForwardEntry,
  LineCallInfoParams,
  LineCallStateParams,
  LineDevStateParams,
  LineDevice,
  TapiErrorData,
  TapiCallOperations,
  TapiMethod,
  TapiMethodParams,
  TapiMethodResults,
  TapiNotification,
} from './protocol.js';
export { FULL_TAPI_ACCESS, createTapiBridge } from './tapi-bridge.js';
export type {
  TapiAccess,
  TapiBridge,
  TapiBridgeOptions,
  TapiLine,
  TapiPhoneControl,
  TapiPresenceChange,
  TapiSession,
} from './tapi-bridge.js';
export { addressStatusOf } from './address-status.js';
export { createRpcSession, TAPI_MAX_BATCH, TAPI_MAX_MESSAGE_BYTES } from './rpc-session.js';
export type { RpcSession, RpcSessionOptions, TapiMethodOutcome } from './rpc-session.js';
export {
  TAPI_SUBPROTOCOL,
  createTapiRoute,
  tapiTokenAuth,
  tapiTokenFromRequest,
} from './tapi-route.js';
export type { TapiRouteOptions } from './tapi-route.js';
export { SILENT_TAPI_LOGGER } from './logger.js';
export type { TapiLogger } from './logger.js';

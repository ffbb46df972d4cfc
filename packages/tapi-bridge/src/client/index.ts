export { createTapiClient } from './tapi-client.js';
export type { TapiClient, TapiClientEvents, TapiClientOptions } from './tapi-client.js';
export { TapiClientError, isTapiClientError } from '../errors.js';
export type {
  LineCallInfoParams,
  LineCallStateParams,
  LineDevStateParams,
  LineDevice,
  TapiCallOperations,
  TapiMethod,
  TapiMethodParams,
  TapiMethodResults,
  TapiNotification,
} from '../protocol.js';
export type { LineCallInfo, LinePartyInfo } from '../call-mapping.js';
export type { TapiLogger } from '../logger.js';

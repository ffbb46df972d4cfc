export {
  ACTION_URL_PARAMETERS,
  ACTION_URL_SETTING_NAMES,
  buildActionUrls,
  removeActionUrls,
} from './action-urls.js';
export type { ActionUrlCapabilities, BuildActionUrlsOptions } from './action-urls.js';
export { createListener } from './create-listener.js';
export type {
  CreateListenerOptions,
  Listener,
  ListenerAddress,
  ListenerStartOptions,
} from './create-listener.js';
export {
  ListenerConfigError,
  ListenerError,
  ListenerStartError,
  isListenerConfigError,
  isListenerError,
  isListenerStartError,
} from './errors.js';
export type { ListenerStartErrorCode } from './errors.js';
export { DEFAULT_MAX_URL_LENGTH, createListenerApp } from './listener-app.js';
export type {
  ListenerBindings,
  ListenerErrorBody,
  ListenerOptions,
  ListenerPhone,
  ListenerRejection,
} from './listener-app.js';
export type { RateLimitOptions } from './rate-limiter.js';
export { decodeRawValue, splitActionQuery, toActionEventParams } from './raw-query.js';
export type { ParamsResult, RawActionQuery } from './raw-query.js';
export { encodeRequestTarget } from './request-target.js';
export { createSecret } from './secret.js';
export type { PhoneServerLimits } from './phone-server.js';

// Not exported on purpose: the phone port's internals (request framing, connections, the
// handler the app shares with the fast path, response bytes); they may change in any release.
export {
  ACTION_URL_PARAMETERS,
  ACTION_URL_SETTING_NAMES,
  buildActionUrls,
  removeActionUrls,
} from './action-urls.js';
export type { ActionUrlCapabilities, BuildActionUrlsOptions } from './action-urls.js';
export { createListener } from './create-listener.js';
export type {
  Listener,
  ListenerAddress,
  ListenerStartOptions,
  ListenerStopOptions,
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
export { DEFAULT_PHONE_SERVER_LIMITS } from './listener-options.js';
export type {
  CreateListenerOptions,
  ListenerBindings,
  ListenerConnectionEvent,
  ListenerConnectionReason,
  ListenerErrorBody,
  ListenerLogger,
  ListenerOptions,
  ListenerPhone,
  ListenerRejection,
  ListenerStats,
  PhoneServerLimits,
} from './listener-options.js';
export type { RateLimitOptions } from './rate-limiter.js';
export { decodeRawValue, splitActionQuery, toActionEventParams } from './raw-query.js';
export type { ParamsResult, RawActionQuery } from './raw-query.js';
export { encodeRequestTarget } from './request-target.js';
export { createSecret } from './secret.js';

export { createSnomClient, createSnomDispatcher } from './snom-client.js';
export type {
  ClearLogRequest,
  ReadLogRequest,
  SnomClient,
  SnomClientOptions,
  SnomDispatcherOptions,
  SnomRedirectEvent,
  WriteSettingsOptions,
} from './snom-client.js';
export type { AuthMode } from './auth-fetch.js';
export {
  SnomAuthDowngradeError,
  SnomAuthError,
  SnomClientError,
  SnomConnectionError,
  SnomHttpError,
  SnomProtocolError,
  SnomRedirectError,
  SnomResponseTooLargeError,
  SnomTimeoutError,
  SnomUnsupportedModelError,
  isSnomAuthDowngradeError,
  isSnomAuthError,
  isSnomClientError,
  isSnomConnectionError,
  isSnomHttpError,
  isSnomProtocolError,
  isSnomRedirectError,
  isSnomResponseTooLargeError,
  isSnomTimeoutError,
  isSnomUnsupportedModelError,
} from './errors.js';
export type {
  SnomAuthScheme,
  SnomClientErrorCode,
  SnomClientErrorContext,
  SnomConnectionErrorCode,
} from './errors.js';
export { parseInfoPage } from './info-page.js';
export type { ParsedInfoPage, PhoneInfo } from './info-page.js';
export { parseSettingsPage } from './settings-page.js';
export { decodeHtmlEntities, htmlTitle, htmlToText } from './html-text.js';
export { keyNamesForModel } from './key-names.js';
export type { KeyNames } from './key-names.js';
export { computeDigestResponse, parseWwwAuthenticate } from './digest-auth.js';
export type { AuthChallenge, DigestAlgorithm, DigestResponseInput } from './digest-auth.js';
export { DEFAULT_PRESENCE_SETTINGS, presenceSettings } from './presence-settings.js';
export type { ForwardMode, PresenceSettingNames, PresenceWrite } from './presence-settings.js';

export {
  escapeHtml,
  formatLogTime,
  formatSipLogEntry,
  scenarioMessages,
  scenarioPhases,
  wrapLogHtml,
} from './sip-log.js';
export type { CallScenario, SipLogFormat, SipLogMessage } from './sip-log.js';
export { createFakeLogClient, createFakeLogPhone, httpGet } from './fake-log-phone.js';
export type { FakeLogPhone, FakeLogPhoneOptions, FakePhoneUrlKind } from './fake-log-phone.js';

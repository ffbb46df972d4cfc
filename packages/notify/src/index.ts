export { createMissedCallMailer } from './missed-call-mailer.js';
export type {
  MissedCallMailer,
  MissedCallMailerOptions,
  MissedCallMailerStatus,
  NotifyLogger,
  TestMailResult,
} from './missed-call-mailer.js';
export { composeMail, escapeHtml, journalLink, singleLine } from './compose.js';
export type { ComposeOptions, ComposedMail, MissedCallEntry } from './compose.js';
export {
  missedCallMailerConfigSchema,
  recipientSchema,
  smtpOptionsSchema,
} from './mailer-options.js';
export type { MissedCallMailerConfig } from './mailer-options.js';
export {
  NotifyConfigError,
  NotifyError,
  NotifySmtpError,
  isNotifyError,
  isNotifySmtpError,
} from './errors.js';

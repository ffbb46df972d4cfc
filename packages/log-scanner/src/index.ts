export {
  DEFAULT_MESSAGE_START_PATTERNS,
  LEGACY_INTRO_PATTERN,
  SIP_TRACE_INTRO_PATTERN,
  decodeEntities,
  htmlToText,
  parseLog,
} from './parse-log.js';
export type {
  LogIssue,
  LogIssueKind,
  LogRecord,
  LogTextRecord,
  ParseLogOptions,
  ParsedLog,
  SipCSeq,
  SipDirection,
  SipMessageRecord,
} from './parse-log.js';
export { parseNameAddr } from './name-addr.js';
export type { NameAddr } from './name-addr.js';
export {
  DEFAULT_MAX_REMEMBERED_CALLS,
  createLogScanCursor,
  inferCallEvents,
} from './infer-call-events.js';
export type {
  InferCallEventsOptions,
  InferCallEventsResult,
  LogScanCursor,
  ScannedCall,
} from './infer-call-events.js';
export {
  DEFAULT_LOG_PATH,
  DEFAULT_MAX_READ_CHARS,
  LIKELY_LOG_PAGES,
  createLogScanner,
  newestPart,
} from './log-scanner.js';
export type {
  LogClearRequest,
  LogPage,
  LogReadRequest,
  LogScanner,
  LogScannerOptions,
  LogScannerStats,
  LogScannerStatus,
  LogSource,
  ScannerTimers,
} from './log-scanner.js';
export { createScanScheduler } from './scan-scheduler.js';
export type { ScanPriority, ScanScheduler, ScanSchedulerOptions } from './scan-scheduler.js';
export {
  LogReadError,
  LogScannerError,
  ScanCancelledError,
  isLogReadError,
  isLogScannerError,
  isScanCancelledError,
} from './errors.js';

export { startSilentServer, startSmtpSink } from './smtp-sink.js';
export type { SinkMessage, SmtpSink, SmtpSinkOptions } from './smtp-sink.js';

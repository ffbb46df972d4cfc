import type { CallChange, SnomlinkEvent } from '@snomlink/core';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import * as v from 'valibot';
import { composeMail, entryFromCall, singleLine, type MissedCallEntry } from './compose.js';
import { NotifyConfigError, smtpError } from './errors.js';
import {
  parseMailerConfig,
  recipientSchema,
  smtpOptionsSchema,
  type MissedCallMailerConfig,
} from './mailer-options.js';

/** The logger the mailer writes to; pino's `Logger` fits. */
export interface NotifyLogger {
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options of {@link createMissedCallMailer}. */
export interface MissedCallMailerOptions {
  readonly smtp: v.InferInput<typeof smtpOptionsSchema>;
  /** Sender address (the envelope and the From header). */
  readonly from: string;
  /** Display name of the sender. Default `snomlink`. */
  readonly fromName?: string;
  /** Who gets mail for which lines; a per-user recipient lists the user's lines. */
  readonly recipients: readonly v.InferInput<typeof recipientSchema>[];
  /** Display names of the lines (phone id → name); default: the id. */
  readonly lines?: readonly { readonly id: string; readonly name?: string }[];
  /** The web UI's journal page; each call gets a link filtered to its line and number. */
  readonly journalUrl?: string;
  /** How long the first missed call waits for more before its mail goes out. Default 10 s. */
  readonly batchDelayMs?: number;
  /** A mail lists at most this many calls; a fuller batch is sent at once. Default 100. */
  readonly maxCallsPerMail?: number;
  /** Calls waiting (batched, queued, retrying) at most; newer ones are dropped. Default 1000. */
  readonly maxPending?: number;
  /** Retries of a failed mail before it is given up. Default 5. */
  readonly retryAttempts?: number;
  /** First retry delay, doubled each time up to `retryMaxDelayMs`. Default 2 s / 5 min. */
  readonly retryInitialDelayMs?: number;
  readonly retryMaxDelayMs?: number;
  /** For the time in the mail. Default `en-GB` and the machine's time zone. */
  readonly locale?: string;
  readonly timeZone?: string;
  readonly logger?: NotifyLogger;
}

/** Counters for the admin UI. */
export interface MissedCallMailerStatus {
  /** Missed calls waiting in a batch, the send queue or a retry. */
  readonly pendingCalls: number;
  /** Mails the server accepted. */
  readonly sent: number;
  /** Mails given up after all retries. */
  readonly failed: number;
  /** Retries made. */
  readonly retries: number;
  /** Calls dropped because `maxPending` was reached. */
  readonly dropped: number;
  /** Last SMTP error; never holds the password. */
  readonly lastError: string | null;
}

/** What the SMTP server said to a test message. */
export interface TestMailResult {
  readonly messageId: string;
  readonly accepted: readonly string[];
  readonly rejected: readonly string[];
}

/** Sends missed-call mail in the background; feed it hub events. */
export interface MissedCallMailer {
  /** Takes one hub event (only missed `call-finished` matters); returns at once. */
  publish(event: SnomlinkEvent | CallChange | { readonly type: string }): void;
  /**
   * Sends a test message now (the web UI's test button) to `to` or every recipient, over its
   * own connection; rejects with a `NotifySmtpError` saying what the server did.
   */
  sendTest(to?: string): Promise<TestMailResult>;
  /**
   * Replaces who gets mail for which lines (the daemon's per-user recipients change with its
   * users); applies to calls published afterwards, batches already open keep their recipient.
   * Throws {@link NotifyConfigError} naming the field for an invalid list (the old one stays).
   */
  setRecipients(recipients: readonly v.InferInput<typeof recipientSchema>[]): void;
  /** Sends every open batch now and resolves when the send queue is empty (retries pending excluded). */
  flush(): Promise<void>;
  status(): MissedCallMailerStatus;
  /** Stops timers and closes the connection; what is still pending is dropped. Idempotent. */
  close(): Promise<void>;
}

type Recipient = MissedCallMailerConfig['recipients'][number];

interface Job {
  readonly recipient: Recipient;
  readonly entries: readonly MissedCallEntry[];
  attempt: number;
}

const NOOP_LOGGER: NotifyLogger = { info() {}, warn() {}, error() {} };

function transportOptions(smtp: MissedCallMailerConfig['smtp']): SMTPTransport.Options {
  return {
    host: smtp.host,
    port: smtp.port ?? (smtp.secure ? 465 : 587),
    secure: smtp.secure,
    requireTLS: smtp.requireTls,
    tls: { rejectUnauthorized: smtp.rejectUnauthorized },
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
    ...(smtp.username === undefined
      ? {}
      : { auth: { user: smtp.username, pass: smtp.password ?? '' } }),
  };
}

/**
 * Creates the missed-call mailer: each missed call on a recipient's lines opens (or joins) a
 * batch that is mailed after `batchDelayMs` over one pooled SMTP connection, retried with
 * exponential backoff. `publish` never waits for SMTP.
 */
export function createMissedCallMailer(options: MissedCallMailerOptions): MissedCallMailer {
  const { logger: givenLogger, ...data } = options;
  const config = parseMailerConfig(data);
  let recipients = config.recipients;
  const logger = givenLogger ?? NOOP_LOGGER;
  const lineNames = new Map(config.lines.map((l) => [l.id, l.name ?? l.id]));
  const smtpOptions = transportOptions(config.smtp);
  const transport: Transporter<SMTPPool.SentMessageInfo> = nodemailer.createTransport({
    ...smtpOptions,
    pool: true,
    maxConnections: 1,
    maxMessages: 100,
  });
  const from = { name: singleLine(config.fromName), address: config.from };

  // Open batches per recipient address, the send queue, and retry timers.
  const batches = new Map<
    string,
    { recipient: Recipient; entries: MissedCallEntry[]; timer: NodeJS.Timeout | null }
  >();
  const queue: Job[] = [];
  const retryTimers = new Map<NodeJS.Timeout, Job>();
  const counters = { sent: 0, failed: 0, retries: 0, dropped: 0 };
  let lastError: string | null = null;
  let sending = false;
  // The job whose SMTP transaction is under way.
  let current: Job | null = null;
  let closed = false;
  let idleWaiters: (() => void)[] = [];

  const pendingCalls = (): number => {
    let n = 0;
    for (const b of batches.values()) n += b.entries.length;
    for (const j of queue) n += j.entries.length;
    for (const j of retryTimers.values()) n += j.entries.length;
    return n + (current?.entries.length ?? 0);
  };

  function closeBatch(key: string): void {
    const batch = batches.get(key);
    if (batch === undefined) return;
    batches.delete(key);
    if (batch.timer !== null) clearTimeout(batch.timer);
    queue.push({ recipient: batch.recipient, entries: batch.entries, attempt: 0 });
    void drain();
  }

  async function drain(): Promise<void> {
    if (sending) return;
    sending = true;
    try {
      for (let job = queue.shift(); job !== undefined && !closed; job = queue.shift()) {
        current = job;
        await send(job);
        current = null;
      }
    } finally {
      current = null;
      sending = false;
      if (queue.length === 0) {
        for (const resolve of idleWaiters.splice(0)) resolve();
      }
    }
  }

  async function send(job: Job): Promise<void> {
    const mail = composeMail(job.entries, {
      locale: config.locale,
      timeZone: config.timeZone,
      journalUrl: config.journalUrl,
    });
    try {
      await transport.sendMail({
        from,
        to: { name: singleLine(job.recipient.name ?? ''), address: job.recipient.email },
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
      });
      counters.sent += 1;
      lastError = null;
    } catch (error) {
      const wrapped = smtpError(error);
      lastError = wrapped.message;
      if (closed) return;
      if (job.attempt >= config.retryAttempts) {
        counters.failed += 1;
        logger.error(
          { to: job.recipient.email, calls: job.entries.length, err: wrapped.message },
          'missed-call mail given up after retries',
        );
        return;
      }
      const delay = Math.min(config.retryMaxDelayMs, config.retryInitialDelayMs * 2 ** job.attempt);
      job.attempt += 1;
      counters.retries += 1;
      logger.warn(
        { to: job.recipient.email, attempt: job.attempt, delayMs: delay, err: wrapped.message },
        'missed-call mail failed; retrying',
      );
      const timer = setTimeout(() => {
        retryTimers.delete(timer);
        queue.push(job);
        void drain();
      }, delay);
      retryTimers.set(timer, job);
    }
  }

  return {
    publish(event): void {
      if (closed || event.type !== 'call-finished' || !('call' in event)) return;
      const call = event.call;
      if (!call.missed) return;
      const entry = entryFromCall(call, lineNames.get(call.phoneId) ?? call.phoneId);
      for (const recipient of recipients) {
        const lines = recipient.lines;
        if (lines !== undefined && lines.length > 0 && !lines.includes(call.phoneId)) continue;
        if (pendingCalls() >= config.maxPending) {
          counters.dropped += 1;
          logger.warn({ to: recipient.email }, 'missed-call mail queue full; call dropped');
          continue;
        }
        const key = recipient.email.toLowerCase();
        let batch = batches.get(key);
        if (batch === undefined) {
          batch = { recipient, entries: [], timer: null };
          batches.set(key, batch);
          batch.timer = setTimeout(() => {
            closeBatch(key);
          }, config.batchDelayMs);
        }
        batch.entries.push(entry);
        if (batch.entries.length >= config.maxCallsPerMail) closeBatch(key);
      }
    },

    setRecipients(next): void {
      const result = v.safeParse(v.array(recipientSchema), next);
      if (!result.success) {
        const issue = result.issues[0];
        const path = v.getDotPath(issue);
        throw new NotifyConfigError(
          `notify: recipients${path === null ? '' : `.${path}`}: ${issue.message}`,
          path === null ? 'recipients' : `recipients.${path}`,
        );
      }
      recipients = result.output;
    },

    async sendTest(to?: string): Promise<TestMailResult> {
      const addresses = to === undefined ? recipients.map((r) => r.email) : [parseAddress(to)];
      if (addresses.length === 0) {
        throw new NotifyConfigError(
          'notify: no recipients; add one or give an address to test',
          'recipients',
        );
      }
      const once = nodemailer.createTransport(smtpOptions);
      try {
        const info = await once.sendMail({
          from,
          to: addresses,
          subject: 'snomlink test message',
          text: 'This is a test message from snomlink. Missed-call e-mail reaches you.\n',
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
        return {
          messageId: info.messageId,
          accepted: info.accepted.map(String),
          rejected: info.rejected.map(String),
        };
      } catch (error) {
        throw smtpError(error);
      } finally {
        once.close();
      }
    },

    flush(): Promise<void> {
      for (const key of [...batches.keys()]) closeBatch(key);
      if (!sending && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
      });
    },

    status(): MissedCallMailerStatus {
      return { pendingCalls: pendingCalls(), ...counters, lastError };
    },

    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      const abandoned = pendingCalls();
      for (const batch of batches.values()) if (batch.timer !== null) clearTimeout(batch.timer);
      for (const timer of retryTimers.keys()) clearTimeout(timer);
      batches.clear();
      retryTimers.clear();
      queue.length = 0;
      if (abandoned > 0)
        logger.warn({ calls: abandoned }, 'missed-call mailer closed with mail pending');
      transport.close();
      for (const resolve of idleWaiters.splice(0)) resolve();
      idleWaiters = [];
      return Promise.resolve();
    },
  };
}

function parseAddress(to: string): string {
  const result = v.safeParse(recipientSchema.entries.email, to);
  if (!result.success)
    throw new NotifyConfigError(
      `notify: "${singleLine(to, 80)}" ${result.issues[0].message}`,
      'to',
    );
  return result.output;
}

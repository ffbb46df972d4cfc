import type { Logger } from 'pino';
import type { EventHub, SnomlinkEvent } from '@snomlink/core';
import { createMissedCallMailer } from '@snomlink/notify';
import type { MissedCallMailer, MissedCallMailerStatus, TestMailResult } from '@snomlink/notify';
import type { Config } from '../config/config-schema.js';
import { missedCallRecipients } from './missed-call-recipients.js';

/** How long shutdown waits for open batches to go out before dropping them (logged). */
const FLUSH_AT_STOP_MS = 5000;

/** Missed-call e-mail as the daemon runs it. */
export interface EmailNotify {
  status(): MissedCallMailerStatus;
  /** Sends a test message to `to` or every recipient (`POST /api/notify/test`). */
  sendTest(to?: string): Promise<TestMailResult>;
  /** Unsubscribes, sends open batches (waiting at most 5 s), then closes the connection. */
  close(): Promise<void>;
}

/** Options of {@link startEmailNotify}. */
export interface EmailNotifyOptions {
  readonly config: () => Config;
  readonly hub: EventHub<SnomlinkEvent>;
  readonly logger: Logger;
}

/**
 * Starts the missed-call mailer from `notify.email`, or returns null when the section is absent
 * or disabled. It gets every hub event; only missed `call-finished` ones matter, and `publish`
 * only appends to memory, so an unreachable SMTP server never delays a phone or the journal.
 * Line names are the phones' names at start. Recipients are `notify.email.recipients` and every
 * user with an `email` (for the user's lines), kept up to date as users change.
 */
export function startEmailNotify(options: EmailNotifyOptions): EmailNotify | null {
  const section = options.config().notify?.email;
  if (section === undefined || !section.enabled) return null;
  const log = options.logger.child({ component: 'notify' });
  const mailer: MissedCallMailer = createMissedCallMailer({
    smtp: section.smtp,
    from: section.from,
    fromName: section.fromName,
    recipients: missedCallRecipients(options.config()),
    lines: options.config().phones.map((p) => ({ id: p.id, name: p.name || p.id })),
    ...(section.journalUrl === undefined ? {} : { journalUrl: section.journalUrl }),
    batchDelayMs: section.batchDelayMs,
    maxCallsPerMail: section.maxCallsPerMail,
    retryAttempts: section.retryAttempts,
    locale: section.locale,
    ...(section.timeZone === undefined ? {} : { timeZone: section.timeZone }),
    logger: log,
  });
  // Users (and their e-mail and lines) change at run time: the recipients are brought up to
  // date before each missed call is handed over (cheap: only missed calls, compared as text).
  let recipientsKey = JSON.stringify(missedCallRecipients(options.config()));
  const unsubscribe = options.hub.subscribe((event) => {
    if (event.type === 'call-finished' && event.call.missed) {
      const recipients = missedCallRecipients(options.config());
      const key = JSON.stringify(recipients);
      if (key !== recipientsKey) {
        try {
          mailer.setRecipients(recipients);
          recipientsKey = key;
        } catch (error) {
          log.warn({ err: error }, 'missed-call recipients not updated; keeping the old ones');
        }
      }
    }
    mailer.publish(event);
  });
  log.info(
    {
      smtp: `${section.smtp.host}:${String(section.smtp.port ?? (section.smtp.secure ? 465 : 587))}`,
      recipients: missedCallRecipients(options.config()).length,
    },
    'missed-call e-mail active',
  );
  return {
    status: () => mailer.status(),
    sendTest: (to) => mailer.sendTest(to),
    async close() {
      unsubscribe();
      let timer: NodeJS.Timeout | undefined;
      const flushed = await Promise.race([
        mailer.flush().then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => {
            resolve(false);
          }, FLUSH_AT_STOP_MS);
        }),
      ]);
      clearTimeout(timer);
      if (!flushed) log.warn(mailer.status(), 'missed-call e-mails still pending at shutdown');
      await mailer.close();
    },
  };
}

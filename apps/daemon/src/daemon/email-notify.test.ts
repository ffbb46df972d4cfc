import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventHub } from '@snomlink/core';
import type { SnomlinkEvent } from '@snomlink/core';
import { startSmtpSink } from '@snomlink/notify/testing';
import type { SmtpSink } from '@snomlink/notify/testing';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConfigStore } from '../config/config-store.js';
import type { ConfigStore } from '../config/config-store.js';
import { finishedCall, party } from '../testing/fixtures.js';
import { createUserStore } from '../users/user-store.js';
import type { UserStore } from '../users/user-store.js';
import { createTokenVerifier } from '../users/token-verifier.js';
import { startEmailNotify } from './email-notify.js';
import type { EmailNotify } from './email-notify.js';
import { missedCallRecipients } from './missed-call-recipients.js';

// Missed-call e-mail per user: a user with an e-mail address gets mail for missed calls on
// the lines it may see, through a real local SMTP server (smtp-server) and parsed messages.

let dir: string;
let config: ConfigStore;
let users: UserStore;
let smtp: SmtpSink;
let notify: EmailNotify | null = null;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-user-mail-'));
  smtp = await startSmtpSink();
  config = await openConfigStore({ file: join(dir, 'config.json') });
  users = createUserStore({
    config,
    verifier: createTokenVerifier({ users: () => config.current.users }),
  });
  await config.update((c) => ({
    ...c,
    notify: {
      email: {
        enabled: true,
        smtp: {
          host: '127.0.0.1',
          port: smtp.port,
          secure: false,
          requireTls: false,
          rejectUnauthorized: true,
          timeoutMs: 5000,
        },
        from: 'pbx@example.com',
        fromName: 'snomlink',
        // Only per-user recipients, besides one office address for desk-c.
        recipients: [{ email: 'office@example.com', lines: ['desk-c'] }],
        batchDelayMs: 50,
        maxCallsPerMail: 100,
        retryAttempts: 0,
        locale: 'en-GB',
        timeZone: 'UTC',
      },
    },
  }));
});

afterEach(async () => {
  await notify?.close();
  notify = null;
  await smtp.close();
  await rm(dir, { recursive: true, force: true });
});

function missed(phoneId: string, number: string): SnomlinkEvent {
  return {
    type: 'call-finished',
    call: finishedCall({
      id: `${phoneId}-${number}`,
      phoneId,
      callerId: party(number, null),
      missed: true,
      connectedAt: null,
    }),
  };
}

describe('missed-call e-mail per user', () => {
  it('mails a user with an address the missed calls of its lines only, and follows user changes', async () => {
    await users.create({
      name: 'Anna',
      role: 'agent',
      lines: ['desk-a'],
      control: [],
      email: 'anna@example.com',
    });
    await users.create({ name: 'Bert', role: 'viewer', lines: ['desk-b'], control: [] });
    // An address but no line: no mail at all (an empty list must not mean "every line").
    await users.create({
      name: 'Nobody',
      role: 'viewer',
      lines: [],
      control: [],
      email: 'nobody@example.com',
    });
    const hub = createEventHub<SnomlinkEvent>();
    notify = startEmailNotify({
      config: () => config.current,
      hub,
      logger: pino({ level: 'silent' }),
    });
    hub.publish(missed('desk-a', '+4930111'));
    hub.publish(missed('desk-b', '+4930222'));
    const [first] = await smtp.waitForMessages(1);
    expect(first?.rcptTo).toEqual(['anna@example.com']);
    expect(first?.parsed.text).toContain('+4930111');
    expect(first?.parsed.text).not.toContain('+4930222');

    // Bert gets an address at run time: the next missed call on his line reaches him.
    const bert = users.list().find((u) => u.name === 'Bert');
    expect(bert?.email).toBeNull();
    const changed = await users.update(bert?.id ?? '', { email: 'Bert@Example.com' });
    expect(changed.email).toBe('Bert@Example.com');
    hub.publish(missed('desk-b', '+4930333'));
    const [, second] = await smtp.waitForMessages(2);
    expect(second?.rcptTo.map((a) => a.toLowerCase())).toEqual(['bert@example.com']);
    expect(second?.parsed.text).toContain('+4930333');
    expect(second?.parsed.text).not.toContain('+4930222');

    // Removing the address stops it.
    await users.update(bert?.id ?? '', { email: '' });
    expect(config.current.users.find((u) => u.name === 'Bert')).not.toHaveProperty('email');
    hub.publish(missed('desk-b', '+4930444'));
    hub.publish(missed('desk-c', '+4930555'));
    const [, , third] = await smtp.waitForMessages(3);
    expect(third?.rcptTo).toEqual(['office@example.com']);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(smtp.messages.flatMap((m) => m.rcptTo)).not.toContain('nobody@example.com');
    expect(smtp.messages.some((m) => (m.parsed.text ?? '').includes('+4930444'))).toBe(false);
  });

  it('merges an address that is both a line recipient and a user, so a call is mailed once', () => {
    const recipients = missedCallRecipients({
      ...config.current,
      users: [
        {
          id: 'aa11bb22',
          name: 'Office',
          role: 'agent',
          lines: ['desk-a'],
          control: ['desk-d'],
          email: 'OFFICE@example.com',
          createdAt: 0,
          tokens: [],
        },
        {
          id: 'cc33dd44',
          name: 'Boss',
          role: 'admin',
          lines: [],
          control: [],
          email: 'boss@example.com',
          createdAt: 0,
          tokens: [],
        },
      ],
    });
    expect(recipients).toEqual([
      { email: 'office@example.com', lines: ['desk-c', 'desk-a', 'desk-d'] },
      { email: 'boss@example.com', name: 'Boss' },
    ]);
  });
});

import type { CallChange, FinishedCall, PartyId } from '@snomlink/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createMissedCallMailer,
  isNotifyError,
  isNotifySmtpError,
  type MissedCallMailer,
  type MissedCallMailerOptions,
} from './index.js';
import { startSilentServer, startSmtpSink, type SmtpSink } from './testing/index.js';

function party(number: string | null, name: string | null): PartyId {
  return {
    number,
    displayName: name,
    directoryName: null,
    canonical: number,
    e164: null,
    anonymous: number === null,
    raw: number,
  };
}

/** A `call-finished` hub event of an inbound call, missed or answered. */
function finished(
  phoneId: string,
  id: string,
  number: string | null,
  name: string | null,
  missed = true,
): CallChange {
  const at = Date.UTC(2026, 11, 2, 9, 41, 7);
  const call: FinishedCall = {
    id,
    phoneId,
    sipCallId: id,
    state: 'idle',
    direction: 'inbound',
    locality: 'external',
    callerId: party(number, name),
    calledId: party('200', null),
    connectedId: null,
    disconnectMode: missed ? 'noanswer' : 'normal',
    startedAt: at - 20_000,
    connectedAt: missed ? null : at - 10_000,
    endedAt: at,
    lastEventAt: at,
    missed,
  };
  return { type: 'call-finished', call };
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function sink(options?: Parameters<typeof startSmtpSink>[0]): Promise<SmtpSink> {
  const s = await startSmtpSink(options);
  cleanup.push(() => s.close());
  return s;
}

function mailer(port: number, options: Partial<MissedCallMailerOptions> = {}): MissedCallMailer {
  const m = createMissedCallMailer({
    smtp: { host: '127.0.0.1', port, timeoutMs: 2000 },
    from: 'pbx@example.com',
    recipients: [{ email: 'anna@example.com', name: 'Anna' }],
    lines: [
      { id: 'desk-1', name: 'Reception' },
      { id: 'desk-2', name: 'Back office' },
    ],
    journalUrl: 'http://snomlink.example:8080/journal',
    batchDelayMs: 50,
    retryInitialDelayMs: 20,
    timeZone: 'UTC',
    ...options,
  });
  cleanup.push(() => m.close());
  return m;
}

describe('createMissedCallMailer with a local SMTP sink', () => {
  it('one missed call gives exactly one e-mail with the right caller, time, line and link', async () => {
    const smtp = await sink();
    const m = mailer(smtp.port);
    m.publish(finished('desk-1', 'answered', '+4930999', 'Someone', false));
    m.publish({ type: 'line-status' });
    m.publish(finished('desk-1', 'c1', '+4930123456', 'Anna Schmidt'));
    const [mail] = await smtp.waitForMessages(1);
    await m.flush();
    expect(smtp.messages).toHaveLength(1);
    expect(mail!.rcptTo).toEqual(['anna@example.com']);
    expect(mail!.mailFrom).toBe('pbx@example.com');
    const parsed = mail!.parsed;
    expect(parsed.subject).toBe('Missed call from Anna Schmidt (+4930123456) on Reception');
    expect(parsed.text).toContain('Number: +4930123456');
    expect(parsed.text).toContain('Name:   Anna Schmidt');
    expect(parsed.text).toContain('Line:   Reception (desk-1)');
    expect(parsed.text).toContain('2 Dec 2026, 09:41:07');
    expect(parsed.text).toContain(
      'Journal: http://snomlink.example:8080/journal?phone=desk-1&missed=true&q=%2B4930123456',
    );
    expect(parsed.text).not.toContain('+4930999');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(m.status()).toMatchObject({ sent: 1, pendingCalls: 0, failed: 0 });
  });

  it('setRecipients changes who gets the next calls, by line; an invalid list is refused and the old one kept', async () => {
    const smtp = await sink();
    const m = mailer(smtp.port);
    m.setRecipients([
      { email: 'bert@example.com', name: 'Bert', lines: ['desk-2'] },
      { email: 'carla@example.com', lines: [] },
    ]);
    expect(() => {
      m.setRecipients([{ email: 'not an address' }]);
    }).toThrow(/recipients\.0\.email/);
    m.publish(finished('desk-1', 'c1', '+4930111', null));
    m.publish(finished('desk-2', 'c2', '+4930222', null));
    await smtp.waitForMessages(2);
    await m.flush();
    const byRcpt = new Map(smtp.messages.map((x) => [x.rcptTo.join(','), x.parsed.text ?? '']));
    expect([...byRcpt.keys()].sort()).toEqual(['bert@example.com', 'carla@example.com']);
    expect(byRcpt.get('bert@example.com')).toContain('+4930222');
    expect(byRcpt.get('bert@example.com')).not.toContain('+4930111');
    expect(byRcpt.get('carla@example.com')).toContain('+4930111');
  });

  it('a burst of 50 missed calls gives one batched mail over one connection, not 50', async () => {
    const smtp = await sink();
    const m = mailer(smtp.port, { batchDelayMs: 200 });
    for (let i = 0; i < 50; i += 1)
      m.publish(finished('desk-1', `c${i}`, `0301000${String(i).padStart(2, '0')}`, `Caller ${i}`));
    await smtp.waitForMessages(1);
    await m.flush();
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.connections()).toBe(1);
    const { parsed } = smtp.messages[0]!;
    expect(parsed.subject).toBe('50 missed calls on Reception');
    for (let i = 0; i < 50; i += 1)
      expect(parsed.text).toContain(`0301000${String(i).padStart(2, '0')}`);
  });

  it('a batch larger than maxCallsPerMail is split, still over one connection', async () => {
    const smtp = await sink();
    const m = mailer(smtp.port, { batchDelayMs: 60_000, maxCallsPerMail: 20 });
    for (let i = 0; i < 50; i += 1) m.publish(finished('desk-1', `c${i}`, String(1000 + i), null));
    await smtp.waitForMessages(2);
    await m.flush();
    expect(smtp.messages.map((x) => x.parsed.subject)).toEqual([
      '20 missed calls on Reception',
      '20 missed calls on Reception',
      '10 missed calls on Reception',
    ]);
    expect(smtp.connections()).toBe(1);
  });

  it('mails per line: a recipient with lines only gets those, one without gets all', async () => {
    const smtp = await sink();
    const m = mailer(smtp.port, {
      recipients: [{ email: 'anna@example.com', lines: ['desk-1'] }, { email: 'boss@example.com' }],
    });
    m.publish(finished('desk-2', 'c1', '555', 'Bob'));
    await smtp.waitForMessages(1);
    await m.flush();
    expect(smtp.messages.map((x) => x.rcptTo)).toEqual([['boss@example.com']]);
    expect(smtp.messages[0]!.parsed.subject).toBe('Missed call from Bob (555) on Back office');
  });

  it('CR/LF in a caller name or number cannot inject headers or recipients', async () => {
    const smtp = await sink();
    const m = mailer(smtp.port);
    const evil =
      'Evil\r\nBcc: victim@evil.example\r\nX-Injected: yes\r\n\r\n<script>alert(1)</script>';
    m.publish(finished('desk-1', 'c1', '123\r\nX-Num: 1', evil));
    const [mail] = await smtp.waitForMessages(1);
    expect(mail!.rcptTo).toEqual(['anna@example.com']);
    const headers = mail!.parsed.headers;
    expect(headers.has('x-injected')).toBe(false);
    expect(headers.has('x-num')).toBe(false);
    expect(headers.has('bcc')).toBe(false);
    expect(mail!.raw).not.toMatch(/^X-Injected:/im);
    expect(mail!.parsed.subject).toBe(
      'Missed call from Evil Bcc: victim@evil.example X-Injected: yes <script>alert(1)</script> (123 X-Num: 1) on Reception',
    );
    // The text body cannot be given fake lines either, and the HTML part escapes the name.
    expect(mail!.parsed.text).not.toMatch(/^X-Injected/m);
    expect(mail!.parsed.html).not.toContain('<script>');
    expect(mail!.parsed.html).toContain('&lt;script&gt;');
  });

  it('retries with backoff when the server refuses, then delivers exactly once', async () => {
    const smtp = await sink({ failFirst: 2 });
    const m = mailer(smtp.port);
    m.publish(finished('desk-1', 'c1', '777', 'Retry'));
    await smtp.waitForMessages(1);
    expect(smtp.refused()).toBe(2);
    expect(smtp.messages).toHaveLength(1);
    await expect.poll(() => m.status().sent).toBe(1);
    expect(m.status()).toMatchObject({ sent: 1, retries: 2, failed: 0, lastError: null });
  });

  it('gives a mail up after retryAttempts and says so', async () => {
    const smtp = await sink({ failFirst: 100 });
    const m = mailer(smtp.port, { retryAttempts: 2 });
    m.publish(finished('desk-1', 'c1', '777', null));
    await expect.poll(() => m.status().failed, { timeout: 5000 }).toBe(1);
    expect(m.status()).toMatchObject({ sent: 0, retries: 2, pendingCalls: 0 });
    expect(m.status().lastError).toMatch(/try again later/);
  });

  it('sendTest() sends a test message and reports what the server accepted', async () => {
    const smtp = await sink({ auth: { user: 'pbx', pass: 'mail-secret' } });
    const m = mailer(smtp.port, {
      smtp: { host: '127.0.0.1', port: smtp.port, username: 'pbx', password: 'mail-secret' },
    });
    const result = await m.sendTest();
    expect(result.accepted).toEqual(['anna@example.com']);
    expect(smtp.messages[0]!.parsed.subject).toBe('snomlink test message');
    await m.sendTest('other@example.com');
    expect(smtp.messages[1]!.rcptTo).toEqual(['other@example.com']);
    await expect(m.sendTest('not an address\r\nBcc: x@y')).rejects.toSatisfy(isNotifyError);
  });

  it('sendTest() with a wrong password rejects with an SMTP error that hides the password', async () => {
    const smtp = await sink({ auth: { user: 'pbx', pass: 'mail-secret' } });
    const m = mailer(smtp.port, {
      smtp: { host: '127.0.0.1', port: smtp.port, username: 'pbx', password: 'wrong-secret' },
    });
    const error: unknown = await m.sendTest().catch((e: unknown) => e);
    expect(isNotifySmtpError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('EAUTH');
    expect((error as Error).message).not.toContain('wrong-secret');
  });

  it('refuses bad options with the field named', () => {
    expect(() =>
      createMissedCallMailer({
        smtp: { host: '127.0.0.1' },
        from: 'pbx@example.com',
        recipients: [{ email: 'a@b.example\r\nBcc: x@y.example' }],
      }),
    ).toThrow(/recipients\.0\.email/);
    expect(() =>
      createMissedCallMailer({ smtp: { host: 'a b' }, from: 'pbx@example.com', recipients: [] }),
    ).toThrow(/smtp\.host/);
  });
});

describe('an unreachable SMTP server delays nothing', () => {
  async function eventLoopGap(rounds: number): Promise<number> {
    let worst = 0;
    for (let i = 0; i < rounds; i += 1) {
      const start = performance.now();
      await new Promise((resolve) => setImmediate(resolve));
      worst = Math.max(worst, performance.now() - start);
    }
    return worst;
  }

  it('a server that accepts and never answers: publish returns at once, the loop stays free', async () => {
    const silent = await startSilentServer();
    cleanup.push(() => silent.close());
    const m = mailer(silent.port, {
      batchDelayMs: 0,
      smtp: { host: '127.0.0.1', port: silent.port, timeoutMs: 60_000 },
    });
    const started = performance.now();
    for (let i = 0; i < 50; i += 1) m.publish(finished('desk-1', `c${i}`, String(i), 'x'));
    // Bounds far below the 60 s SMTP timeout, with room for a loaded CI machine.
    expect(performance.now() - started).toBeLessThan(200);
    await expect.poll(() => silent.connections()).toBe(1);
    expect(await eventLoopGap(50)).toBeLessThan(250);
    expect(m.status()).toMatchObject({ pendingCalls: 50, sent: 0 });
    const closing = performance.now();
    await m.close();
    expect(performance.now() - closing).toBeLessThan(1000);
  });

  it('a refused connection: calls are kept for retry, publish still returns at once', async () => {
    const closedPort = await startSilentServer();
    const port = closedPort.port;
    await closedPort.close();
    const m = mailer(port, { batchDelayMs: 0, retryInitialDelayMs: 60_000 });
    const started = performance.now();
    for (let i = 0; i < 50; i += 1) m.publish(finished('desk-1', `c${i}`, String(i), 'x'));
    expect(performance.now() - started).toBeLessThan(20);
    await expect.poll(() => m.status().retries).toBe(1);
    expect(m.status()).toMatchObject({ pendingCalls: 50, sent: 0, failed: 0 });
    expect(m.status().lastError).toMatch(/ECONNREFUSED|connect/i);
    await expect(m.sendTest()).rejects.toSatisfy(isNotifySmtpError);
  });
});

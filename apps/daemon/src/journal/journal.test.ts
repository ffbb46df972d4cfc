import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finishedCall, party } from '../testing/fixtures.js';
import { openJournal } from './journal.js';
import type { JournalStatus } from './journal.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('journal', () => {
  it('stores a finished call with both number forms and reads it back', () => {
    const journal = openJournal({ file: join(dir, 'j.sqlite') });
    journal.record(finishedCall());
    const page = journal.query();
    expect(page.entries).toHaveLength(1);
    const entry = page.entries[0]!;
    expect(entry).toMatchObject({
      phoneId: 'desk-201',
      direction: 'inbound',
      remoteNumber: '+4930123456',
      remoteName: 'Anna Müller',
      calledNumber: '201',
      durationMs: 58_000,
      missed: false,
      disconnectMode: 'normal',
    });
    expect(page.nextBefore).toBeNull();
    journal.close();
  });

  it('records a call once even when it is recorded twice', () => {
    const journal = openJournal({ file: ':memory:' });
    journal.record(finishedCall());
    journal.record(finishedCall());
    expect(journal.query().entries).toHaveLength(1);
    journal.close();
  });

  it('pages newest first and filters by phone, direction, missed and text', () => {
    const journal = openJournal({ file: ':memory:' });
    for (let i = 0; i < 7; i++) {
      journal.record(
        finishedCall({
          id: `c${i}`,
          phoneId: i % 2 === 0 ? 'a' : 'b',
          direction: i < 5 ? 'inbound' : 'outbound',
          missed: i === 3,
          calledId: party(i === 6 ? '0301112233' : '201', i === 6 ? 'Pizza Roma' : null),
        }),
      );
    }
    const first = journal.query({ limit: 3 });
    expect(first.entries.map((e) => e.callId)).toEqual(['c6', 'c5', 'c4']);
    expect(first.nextBefore).not.toBeNull();
    const second = journal.query({ limit: 3, before: first.nextBefore! });
    expect(second.entries.map((e) => e.callId)).toEqual(['c3', 'c2', 'c1']);
    const last = journal.query({ limit: 3, before: second.nextBefore! });
    expect(last.entries.map((e) => e.callId)).toEqual(['c0']);
    expect(last.nextBefore).toBeNull();

    expect(journal.query({ phoneId: 'b' }).entries.map((e) => e.callId)).toEqual([
      'c5',
      'c3',
      'c1',
    ]);
    expect(journal.query({ direction: 'outbound' }).entries).toHaveLength(2);
    expect(journal.query({ missed: true }).entries.map((e) => e.callId)).toEqual(['c3']);
    expect(journal.query({ q: 'pizza' }).entries.map((e) => e.callId)).toEqual(['c6']);
    // LIKE wildcards in the search are literal.
    expect(journal.query({ q: '%' }).entries).toHaveLength(0);
    journal.close();
  });

  it('deletes entries older than the retention', () => {
    const now = 1_800_000_000_000;
    const journal = openJournal({ file: ':memory:', now: () => now });
    journal.record(finishedCall({ id: 'old', startedAt: now - 40 * 86_400_000 }));
    journal.record(finishedCall({ id: 'new', startedAt: now - 86_400_000 }));
    journal.setRetentionDays(30);
    expect(journal.query().entries.map((e) => e.callId)).toEqual(['new']);
    journal.close();
  });

  it('keeps calls in memory while the database is locked and writes them once it is free', async () => {
    const file = join(dir, 'j.sqlite');
    const statuses: JournalStatus[] = [];
    let recovered: () => void = () => undefined;
    const recovery = new Promise<void>((resolve) => {
      recovered = resolve;
    });
    const journal = openJournal({
      file,
      busyTimeoutMs: 10,
      retryInitialMs: 20,
      onStatus: (status) => {
        statuses.push(status);
        if (status.ok) recovered();
      },
    });
    const blocker = new Database(file);
    blocker.exec('BEGIN EXCLUSIVE');
    journal.record(finishedCall({ id: 'while-locked' }));
    expect(journal.status.ok).toBe(false);
    expect(journal.status.pending).toBe(1);
    expect(journal.status.error).toMatch(/locked|busy/i);
    blocker.exec('COMMIT');
    blocker.close();
    await recovery;
    expect(journal.status).toEqual({ ok: true, pending: 0 });
    expect(journal.query().entries.map((e) => e.callId)).toEqual(['while-locked']);
    expect(statuses[0]?.ok).toBe(false);
    journal.close();
  });

  it('drops a call that can never be stored instead of blocking the ones after it', () => {
    const dropped: string[] = [];
    const journal = openJournal({ file: ':memory:', onDropped: (call) => dropped.push(call.id) });
    journal.record(finishedCall({ id: 'bad', sipCallId: {} as unknown as string }));
    journal.record(finishedCall({ id: 'good' }));
    expect(dropped).toEqual(['bad']);
    expect(journal.query().entries.map((e) => e.callId)).toEqual(['good']);
    expect(journal.status.ok).toBe(true);
    journal.close();
  });
});

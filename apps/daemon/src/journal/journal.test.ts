import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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
    expect(journal.writeFailures).toBe(1);
    blocker.exec('COMMIT');
    blocker.close();
    await recovery;
    expect(journal.status).toEqual({ ok: true, pending: 0, dropped: 0 });
    expect(journal.writeFailures).toBeGreaterThanOrEqual(1);
    expect(journal.query().entries.map((e) => e.callId)).toEqual(['while-locked']);
    expect(statuses[0]?.ok).toBe(false);
    journal.close();
  });

  it('does not try to write on every call while another process holds the lock, and keeps their order', async () => {
    const file = join(dir, 'j.sqlite');
    let recovered: () => void = () => undefined;
    const recovery = new Promise<void>((resolve) => {
      recovered = resolve;
    });
    // Default busy timeout: with one blocking write attempt per call (as before), these 20 calls
    // would hold the event loop for 20 busy timeouts.
    const journal = openJournal({
      file,
      retryInitialMs: 30,
      onStatus: (status) => {
        if (status.ok) recovered();
      },
    });
    journal.record(finishedCall({ id: 'before' }));
    const attempts = vi.spyOn(Database.prototype, 'transaction');
    const blocker = new Database(file);
    blocker.exec('BEGIN EXCLUSIVE');
    // Event handling goes on: every call is handed over and the next handler runs after it.
    const handled: string[] = [];
    for (let i = 0; i < 20; i++) {
      journal.record(finishedCall({ id: `locked-${String(i)}`, startedAt: 1000 + i }));
      handled.push(`locked-${String(i)}`);
    }
    expect(handled).toHaveLength(20);
    // One attempt (the first call after the lock was taken), then the calls wait for the timer.
    expect(attempts.mock.calls.length).toBe(1);
    expect(journal.status).toMatchObject({ ok: false, pending: 20, dropped: 0 });
    expect(journal.status.error).toMatch(/locked|busy/i);
    blocker.exec('COMMIT');
    blocker.close();
    await recovery;
    attempts.mockRestore();
    expect(journal.status).toEqual({ ok: true, pending: 0, dropped: 0 });
    const ids = journal
      .query({ limit: 100 })
      .entries.map((e) => e.callId)
      .reverse();
    expect(ids).toEqual(['before', ...handled]);
    journal.close();
  });

  it('drops the oldest calls when its queue is full, says how many, and writes the rest', async () => {
    const file = join(dir, 'j.sqlite');
    const overflows: [number, number][] = [];
    let recovered: () => void = () => undefined;
    const recovery = new Promise<void>((resolve) => {
      recovered = resolve;
    });
    const journal = openJournal({
      file,
      busyTimeoutMs: 5,
      retryInitialMs: 30,
      maxPending: 3,
      onOverflow: (dropped, total) => overflows.push([dropped, total]),
      onStatus: (status) => {
        if (status.ok) recovered();
      },
    });
    const blocker = new Database(file);
    blocker.exec('BEGIN EXCLUSIVE');
    for (let i = 0; i < 5; i++) journal.record(finishedCall({ id: `c${String(i)}` }));
    expect(journal.status).toMatchObject({ ok: false, pending: 3, dropped: 2 });
    expect(overflows[0]).toEqual([1, 1]);
    blocker.exec('COMMIT');
    blocker.close();
    await recovery;
    // The second drop is reported with the next retry.
    expect(overflows).toEqual([
      [1, 1],
      [1, 2],
    ]);
    expect(journal.status).toEqual({ ok: true, pending: 0, dropped: 2 });
    expect(
      journal
        .query()
        .entries.map((e) => e.callId)
        .reverse(),
    ).toEqual(['c2', 'c3', 'c4']);
    journal.close();
  });

  it('writes what is pending when closed once the lock is gone, without waiting for the retry', () => {
    const file = join(dir, 'j.sqlite');
    const journal = openJournal({ file, busyTimeoutMs: 5, retryInitialMs: 60_000 });
    const blocker = new Database(file);
    blocker.exec('BEGIN EXCLUSIVE');
    journal.record(finishedCall({ id: 'a' }));
    journal.record(finishedCall({ id: 'b' }));
    expect(journal.status.pending).toBe(2);
    blocker.exec('COMMIT');
    expect(journal.close()).toBe(0);
    const rows = blocker.prepare('SELECT call_id FROM calls ORDER BY id').all() as {
      call_id: string;
    }[];
    expect(rows.map((r) => r.call_id)).toEqual(['a', 'b']);
    blocker.close();
  });

  it('reports the calls it could not write when closed while the lock is still held', () => {
    const file = join(dir, 'j.sqlite');
    const journal = openJournal({ file, busyTimeoutMs: 5, closeBusyTimeoutMs: 5 });
    const blocker = new Database(file);
    blocker.exec('BEGIN EXCLUSIVE');
    journal.record(finishedCall({ id: 'a' }));
    expect(journal.close()).toBe(1);
    blocker.exec('COMMIT');
    blocker.close();
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

describe('journal with batchWrites', () => {
  it('writes the calls of one event loop turn in one transaction, and reads see them at once', async () => {
    const journal = openJournal({ file: join(dir, 'j.sqlite'), batchWrites: true });
    const transactions = vi.spyOn(Database.prototype, 'transaction');
    try {
      for (let i = 0; i < 5; i++) journal.record(finishedCall({ id: `turn-${String(i)}` }));
      expect(journal.status.pending).toBe(5);
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(journal.status.pending).toBe(0);
      expect(transactions.mock.calls.length).toBe(1);
      // A read in the same turn as the record writes it first.
      journal.record(finishedCall({ id: 'read-at-once' }));
      expect(journal.query().entries[0]?.callId).toBe('read-at-once');
      expect(transactions.mock.calls.length).toBe(2);
    } finally {
      transactions.mockRestore();
      journal.close();
    }
  });

  it('commit() writes every recorded call before it returns, more than a batch too', () => {
    const file = join(dir, 'j.sqlite');
    const journal = openJournal({ file, batchWrites: true });
    const reader = new Database(file, { readonly: true });
    const count = (): number =>
      (reader.prepare('SELECT COUNT(*) AS n FROM calls').get() as { n: number }).n;
    try {
      for (let i = 0; i < 1200; i++) journal.record(finishedCall({ id: `c-${String(i)}` }));
      expect(count()).toBe(0);
      journal.commit();
      expect(count()).toBe(1200);
      expect(journal.status.pending).toBe(0);
    } finally {
      reader.close();
      journal.close();
    }
  });

  it('commit() leaves calls to the retry timer while the database fails, and never throws', () => {
    const file = join(dir, 'j.sqlite');
    const journal = openJournal({
      file,
      batchWrites: true,
      busyTimeoutMs: 0,
      retryInitialMs: 60_000,
    });
    const locker = new Database(file);
    try {
      locker.exec('BEGIN EXCLUSIVE');
      journal.record(finishedCall({ id: 'locked-out' }));
      journal.commit();
      expect(journal.status).toMatchObject({ ok: false, pending: 1 });
      const failures = journal.writeFailures;
      // Failing: a commit per turn must not block the loop on the lock again and again.
      journal.record(finishedCall({ id: 'next' }));
      journal.commit();
      expect(journal.writeFailures).toBe(failures);
      expect(journal.status.pending).toBe(2);
      locker.exec('COMMIT');
    } finally {
      locker.close();
      expect(journal.close()).toBe(0);
    }
  });

  it('writes what the turn left when closed', () => {
    const file = join(dir, 'j.sqlite');
    const journal = openJournal({ file, batchWrites: true });
    journal.record(finishedCall({ id: 'a' }));
    expect(journal.close()).toBe(0);
    const reader = new Database(file);
    const rows = reader.prepare('SELECT call_id FROM calls').all() as { call_id: string }[];
    reader.close();
    expect(rows.map((r) => r.call_id)).toEqual(['a']);
  });
});

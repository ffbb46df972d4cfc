import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finishedCall } from '../testing/fixtures.js';
import { openJournal } from './journal.js';

// Cluster mode's journal projection resumes from the JOURNAL sequence stored with its rows.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-journal-position-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const call = (n: number): ReturnType<typeof finishedCall> => ({
  ...finishedCall(),
  id: `call-${String(n)}`,
  startedAt: 1_000 + n,
});

describe('journal position', () => {
  it('is 0 for a new database and the highest stored position after a reopen', () => {
    const file = join(dir, 'j.sqlite');
    const first = openJournal({ file });
    expect(first.position()).toBe(0);
    first.record(call(1), 7);
    first.record(call(2), 9);
    first.record(call(3)); // no position: a local call
    expect(first.position()).toBe(9);
    first.close();
    const again = openJournal({ file });
    expect(again.position()).toBe(9);
    expect(again.query().entries).toHaveLength(3);
    // A replayed entry (INSERT OR IGNORE) never moves the position back.
    again.record(call(1), 7);
    expect(again.position()).toBe(9);
    again.close();
  });

  it('stops advancing once a positioned call was dropped from a full queue', async () => {
    const file = join(dir, 'j.sqlite');
    const journal = openJournal({ file, maxPending: 1, retryInitialMs: 5, retryMaxMs: 5 });
    journal.record(call(1), 1);
    expect(journal.position()).toBe(1);
    // Hold the write lock so calls queue, then overflow the queue of one.
    const Database = (await import('better-sqlite3')).default;
    const locker = new Database(file);
    locker.exec('BEGIN IMMEDIATE');
    journal.record(call(2), 2);
    journal.record(call(3), 3); // call 2 is dropped
    locker.exec('COMMIT');
    locker.close();
    const deadline = Date.now() + 10_000;
    while (journal.status.pending > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(journal.status.pending).toBe(0);
    // Call 3 is stored, but the position stays before the lost call 2, so the next start
    // replays it.
    expect(journal.position()).toBe(1);
    journal.close();
  });
});

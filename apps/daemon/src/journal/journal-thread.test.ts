import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JournalStatus } from './journal.js';
import { openJournalThread, POST_INTERVAL_MS } from './journal-thread.js';
import { finishedCall } from '../testing/fixtures.js';
import { sourceWriterThread } from '../testing/source-writer-thread.js';

/** The threads started by a test (terminated after it; one test stops its thread itself). */
const workers: Worker[] = [];
const startSource = sourceWriterThread(workers);

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-journal-thread-'));
  file = join(dir, 'journal.sqlite');
  workers.length = 0;
});
afterEach(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
  await rm(dir, { recursive: true, force: true });
});

/** The call ids on disk, read through a connection of its own (what a restart would see). */
function onDisk(): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT call_id FROM calls ORDER BY id').all() as { call_id: string }[]).map(
      (r) => r.call_id,
    );
  } finally {
    db.close();
  }
}

const written = (journal: { whenWritten: (cb: () => void) => void }): Promise<void> =>
  new Promise((resolve) => {
    journal.whenWritten(resolve);
  });

describe('journal in a writer thread', () => {
  it('reports each call written only once it is on disk', async () => {
    const journal = openJournalThread({ file }, { start: startSource });
    try {
      const seenAtCallback: { id: string; disk: string[] }[] = [];
      for (let i = 0; i < 50; i++) {
        const id = `c-${String(i)}`;
        journal.record(finishedCall({ id }));
        journal.whenWritten(() => seenAtCallback.push({ id, disk: onDisk() }));
      }
      await written(journal);
      expect(seenAtCallback.map((s) => s.id)).toEqual(
        Array.from({ length: 50 }, (_, i) => `c-${String(i)}`),
      );
      for (const { id, disk } of seenAtCallback) expect(disk).toContain(id);
      expect(journal.status).toEqual({ ok: true, pending: 0, dropped: 0 });
    } finally {
      expect(journal.close()).toBe(0);
    }
  });

  it('answers reads synchronously, after every call recorded before them', () => {
    const journal = openJournalThread({ file }, { start: startSource });
    try {
      journal.record(finishedCall({ id: 'first' }), 7);
      journal.record(finishedCall({ id: 'second', phoneId: 'desk-202' }), 9);
      journal.setDirectoryName({ phoneId: 'desk-202', callId: 'second' }, 'callerId', 'Acme');
      const page = journal.query({ limit: 10 });
      expect(page.entries.map((e) => [e.callId, e.callerDirectoryName])).toEqual([
        ['second', 'Acme'],
        ['first', null],
      ]);
      expect(journal.query({ phoneId: 'desk-202' }).entries).toHaveLength(1);
      expect(journal.position()).toBe(9);
      expect(journal.writeFailures).toBe(0);
      expect(journal.prune()).toBe(0);
    } finally {
      journal.close();
    }
  });

  it('posts the calls finished together in one message, not one message per call', async () => {
    const journal = openJournalThread({ file }, { start: startSource });
    try {
      const thread = workers[0];
      if (thread === undefined) throw new Error('no thread');
      const posts: unknown[] = [];
      const post = thread.postMessage.bind(thread);
      thread.postMessage = (message: unknown) => {
        posts.push(message);
        post(message);
      };
      for (let i = 0; i < 20; i++) journal.record(finishedCall({ id: `c-${String(i)}` }));
      await written(journal);
      // Each post wakes the writer thread, which competes with the daemon for a core (issue 19).
      expect(posts).toHaveLength(1);
      expect(posts[0]).toHaveLength(20);
      expect(onDisk()).toHaveLength(20);
    } finally {
      journal.close();
    }
  });

  it('posts a call finished after a quiet spell at the end of its turn, not after the window', async () => {
    const journal = openJournalThread({ file }, { start: startSource });
    try {
      const thread = workers[0];
      if (thread === undefined) throw new Error('no thread');
      const posts: unknown[] = [];
      const post = thread.postMessage.bind(thread);
      thread.postMessage = (message: unknown) => {
        posts.push(message);
        post(message);
      };
      await new Promise((resolve) => setTimeout(resolve, POST_INTERVAL_MS + 5));
      journal.record(finishedCall({ id: 'alone' }));
      expect(posts).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(posts).toEqual([[expect.objectContaining({ kind: 'record' })]]);
      await written(journal);
    } finally {
      journal.close();
    }
  });

  it('answers status and writeFailures without asking the thread', () => {
    // /api/health and /api/metrics read both on every request: a question would block the
    // daemon's event loop until the writer thread got a core (issue 19).
    const journal = openJournalThread({ file }, { start: startSource });
    try {
      const thread = workers[0];
      if (thread === undefined) throw new Error('no thread');
      const posts: unknown[] = [];
      const post = thread.postMessage.bind(thread);
      thread.postMessage = (message: unknown) => {
        posts.push(message);
        post(message);
      };
      for (let i = 0; i < 100; i++) {
        expect(journal.status).toEqual({ ok: true, pending: 0, dropped: 0 });
        expect(journal.writeFailures).toBe(0);
      }
      expect(posts).toEqual([]);
    } finally {
      journal.close();
    }
  });

  it('reports a write that fails while another process holds the lock, and the recovery', async () => {
    const journal = openJournalThread(
      { file, busyTimeoutMs: 10, retryInitialMs: 20, retryMaxMs: 40 },
      { start: startSource },
    );
    const other = new Database(file);
    try {
      other.exec('BEGIN EXCLUSIVE');
      journal.record(finishedCall({ id: 'while-locked' }));
      await vi.waitFor(() => {
        expect(journal.status).toMatchObject({ ok: false, pending: 1, dropped: 0 });
      });
      expect(journal.status.error).toMatch(/locked|busy/);
      // Each retry that fails again counts, though the status text stays the same.
      const failures = journal.writeFailures;
      expect(failures).toBeGreaterThan(0);
      await vi.waitFor(
        () => {
          expect(journal.writeFailures).toBeGreaterThan(failures);
        },
        { timeout: 3000 },
      );
      other.exec('COMMIT');
      await vi.waitFor(
        () => {
          expect(journal.status).toEqual({ ok: true, pending: 0, dropped: 0 });
        },
        { timeout: 3000 },
      );
      expect(onDisk()).toEqual(['while-locked']);
    } finally {
      other.close();
      journal.close();
    }
  });

  it('writes what waits when closed, and calls back whoever waited', async () => {
    const journal = openJournalThread({ file }, { start: startSource });
    journal.record(finishedCall({ id: 'last' }));
    const announced = written(journal);
    expect(journal.close()).toBe(0);
    await announced;
    expect(onDisk()).toEqual(['last']);
    expect(() => journal.query()).toThrow(/closed/);
  });

  it('says at once that the bundled thread is missing when run from source', () => {
    // The default start looks for journal-thread-worker.js next to this module: here there is
    // only the TypeScript source, and waiting for an answer would take the 10 s timeout.
    const started = Date.now();
    expect(() => openJournalThread({ file })).toThrow(/journal-thread-worker\.js is missing/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('throws like openJournal when the file cannot be opened', () => {
    expect(() =>
      openJournalThread({ file: join(dir, 'no-such-dir', 'j.sqlite') }, { start: startSource }),
    ).toThrow(/directory does not exist|unable to open/);
  });

  it('says so when the thread dies, and writes its unwritten calls in this thread', async () => {
    const statuses: JournalStatus[] = [];
    const journal = openJournalThread(
      { file, onStatus: (s) => statuses.push(s) },
      { start: startSource },
    );
    try {
      journal.record(finishedCall({ id: 'before' }));
      await written(journal);
      const thread = workers[0];
      if (thread === undefined) throw new Error('no thread');
      // Stop the thread before it sees the next calls.
      const stopped = thread.terminate();
      journal.record(finishedCall({ id: 'during-1' }));
      journal.record(finishedCall({ id: 'during-2' }));
      const announced = written(journal);
      await stopped;
      await announced;
      expect(statuses[0]).toMatchObject({ ok: false });
      expect(statuses[0]?.error).toMatch(/writer thread stopped/);
      journal.record(finishedCall({ id: 'after' }));
      await written(journal);
      expect(onDisk()).toEqual(['before', 'during-1', 'during-2', 'after']);
      expect(journal.query().entries.map((e) => e.callId)).toEqual([
        'after',
        'during-2',
        'during-1',
        'before',
      ]);
    } finally {
      expect(journal.close()).toBe(0);
    }
  });
});

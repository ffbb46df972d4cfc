import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finishedCall } from '../testing/fixtures.js';
import { createDeferredJournal } from './deferred-journal.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-deferred-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createDeferredJournal', () => {
  it('says it is not open, refuses queries and keeps calls until opened', () => {
    const journal = createDeferredJournal();
    expect(journal.isOpen).toBe(false);
    journal.record(finishedCall({ id: 'early' }));
    expect(journal.status).toMatchObject({ ok: false, pending: 1, dropped: 0 });
    expect(journal.status.error).toMatch(/not open/);
    expect(() => journal.query()).toThrow(/not open/);

    journal.open({ file: join(dir, 'j.sqlite') });
    expect(journal.isOpen).toBe(true);
    expect(journal.status).toMatchObject({ ok: true, pending: 0 });
    expect(journal.query().entries.map((e) => e.callId)).toEqual(['early']);
    expect(journal.close()).toBe(0);
  });

  it('touches no file before open(); a failed open leaves it closed', async () => {
    const file = join(dir, 'missing', 'j.sqlite');
    const journal = createDeferredJournal();
    journal.setRetentionDays(3);
    expect(journal.close()).toBe(0);
    expect(() => {
      journal.open({ file });
    }).toThrow();
    expect(journal.isOpen).toBe(false);
    await expect(access(file)).rejects.toThrow();
  });

  it('refuses a second open', () => {
    const journal = createDeferredJournal();
    journal.open({ file: ':memory:' });
    expect(() => {
      journal.open({ file: ':memory:' });
    }).toThrow(/already open/);
    journal.close();
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finishedCall, party } from '../testing/fixtures.js';
import { openJournal } from './journal.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-journal-dn-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The calls table as the first release created it (no directory-name columns). */
const OLD_SCHEMA = `CREATE TABLE calls (
  id INTEGER PRIMARY KEY AUTOINCREMENT, call_id TEXT NOT NULL, sip_call_id TEXT,
  phone_id TEXT NOT NULL, direction TEXT NOT NULL, locality TEXT NOT NULL,
  remote_number TEXT, remote_canonical TEXT, remote_name TEXT,
  caller_number TEXT, caller_canonical TEXT, caller_name TEXT,
  called_number TEXT, called_canonical TEXT, called_name TEXT,
  started_at INTEGER NOT NULL, connected_at INTEGER, ended_at INTEGER NOT NULL,
  disconnect_mode TEXT, missed INTEGER NOT NULL, UNIQUE (phone_id, call_id, started_at));
INSERT INTO calls (call_id, phone_id, direction, locality, remote_number, started_at, ended_at, missed)
  VALUES ('old-1', 'desk-201', 'inbound', 'external', '+4930999', 1, 2, 1);`;

describe('journal directory names', () => {
  it('stores both names of a party', () => {
    const journal = openJournal({ file: ':memory:' });
    journal.record(finishedCall({ callerId: party('+4930123456', 'Reception', 'Jörg Müller') }));
    expect(journal.query().entries[0]).toMatchObject({
      remoteName: 'Reception',
      remoteDirectoryName: 'Jörg Müller',
      callerName: 'Reception',
      callerDirectoryName: 'Jörg Müller',
      calledDirectoryName: null,
    });
    expect(journal.query({ q: 'müller' }).entries).toHaveLength(1);
    journal.close();
  });

  it('adds the columns to a journal from before, keeping its rows', () => {
    const file = join(dir, 'old.sqlite');
    const old = new Database(file);
    old.exec(OLD_SCHEMA);
    old.close();
    const journal = openJournal({ file });
    journal.record(finishedCall({ callerId: party('+4930123456', null, 'Jörg Müller') }));
    const entries = journal.query().entries;
    expect(entries.map((e) => [e.callId, e.remoteDirectoryName])).toEqual([
      ['call-1', 'Jörg Müller'],
      ['old-1', null],
    ]);
    journal.close();
    // Opening again is a no-op migration.
    const again = openJournal({ file });
    expect(again.query().entries).toHaveLength(2);
    again.close();
  });

  it('fills a late name into the row, but never replaces one', () => {
    const journal = openJournal({ file: ':memory:' });
    const call = finishedCall();
    journal.record(call);
    const target = { phoneId: call.phoneId, callId: call.id };
    journal.setDirectoryName(target, 'callerId', 'Jörg Müller');
    journal.setDirectoryName(target, 'callerId', 'Someone Else');
    journal.setDirectoryName(target, 'calledId', 'Desk 201');
    expect(journal.query().entries[0]).toMatchObject({
      remoteDirectoryName: 'Jörg Müller',
      callerDirectoryName: 'Jörg Müller',
      calledDirectoryName: 'Desk 201',
    });
    journal.close();
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { configureAuditDatabase, createAuditLog } from './audit-log.js';

describe('audit log database settings', () => {
  it('uses WAL and synchronous NORMAL (no fsync per record on the event loop)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'snomlink-audit-')), 'journal.sqlite');
    const db = new Database(file);
    configureAuditDatabase(db, { file });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // 1 = NORMAL (2 = FULL, SQLite's default, which synced every commit).
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(50);
    db.close();
  });

  it('keeps records across a close and reopen of the file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'snomlink-audit-')), 'journal.sqlite');
    const options = { file, retentionDays: () => 0 };
    const first = createAuditLog();
    first.open(options);
    for (let i = 0; i < 3; i++) {
      first.record({
        at: Date.now(),
        actor: 'admin',
        userId: null,
        tokenId: null,
        role: 'admin',
        address: '127.0.0.1:1',
        action: 'phone.provision',
        request: `POST /api/phones/p${String(i)}/provision`,
        target: `p${String(i)}`,
        detail: null,
        outcome: 'ok',
        status: 200,
      });
    }
    expect(first.close()).toBe(0);
    const second = createAuditLog();
    second.open(options);
    expect(second.query().entries.map((e) => e.target)).toEqual(['p2', 'p1', 'p0']);
    second.close();
  });
});

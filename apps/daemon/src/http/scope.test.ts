import { describe, expect, it } from 'vitest';
import { createEventBuffer } from '../events/event-buffer.js';
import { scopedEventBuffer } from '../events/scoped-events.js';
import { openJournal } from '../journal/journal.js';
import { finishedCall } from '../testing/fixtures.js';
import { createAuditLog } from '../audit/audit-log.js';
import { auditAction } from './audit-middleware.js';
import { USER_ROUTES, userMayReach } from './route-policy.js';

describe('scoped SSE buffer', () => {
  it('passes only events of visible lines, live, on resume and in the recent list', () => {
    const buffer = createEventBuffer({ firstId: 1 });
    const scoped = scopedEventBuffer(buffer, (id) => id === 'a');
    const seen: string[] = [];
    scoped.subscribe((e) => seen.push(e.data));
    buffer.push('call', { type: 'call-state', call: { phoneId: 'b', id: 'x' } });
    buffer.push('call', { type: 'call-state', call: { phoneId: 'a', id: 'y' } });
    buffer.push('line', { type: 'line-status', phoneId: 'b', status: 'reachable' });
    buffer.push('action-event', { type: 'action-event', event: { phoneId: 'a' } });
    expect(seen).toHaveLength(2);
    expect(seen.join()).not.toContain('"b"');
    const resumed = scoped.since(0);
    expect(resumed.ok && resumed.events.map((e) => e.id)).toEqual([2, 4]);
    expect(scoped.recent(1).map((e) => e.id)).toEqual([4]);
    expect(() => scoped.push('call', {})).toThrow();
  });
});

describe('journal line filter', () => {
  it('returns only calls of the given phones, and nothing for an empty list', () => {
    const journal = openJournal({ file: ':memory:' });
    journal.record(finishedCall({ id: 'c1', phoneId: 'a' }));
    journal.record(finishedCall({ id: 'c2', phoneId: 'b' }));
    expect(journal.query({ phoneIds: ['a'] }).entries.map((e) => e.callId)).toEqual(['c1']);
    expect(journal.query({ phoneIds: [] }).entries).toEqual([]);
    expect(journal.query().entries).toHaveLength(2);
    journal.close();
  });
});

describe('route policy', () => {
  it('keeps everything but the scoped routes admin-only', () => {
    expect(userMayReach(USER_ROUTES, 'agent', 'PUT', '/api/dialing')).toBe('admin-only');
    expect(userMayReach(USER_ROUTES, 'viewer', 'POST', '/api/phones/a/provision')).toBe(
      'admin-only',
    );
    expect(userMayReach(USER_ROUTES, 'viewer', 'GET', '/api/users')).toBe('admin-only');
    expect(userMayReach(USER_ROUTES, 'viewer', 'GET', '/api/me')).toBe('yes');
    expect(userMayReach(USER_ROUTES, 'admin', 'PUT', '/api/dialing')).toBe('yes');
  });
});

describe('audit log', () => {
  it('stores records, pages them newest first and names actions', () => {
    const audit = createAuditLog();
    audit.record({
      at: 1,
      actor: 'Ann',
      userId: 'u1u1u1u1',
      tokenId: 't1t1t1t1',
      role: 'agent',
      address: '127.0.0.1:5000',
      action: 'dial',
      request: 'POST /api/phones/a/dial',
      target: 'a',
      detail: { number: '110' },
      outcome: 'ok',
      status: 200,
    });
    audit.open({ file: ':memory:', retentionDays: () => 0 });
    audit.record({
      at: 2,
      actor: 'admin',
      userId: null,
      tokenId: null,
      role: 'admin',
      address: 'unknown',
      action: 'config.dialing',
      request: 'PUT /api/dialing',
      target: null,
      detail: null,
      outcome: 'ok',
      status: 200,
    });
    const first = audit.query({ limit: 1 });
    expect(first.entries.map((e) => e.action)).toEqual(['config.dialing']);
    const second = audit.query({ limit: 1, before: first.nextBefore ?? 0 });
    expect(second.entries[0]).toMatchObject({ actor: 'Ann', detail: { number: '110' } });
    audit.saveTokenUsage([{ tokenId: 't1t1t1t1', lastUsedAt: 5, lastUsedFrom: 'x' }]);
    expect(audit.loadTokenUsage()).toEqual([
      { tokenId: 't1t1t1t1', lastUsedAt: 5, lastUsedFrom: 'x' },
    ]);
    expect(audit.close()).toBe(0);
    expect(auditAction('POST', '/api/phones/desk%201/dial')).toMatchObject({
      action: 'dial',
      target: 'desk 1',
    });
    expect(auditAction('DELETE', '/api/users/ab12/tokens/cd34')?.action).toBe('token.revoke');
  });
});

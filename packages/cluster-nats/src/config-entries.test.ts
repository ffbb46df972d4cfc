import { describe, expect, it } from 'vitest';
import { applyEntry, buildDocument, diffWrites, type ConfigEntry } from './config-entries.js';

function cacheOf(entries: Record<string, ConfigEntry>): Map<string, ConfigEntry> {
  return new Map(Object.entries(entries));
}

describe('config entries', () => {
  it('builds the document from sections and phones, ignoring other keys and tombstones', () => {
    const cache = cacheOf({
      meta: { revision: 1, state: 'value', value: { version: 1 } },
      'section.dialing': { revision: 2, state: 'value', value: { prefix: '0' } },
      'phone.desk-1': { revision: 3, state: 'value', value: { host: 'a' } },
      'phone.desk-2': { revision: 5, state: 'deleted' },
      'phone.junk': { revision: 4, state: 'unreadable' },
    });
    expect(buildDocument(cache)).toEqual({
      revision: 5,
      sections: { dialing: { prefix: '0' } },
      phones: { 'desk-1': { host: 'a' } },
    });
  });

  it('ignores a stale entry (a late copy of an older revision)', () => {
    const cache = cacheOf({ 'phone.a': { revision: 7, state: 'deleted' } });
    expect(applyEntry(cache, 'phone.a', { revision: 6, state: 'value', value: 1 })).toBe(false);
    expect(cache.get('phone.a')?.state).toBe('deleted');
    expect(applyEntry(cache, 'phone.a', { revision: 8, state: 'value', value: 2 })).toBe(true);
  });

  it('diffs into create, CAS update and CAS delete, skipping unchanged keys in any key order', () => {
    const cache = cacheOf({
      'section.same': { revision: 1, state: 'value', value: { a: 1, b: 2 } },
      'section.changed': { revision: 2, state: 'value', value: 1 },
      'phone.gone': { revision: 3, state: 'value', value: {} },
      'phone.back': { revision: 4, state: 'deleted' },
      'phone.junk': { revision: 6, state: 'unreadable' },
      meta: { revision: 5, state: 'value', value: {} },
    });
    const writes = diffWrites(cache, {
      revision: 6,
      sections: { same: { b: 2, a: 1 }, changed: 2 },
      phones: { back: { host: 'x' }, junk: { host: 'y' }, fresh: {} },
    });
    expect(writes).toEqual([
      { op: 'update', key: 'section.changed', json: '2', revision: 2 },
      { op: 'create', key: 'phone.back', json: '{"host":"x"}' },
      { op: 'update', key: 'phone.junk', json: '{"host":"y"}', revision: 6 },
      { op: 'create', key: 'phone.fresh', json: '{}' },
      { op: 'delete', key: 'phone.gone', revision: 3 },
    ]);
  });

  it('throws on a bad name before producing any write', () => {
    expect(() =>
      diffWrites(new Map(), { revision: 0, sections: { ok: 1 }, phones: { 'a.b': {} } }),
    ).toThrow(/phone id/);
  });
});

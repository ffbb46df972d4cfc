import { describe, expect, it } from 'vitest';
import type { SharedConfigDocument } from '@snomlink/cluster-nats';
import { parseConfig } from '../config/config-store.js';
import { phoneConfig } from '../config/config-schema.js';
import type { Config } from '../config/config-schema.js';
import {
  documentFor,
  readShared,
  reuseUnchanged,
  sharedPartOf,
  withSharedFrom,
} from './shared-settings.js';

const phone = (id: string): Config['phones'][number] =>
  phoneConfig({ id, host: '127.0.0.2', secret: `secret-${id}-0123` });

const local: Config = parseConfig('config.json', {
  admin: { host: '127.0.0.1', port: 8091, token: 'local-token-0123456789' },
  listener: { port: 8081, publicHost: '10.0.0.1' },
  phones: [phone('b'), phone('a')],
  journal: { retentionDays: 30 },
});

function docOf(config: Config, revision = 1): SharedConfigDocument {
  return { revision, ...sharedPartOf(config) };
}

describe('shared settings', () => {
  it('seeds phones by id and the shared sections, never the per-process ones', () => {
    const part = sharedPartOf(local);
    expect(Object.keys(part.phones)).toEqual(['b', 'a']);
    expect(Object.keys(part.sections).sort()).toEqual(
      ['admin', 'dialing', 'directory', 'health', 'journal', 'users', 'webhooks'].sort(),
    );
    expect(part.sections['admin']).toEqual({
      token: 'local-token-0123456789',
      maxFailedLogins: 10,
    });
    expect(JSON.stringify(part)).not.toContain('8091');
    expect(JSON.stringify(part)).not.toContain('10.0.0.1');
  });

  it('reads the shared settings over the local ones, phones sorted by id', () => {
    const other = withSharedFrom(local, {
      ...local,
      admin: { ...local.admin, token: 'cluster-token-0123456789' },
      phones: [phone('c')],
    });
    const { config, skipped } = readShared(docOf(other), local);
    expect(skipped).toEqual([]);
    expect(config.admin).toEqual({ ...local.admin, token: 'cluster-token-0123456789' });
    expect(config.phones.map((p) => p.id)).toEqual(['c']);
    expect(config.listener).toBe(local.listener);
    expect(readShared(docOf(local), local).config.phones.map((p) => p.id)).toEqual(['a', 'b']);
  });

  it('skips a bad phone and keeps the last good value of a bad section, never throws', () => {
    const doc: SharedConfigDocument = {
      revision: 3,
      sections: { ...sharedPartOf(local).sections, journal: { retentionDays: 'forever' } },
      phones: {
        a: phone('a'),
        bad: { id: 'bad', host: 'not a host!' },
        c: phone('d'),
        e: 'not an object',
      },
    };
    const { config, skipped } = readShared(doc, local);
    expect(config.phones.map((p) => p.id)).toEqual(['a']);
    expect(config.journal).toEqual({ retentionDays: 30, writerThread: true });
    expect(skipped.map((s) => s.key).sort()).toEqual([
      'phone.bad',
      'phone.c',
      'phone.e',
      'section.journal',
    ]);
    expect(skipped.find((s) => s.key === 'phone.c')?.reason).toContain('"d"');
  });

  it('writes the change and keeps entries it could not read unless it replaced them', () => {
    const doc: SharedConfigDocument = {
      revision: 3,
      sections: { ...sharedPartOf(local).sections, journal: 42, future: { x: 1 } },
      phones: { a: phone('a'), bad: { id: 'bad' } },
    };
    const read = readShared(doc, local);
    const next = { ...read.config, phones: [...read.config.phones, phone('z')] };
    const written = documentFor(next, read, doc);
    expect(Object.keys(written.phones).sort()).toEqual(['a', 'bad', 'z']);
    expect(written.sections['journal']).toBe(42);
    expect(written.sections['future']).toEqual({ x: 1 });
    // A change to the section the daemon could not read replaces it.
    const fixed = documentFor(
      { ...read.config, journal: { retentionDays: 7, writerThread: false } },
      read,
      doc,
    );
    expect(fixed.sections['journal']).toEqual({ retentionDays: 7, writerThread: false });
    // A phone added under the bad entry's id replaces it.
    const replaced = documentFor({ ...read.config, phones: [phone('a'), phone('bad')] }, read, doc);
    expect(replaced.phones['bad']).toEqual(phone('bad'));
  });

  it('keeps the previous objects for equal settings, so reactions see what changed', () => {
    const copy = structuredClone(local);
    expect(reuseUnchanged(copy, local)).toBe(local);
    const changed = reuseUnchanged({ ...copy, phones: [phone('x')] }, local);
    expect(changed).not.toBe(local);
    expect(changed.phones).not.toBe(local.phones);
    expect(changed.dialing).toBe(local.dialing);
    expect(changed.listener).toBe(local.listener);
  });
});

import { describe, expect, it } from 'vitest';
import type { DirectoryView } from '../api/types.js';
import {
  directoryPutBody,
  draftOf,
  emptyDraft,
  sourceOf,
  unchangedSources,
} from './directory-sources.js';

const view: DirectoryView = {
  sources: [
    {
      type: 'ldap',
      id: 'ad',
      url: 'ldaps://dc.example',
      baseDN: 'dc=example,dc=com',
      bindDN: 'cn=cti,dc=example,dc=com',
      hasPassword: true,
      timeoutMs: 900,
    },
    { type: 'csv', id: 'crm', path: '/srv/crm.csv', numberColumns: ['Tel', 'Mobil'] },
  ],
  timeoutMs: 2000,
  cacheTtlMs: 300_000,
  negativeTtlMs: 60_000,
  maxCacheEntries: 10_000,
  backoff: { baseMs: 1000, maxMs: 300_000 },
  overridePhoneName: false,
  health: [],
};

describe('directory source editing', () => {
  it('edits a source without sending a password unless one is typed, keeping fields the form does not show', () => {
    const draft = { ...draftOf(view.sources[0]!), baseDN: 'ou=people,dc=example,dc=com' };
    expect(draft.password).toBe('');
    const sent = sourceOf(draft, view.sources[0]);
    expect(sent).toEqual({
      type: 'ldap',
      id: 'ad',
      url: 'ldaps://dc.example',
      baseDN: 'ou=people,dc=example,dc=com',
      bindDN: 'cn=cti,dc=example,dc=com',
      timeoutMs: 900,
    });
    expect(sourceOf({ ...draft, password: 's3cret' }, view.sources[0])['password']).toBe('s3cret');
    expect(sourceOf({ ...draft, clearPassword: true }, view.sources[0])['password']).toBe('');
  });

  it('turns comma lists into arrays and leaves empty fields out (the API applies its defaults)', () => {
    expect(draftOf(view.sources[1]!).numberColumns).toBe('Tel, Mobil');
    expect(
      sourceOf({ ...emptyDraft('csv'), path: ' /tmp/x.csv ', numberColumns: 'A, ,B' }),
    ).toEqual({ type: 'csv', path: '/tmp/x.csv', numberColumns: ['A', 'B'] });
  });

  it('replaces the source list and keeps the rest of the section', () => {
    const body = directoryPutBody(view, unchangedSources(view));
    expect(body).not.toHaveProperty('health');
    expect(body['timeoutMs']).toBe(2000);
    expect(JSON.stringify(body)).not.toContain('hasPassword');
  });
});

import { DEFAULT_DIAL_RULES, type DialRules } from '@snomlink/core';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectory } from './directory.js';
import { toNumberQuery } from './number-query.js';
import { createLdapSource } from './sources/ldap-source.js';
import {
  freePort,
  hasSlapd,
  makePeople,
  startHangingServer,
  startSlapd,
  toLdif,
  type TestSlapd,
} from './testing/index.js';

const BERLIN: DialRules = { ...DEFAULT_DIAL_RULES, areaCode: '30' };
const missing = !hasSlapd() && process.env.CI === undefined;
if (missing) {
  console.warn(
    '\n*** SKIPPED: the LDAP tests need Debian slapd; run `bash scripts/ensure-directory-servers.sh` (CI installs it) ***\n',
  );
}

describe.skipIf(missing)('LDAP source against a real slapd', () => {
  const people = makePeople(300);
  let slapd: TestSlapd;
  const base = (): { url: string; baseDN: string; bindDN: string; password: string } => ({
    url: slapd.url,
    baseDN: `ou=people,${slapd.suffix}`,
    bindDN: slapd.rootDN,
    password: slapd.rootPassword,
  });

  beforeAll(async () => {
    slapd = await startSlapd({ ldif: toLdif(people, 'dc=example,dc=com') });
  }, 30_000);
  afterAll(async () => {
    await slapd.close();
  });

  it('holds the few hundred entries the test loaded', async () => {
    const client = new Client({ url: slapd.url });
    await client.bind(slapd.rootDN, slapd.rootPassword);
    const { searchEntries } = await client.search(`ou=people,${slapd.suffix}`, {
      filter: '(objectClass=inetOrgPerson)',
      attributes: ['uid'],
    });
    await client.unbind();
    expect(searchEntries).toHaveLength(300);
  });

  it('finds Jörg Müller (stored "+49 30 1234567") from every way a phone reports the number', async () => {
    const directory = createDirectory({
      sources: [{ type: 'ldap', id: 'ad', ...base() }],
      dialing: BERLIN,
    });
    for (const reported of [
      '030 1234567',
      '+49 (30) 1234567',
      '0049301234567',
      '1234567',
      'sip:+49301234567@pbx',
    ]) {
      directory.clearCache();
      const match = await directory.lookup(reported);
      expect(match, reported).toMatchObject({
        name: 'Jörg Müller',
        organization: 'Müller & Söhne GmbH',
        number: '+49 30 1234567',
        key: '+49301234567',
        source: 'ad',
        sourceKind: 'ldap',
        entryId: `uid=jmueller,ou=people,${slapd.suffix}`,
      });
    }
    await directory.close();
  });

  it('finds numbers stored in each of the three formats', async () => {
    const directory = createDirectory({ sources: [{ type: 'ldap', ...base() }], dialing: BERLIN });
    // people 4.. rotate "+49 30 …", "030 …-…" and "0049 30 …".
    for (const i of [4, 5, 6, 150, 298, 299]) {
      const p = people[i]!;
      const digits = `50${String(i).padStart(5, '0')}`;
      const match = await directory.lookup(`+4930${digits}`);
      expect(match?.name, p.telephone).toBe(`Person ${i}`);
      expect(match?.number).toBe(p.telephone);
    }
    expect((await directory.lookup('0307654321'))?.name).toBe('Anna Schmidt'); // stored "030 7654321"
    expect((await directory.lookup('+49405556667'))?.name).toBe('Björn Weiß'); // stored "0049 40 5556667"
    expect(await directory.lookup('01512 3456789')).toMatchObject({
      name: 'Björn Weiß',
      label: 'mobile',
    });
    expect(await directory.lookup('+49 30 9999999')).toBeUndefined();
    await directory.close();
  });

  it('answers 64 concurrent first lookups over one connection (bind shared, not repeated)', async () => {
    const directory = createDirectory({ sources: [{ type: 'ldap', ...base() }], dialing: BERLIN });
    const numbers = Array.from({ length: 64 }, (_, i) => `030 50${String(4 + i).padStart(5, '0')}`);
    const matches = await Promise.all(numbers.map((n) => directory.lookup(n)));
    expect(matches.map((m) => m?.name)).toEqual(numbers.map((_, i) => `Person ${4 + i}`));
    expect(directory.health()[0]).toMatchObject({ healthy: true, failures: 0, requests: 64 });
    await directory.close();
  });

  it('matches an internal extension', async () => {
    const directory = createDirectory({ sources: [{ type: 'ldap', ...base() }], dialing: BERLIN });
    expect(await directory.lookup('2001')).toMatchObject({
      name: 'Empfang Zentrale',
      key: 'ext:2001',
    });
    expect(await directory.lookup('2002')).toBeUndefined();
    await directory.close();
  });

  it('works with an anonymous bind', async () => {
    const { bindDN: _b, password: _p, ...anonymous } = base();
    const directory = createDirectory({
      sources: [{ type: 'ldap', ...anonymous }],
      dialing: BERLIN,
    });
    expect((await directory.lookup('030 1234567'))?.name).toBe('Jörg Müller');
    await directory.close();
  });

  it('searches names, umlauts and case folded by the server, for the dial box', async () => {
    const directory = createDirectory({ sources: [{ type: 'ldap', ...base() }], dialing: BERLIN });
    const hits = await directory.search('müller');
    expect(hits.map((h) => h.name)).toEqual(['Jörg Müller']);
    expect(hits[0]!.numbers).toEqual([
      { label: 'telephoneNumber', value: '+49 30 1234567', key: '+49301234567' },
    ]);
    expect((await directory.search('JÖRG mül')).map((h) => h.name)).toEqual(['Jörg Müller']);
    expect(await directory.search('Person', 5)).toHaveLength(5);
    await directory.close();
  });

  it('escapes filter values: an injection attempt finds nothing', async () => {
    const source = createLdapSource({ id: 'ad', ...base() }, BERLIN);
    const signal = new AbortController().signal;
    // Unescaped, "*" would be a wildcard and ")(" would close the clause: every entry would match.
    expect(await source.search('*', 10, signal)).toEqual([]);
    expect(await source.search('*)(objectClass=*', 10, signal)).toEqual([]);
    expect(await source.search('x)(|(cn=*', 10, signal)).toEqual([]);
    const query = toNumberQuery('2001', BERLIN)!;
    const evil = { ...query, forms: { ...query.forms, extension: '*)(cn=*' } };
    expect(source.lookupFilter(evil)).toContain('\\2a\\29\\28cn=\\2a');
    expect(await source.lookup(evil, signal)).toBeUndefined();
    // The directory refuses such "numbers" before any source sees them.
    const directory = createDirectory({ sources: [source], dialing: BERLIN });
    expect(await directory.lookup('*)(telephoneNumber=*')).toBeUndefined();
    expect(await directory.lookup('+49301234567)(cn=*')).toBeUndefined();
    await directory.close();
  });

  it('a wrong password makes the source unhealthy, and the lookup still answers (undefined)', async () => {
    const directory = createDirectory({
      sources: [{ type: 'ldap', id: 'ad', ...base(), password: 'wrong' }],
      dialing: BERLIN,
    });
    expect(await directory.lookup('030 1234567')).toBeUndefined();
    const [health] = directory.health();
    expect(health).toMatchObject({
      id: 'ad',
      state: 'failing',
      healthy: false,
      consecutiveFailures: 1,
    });
    expect(health!.lastError).toMatch(/credentials/i);
    await directory.close();
  });

  it('a hanging LDAP server costs one timeout, marks the source unhealthy, and the next source still answers', async () => {
    const hanging = await startHangingServer();
    const directory = createDirectory({
      sources: [
        {
          type: 'ldap',
          id: 'hangs',
          url: `ldap://127.0.0.1:${hanging.port}`,
          baseDN: 'dc=x',
          bindDN: 'cn=a',
          password: 'b',
        },
        { type: 'ldap', id: 'ok', ...base() },
      ],
      dialing: BERLIN,
      timeoutMs: 300,
    });
    const t0 = performance.now();
    const match = await directory.lookup('030 1234567');
    const ms = performance.now() - t0;
    expect(match).toMatchObject({ name: 'Jörg Müller', source: 'ok' });
    expect(ms).toBeLessThan(300 + 250); // the timeout, plus room for a loaded CI machine
    expect(hanging.connections).toBe(1);
    expect(directory.health()[0]).toMatchObject({ id: 'hangs', healthy: false, state: 'failing' });
    expect(directory.health()[0]!.lastError).toMatch(/did not answer within 300 ms/);
    expect(directory.health()[1]).toMatchObject({ id: 'ok', healthy: true, state: 'ok' });
    // While it backs off, lookups do not wait for it at all.
    directory.clearCache();
    const t1 = performance.now();
    expect((await directory.lookup('030 7654321'))?.name).toBe('Anna Schmidt');
    expect(performance.now() - t1).toBeLessThan(250); // far below the 300 ms timeout
    await directory.close();
    await hanging.close();
  });

  it('a directory that was down is probed after its backoff and recovers when the server comes up', async () => {
    let t = 1_000_000;
    const port = await freePort();
    const directory = createDirectory({
      sources: [{ type: 'ldap', id: 'late', ...base(), url: `ldap://127.0.0.1:${port}` }],
      dialing: BERLIN,
      negativeTtlMs: 0,
      backoff: { baseMs: 1000, maxMs: 1000 },
      now: () => t,
      random: () => 1,
    });
    expect(await directory.lookup('030 1234567')).toBeUndefined();
    expect(directory.health()[0]).toMatchObject({ healthy: false, retryAt: t + 1000 });
    expect(directory.health()[0]!.lastError).toMatch(/ECONNREFUSED/);
    const late = await startSlapd({ ldif: toLdif(people.slice(0, 10), 'dc=example,dc=com'), port });
    try {
      expect(await directory.lookup('030 1234567')).toBeUndefined(); // still backing off
      expect(directory.health()[0]!.requests).toBe(1);
      t += 1000;
      expect(await directory.lookup('030 1234567')).toMatchObject({
        name: 'Jörg Müller',
        source: 'late',
      });
      expect(directory.health()[0]).toMatchObject({ healthy: true, state: 'ok', requests: 2 });
    } finally {
      await directory.close();
      await late.close();
    }
  });
});

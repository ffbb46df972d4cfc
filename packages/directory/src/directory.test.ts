import { DEFAULT_DIAL_RULES, type DialRules } from '@snomlink/core';
import { describe, expect, it } from 'vitest';
import { createDirectory } from './directory.js';
import { isDirectoryConfigError } from './errors.js';
import type { NumberQuery } from './number-query.js';
import { backoffDelay } from './source-guard.js';
import type { DirectoryEntry, DirectorySource } from './source.js';

const BERLIN: DialRules = { ...DEFAULT_DIAL_RULES, areaCode: '30' };

interface FakeSource extends DirectorySource {
  calls: string[];
  fail: boolean;
  hang: boolean;
}

/** A source holding `entries`; it can be told to fail or to never answer. */
function fakeSource(
  id: string,
  entries: { name: string; number: string; key: string }[],
): FakeSource {
  const source: FakeSource = {
    id,
    kind: 'fake',
    calls: [],
    fail: false,
    hang: false,
    lookup(query: NumberQuery) {
      source.calls.push(query.key);
      if (source.hang) return new Promise<never>(() => undefined);
      if (source.fail) return Promise.reject(new Error(`${id} is down`));
      const e = entries.find((x) => x.key === query.key);
      const entry: DirectoryEntry | undefined =
        e === undefined
          ? undefined
          : {
              id: `${id}:${e.name}`,
              name: e.name,
              organization: null,
              numbers: [{ label: 'work', value: e.number, key: e.key }],
            };
      return Promise.resolve(entry);
    },
    search(text: string) {
      if (source.fail) return Promise.reject(new Error(`${id} is down`));
      const hits = entries
        .filter((x) => x.name.toLowerCase().includes(text.toLowerCase()))
        .map((e) => ({
          id: e.name,
          name: e.name,
          organization: null,
          numbers: [{ label: 'work', value: e.number, key: e.key }],
        }));
      return Promise.resolve(hits);
    },
    close: () => Promise.resolve(),
  };
  return source;
}

const MUELLER = { name: 'Jörg Müller', number: '030 1234567', key: '+49301234567' };

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('createDirectory', () => {
  it('the first source in order that knows the number wins, even when a later one answers first', async () => {
    const first = fakeSource('first', [{ ...MUELLER, name: 'From first' }]);
    const second = fakeSource('second', [MUELLER]);
    const directory = createDirectory({ sources: [first, second], dialing: BERLIN });
    expect(await directory.lookup('+49 (30) 1234567')).toMatchObject({
      name: 'From first',
      source: 'first',
      number: '030 1234567',
    });
    const onlySecond = createDirectory({ sources: [fakeSource('a', []), second], dialing: BERLIN });
    expect(await onlySecond.lookup('0049301234567')).toMatchObject({
      name: 'Jörg Müller',
      source: 'second',
    });
  });

  it('caches answers for cacheTtlMs and "not found" for negativeTtlMs', async () => {
    const c = clock();
    const source = fakeSource('s', [MUELLER]);
    const directory = createDirectory({
      sources: [source],
      dialing: BERLIN,
      cacheTtlMs: 10_000,
      negativeTtlMs: 1000,
      now: c.now,
    });
    await directory.lookup('030 1234567');
    await directory.lookup('+49301234567');
    await directory.lookup('030 9999999');
    await directory.lookup('030 9999999');
    expect(source.calls).toEqual(['+49301234567', '+49309999999']);
    c.advance(1001);
    await directory.lookup('030 9999999');
    await directory.lookup('030 1234567');
    expect(source.calls).toHaveLength(3);
    c.advance(9000);
    await directory.lookup('030 1234567');
    expect(source.calls).toHaveLength(4);
    directory.clearCache();
    await directory.lookup('030 1234567');
    expect(source.calls).toHaveLength(5);
  });

  it('concurrent lookups of one number share one request', async () => {
    const source = fakeSource('s', [MUELLER]);
    const directory = createDirectory({ sources: [source], dialing: BERLIN });
    const all = await Promise.all(
      ['030 1234567', '+49301234567', '0049 30 1234567'].map((n) => directory.lookup(n)),
    );
    expect(all.map((m) => m?.name)).toEqual(['Jörg Müller', 'Jörg Müller', 'Jörg Müller']);
    expect(source.calls).toHaveLength(1);
  });

  it('never waits longer than timeoutMs for a source that never answers, and marks it unhealthy', async () => {
    const hanging = fakeSource('hangs', []);
    hanging.hang = true;
    const directory = createDirectory({
      sources: [hanging, fakeSource('ok', [MUELLER])],
      dialing: BERLIN,
      timeoutMs: 100,
    });
    const t0 = performance.now();
    expect(await directory.lookup('030 1234567')).toMatchObject({ source: 'ok' });
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(95);
    expect(ms).toBeLessThan(100 + 200); // the timeout, plus room for a loaded CI machine
    expect(directory.health()[0]).toMatchObject({
      healthy: false,
      state: 'failing',
      consecutiveFailures: 1,
    });
    expect(directory.health()[0]!.lastError).toMatch(/did not answer within 100 ms/);
  });

  it('backs off a failing source exponentially, probes it once, and recovers', async () => {
    const c = clock();
    const source = fakeSource('s', [MUELLER]);
    source.fail = true;
    const directory = createDirectory({
      sources: [source],
      dialing: BERLIN,
      negativeTtlMs: 0,
      backoff: { baseMs: 1000, maxMs: 8000 },
      now: c.now,
      random: () => 1, // no jitter: delays 1 s, 2 s, 4 s, 8 s, 8 s
    });
    const expected = [1000, 2000, 4000, 8000, 8000];
    for (const delay of expected) {
      expect(await directory.lookup('030 1234567')).toBeUndefined();
      const calls = source.calls.length;
      expect(directory.health()[0]!.retryAt).toBe(c.now() + delay);
      c.advance(delay - 1);
      await directory.lookup('030 1234567'); // skipped while backing off
      expect(source.calls).toHaveLength(calls);
      c.advance(1);
    }
    source.fail = false;
    expect(await directory.lookup('030 1234567')).toMatchObject({ name: 'Jörg Müller' });
    expect(directory.health()[0]).toMatchObject({
      healthy: true,
      state: 'ok',
      consecutiveFailures: 0,
      retryAt: null,
      failures: 5,
    });
  });

  it('keeps an answer given while an earlier source was down only for negativeTtlMs', async () => {
    const c = clock();
    const first = fakeSource('first', []);
    first.fail = true;
    const second = fakeSource('second', [MUELLER]);
    const directory = createDirectory({
      sources: [first, second],
      dialing: BERLIN,
      cacheTtlMs: 60_000,
      negativeTtlMs: 500,
      backoff: { baseMs: 100, maxMs: 100 },
      now: c.now,
    });
    expect(await directory.lookup('030 1234567')).toMatchObject({ source: 'second' });
    c.advance(501);
    first.fail = false;
    await directory.lookup('030 1234567');
    expect(first.calls).toHaveLength(2);
  });

  it('answers undefined without asking anyone for anonymous, invalid and service numbers', async () => {
    const source = fakeSource('s', [MUELLER]);
    const directory = createDirectory({ sources: [source], dialing: BERLIN });
    for (const n of ['', 'anonymous', '*21#', '$remote', 'x'.repeat(5000)])
      expect(await directory.lookup(n)).toBeUndefined();
    expect(source.calls).toEqual([]);
  });

  it('searches every source, in order, without duplicates; a failing one is left out', async () => {
    const a = fakeSource('a', [MUELLER, { name: 'Anna Müller', number: '030 2', key: '+49302' }]);
    const b = fakeSource('b', [MUELLER, { name: 'Max Müllerson', number: '030 3', key: '+49303' }]);
    const down = fakeSource('down', [MUELLER]);
    down.fail = true;
    const directory = createDirectory({ sources: [down, a, b], dialing: BERLIN });
    const hits = await directory.search('müller');
    expect(hits.map((h) => `${h.name}@${h.source}`)).toEqual([
      'Jörg Müller@a',
      'Anna Müller@a',
      'Max Müllerson@b',
    ]);
    expect(await directory.search('müller', 1)).toHaveLength(1);
    expect(await directory.search('m')).toEqual([]);
    expect(directory.health()[0]).toMatchObject({ healthy: false });
  });

  it('test() says what each source answered', async () => {
    const down = fakeSource('down', []);
    down.fail = true;
    const directory = createDirectory({
      sources: [down, fakeSource('ok', [MUELLER])],
      dialing: BERLIN,
    });
    const result = await directory.test('030 1234567');
    expect(result.key).toBe('+49301234567');
    expect(result.sources.map((s) => [s.id, s.outcome])).toEqual([
      ['down', 'error'],
      ['ok', 'match'],
    ]);
    expect(result.sources[0]!.error).toBe('down is down');
    expect((await directory.test('*21#')).issue).toMatch(/no number/);
  });

  it('answers undefined after close()', async () => {
    const directory = createDirectory({ sources: [fakeSource('s', [MUELLER])], dialing: BERLIN });
    await directory.close();
    expect(await directory.lookup('030 1234567')).toBeUndefined();
  });

  it('rejects a bad config with every issue named', () => {
    const bad = (options: Parameters<typeof createDirectory>[0]): unknown => {
      try {
        createDirectory(options);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e1 = bad({ timeoutMs: 5 });
    expect(isDirectoryConfigError(e1)).toBe(true);
    expect(String(e1)).toMatch(/timeoutMs/);
    // @ts-expect-error -- an unknown source type
    expect(String(bad({ sources: [{ type: 'x500' }] }))).toMatch(/invalid directory source 1/);
    expect(
      String(
        bad({
          sources: [
            { type: 'ldap', url: 'ldap://h', baseDN: 'dc=x', filter: '(telephoneNumber={phone})' },
          ],
        }),
      ),
    ).toMatch(/\{phone\}/);
    expect(String(bad({ sources: [{ type: 'ldap', url: 'http://h', baseDN: 'dc=x' }] }))).toMatch(
      /ldap:\/\/host/,
    );
    expect(
      String(bad({ sources: [{ type: 'ldap', url: 'ldap://h', baseDN: 'dc=x', bindDN: 'cn=a' }] })),
    ).toMatch(/bindDN and password go together/);
    expect(
      String(
        bad({
          sources: [
            { type: 'csv', path: 'a.csv' },
            { type: 'csv', id: 'csv-1', path: 'b.csv' },
          ],
        }),
      ),
    ).toMatch(/two sources have the id "csv-1"/);
  });
});

describe('backoffDelay', () => {
  it('doubles up to the maximum, jittered between 50 and 100 %', () => {
    const b = { baseMs: 1000, maxMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, b, 1))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
    expect(backoffDelay(3, b, 0)).toBe(2000);
    expect(backoffDelay(3, b, 0.5)).toBe(3000);
  });
});

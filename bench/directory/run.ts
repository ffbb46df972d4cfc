// bench/directory: caller-name lookups against a real slapd (Debian's, started here on a loopback
// port with a temporary database): the directory with a cold cache (every number new: normalise,
// filter, LDAP search, check) and a warm cache, side by side with the raw ldapts search of the
// same filter on one bound connection. Run: npx tsx bench/directory/run.ts
// (writes bench/results/directory.json)
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Client } from 'ldapts';
import { DEFAULT_DIAL_RULES, type DialRules } from '../../packages/core/src/index.js';
import {
  createDirectory,
  createLdapSource,
  toNumberQuery,
  type Directory,
} from '../../packages/directory/src/index.js';
import {
  hasSlapd,
  makePeople,
  startSlapd,
  toLdif,
} from '../../packages/directory/src/testing/index.js';

const ENTRIES = 2000;
const LOOKUPS = 2000;
const CONCURRENCY = 16;
const RULES: DialRules = { ...DEFAULT_DIAL_RULES, areaCode: '30' };

if (!hasSlapd()) {
  console.error('bench/directory needs Debian slapd: bash scripts/ensure-directory-servers.sh');
  process.exit(1);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

interface Run {
  readonly opsPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly found: number;
}

/** Runs `task` over `inputs` with `concurrency` in flight; per-call latency and overall rate. */
async function measure(
  inputs: readonly string[],
  concurrency: number,
  task: (input: string) => Promise<unknown>,
): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  let found = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < inputs.length) {
        const input = inputs[next]!;
        next += 1;
        const s = performance.now();
        if ((await task(input)) !== undefined) found += 1;
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsed = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  return {
    opsPerS: Math.round((inputs.length / elapsed) * 1000),
    p50Ms: r3(quantile(latencies, 0.5)),
    p99Ms: r3(quantile(latencies, 0.99)),
    found,
  };
}

const people = makePeople(ENTRIES);
const slapd = await startSlapd({ ldif: toLdif(people, 'dc=example,dc=com') });
const baseDN = `ou=people,${slapd.suffix}`;
const ldapConfig = {
  type: 'ldap' as const,
  id: 'slapd',
  url: slapd.url,
  baseDN,
  bindDN: slapd.rootDN,
  password: slapd.rootPassword,
};

// Numbers as a phone reports them: national form, spread over the directory; 1 in 10 unknown.
const numbers = Array.from({ length: LOOKUPS }, (_, i) => {
  const n = 4 + ((i * 7919) % (ENTRIES - 4));
  return i % 10 === 9
    ? `030 59${String(i).padStart(5, '0')}`
    : `030 50${String(n).padStart(5, '0')}`;
});
// The same filter the directory sends, precomputed, for the raw ldapts cost.
const filterSource = createLdapSource({ ...ldapConfig }, RULES);
const filters = numbers.map((n) => filterSource.lookupFilter(toNumberQuery(n, RULES)!));
await filterSource.close();

const raw = new Client({ url: slapd.url });
await raw.bind(slapd.rootDN, slapd.rootPassword);
const rawSearch = async (filter: string): Promise<unknown> => {
  const { searchEntries } = await raw.search(baseDN, {
    filter,
    attributes: ['displayName', 'cn', 'telephoneNumber', 'mobile', 'o'],
    sizeLimit: 20,
  });
  return searchEntries[0];
};

const fresh = (): Directory =>
  createDirectory({
    sources: [ldapConfig],
    dialing: RULES,
    cacheTtlMs: 600_000,
    negativeTtlMs: 600_000,
    maxCacheEntries: 100_000,
  });

// Warm-up: connections, JIT, slapd's own caches.
await measure(filters.slice(0, 200), 4, rawSearch);
{
  const d = fresh();
  await measure(numbers.slice(0, 200), 4, (n) => d.lookup(n));
  await d.close();
}

const results: Record<string, Run> = {};
for (const c of [1, CONCURRENCY]) {
  results[`raw-c${c}`] = await measure(filters, c, rawSearch);
  const d = fresh();
  results[`cold-c${c}`] = await measure(numbers, c, (n) => d.lookup(n));
  results[`warm-c${c}`] = await measure(numbers, c, (n) => d.lookup(n));
  await d.close();
}
await raw.unbind();
await slapd.close();

const rows: [string, Run][] = [];
for (const c of [1, CONCURRENCY]) {
  rows.push([`raw ldapts search, ${c} in flight`, results[`raw-c${c}`]!]);
  rows.push([`directory.lookup, cold cache, ${c} in flight`, results[`cold-c${c}`]!]);
  rows.push([`directory.lookup, warm cache, ${c} in flight`, results[`warm-c${c}`]!]);
}
const w0 = Math.max(...rows.map((r) => r[0].length));
console.log(
  `slapd ${ENTRIES} entries, ${LOOKUPS} lookups (1 in 10 unknown), node ${process.version}\n`,
);
console.log(`${'measure'.padEnd(w0)} | lookups/s | p50 ms | p99 ms | found`);
console.log(`${'-'.repeat(w0)}-|-----------|--------|--------|------`);
for (const [name, r] of rows) {
  console.log(
    `${name.padEnd(w0)} | ${String(r.opsPerS).padStart(9)} | ${String(r.p50Ms).padStart(6)} | ${String(r.p99Ms).padStart(6)} | ${r.found}`,
  );
}
const cold1 = results['cold-c1']!;
const raw1 = results['raw-c1']!;
console.log(
  `\ndirectory overhead over raw ldapts (cold, 1 in flight): p50 ${r3(cold1.p50Ms - raw1.p50Ms)} ms`,
);

mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../results/directory.json', import.meta.url),
  `${JSON.stringify(
    {
      name: 'directory',
      node: process.version,
      source: 'measured, Debian slapd (mdb) on 127.0.0.1, started by the bench',
      entries: ENTRIES,
      lookups: LOOKUPS,
      unknownShare: 0.1,
      results,
      overheadP50MsCold: r3(cold1.p50Ms - raw1.p50Ms),
    },
    null,
    2,
  )}\n`,
);

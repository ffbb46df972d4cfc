// Summarises a V8 CPU profile (.cpuprofile, from `node --cpu-prof`) of the bundled daemon: self
// time by source module (the bundle's source maps, `<file>.js.map`, map positions back to files;
// a bundle without maps, its `// path` module comments) and the top functions. Prints tables; no JSON (the profile itself is the record).
//
// Run: npx tsx bench/system/profile-summary.ts <file.cpuprofile> [apps/daemon/dist/cli.js]
// (the bundle the profile was taken of: the profile names its files, the bundle maps lines).
// --window <from>-<to>: only the samples in that span (µs of the monotonic clock, as the
// system bench prints per phase: `[daemon] saturation window …`), and with --per <n> (Action
// URLs in the span) the CPU µs per Action URL, so runs at different loads compare;
// --under <function>: only the samples with that function (name substring) on the stack.
// Env SELF_ROWS / TOTAL_ROWS: rows of the self-time and total (inclusive) tables.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { window: { type: 'string' }, per: { type: 'string' }, under: { type: 'string' } },
});
const [file, bundleArg] = positionals;
if (file === undefined) {
  console.error(
    'usage: profile-summary.ts <file.cpuprofile> [bundle cli.js] [--window <fromUs>-<toUs>] [--per <n>]',
  );
  process.exit(2);
}
const [windowFrom, windowTo] = (options.window ?? '-')
  .split('-')
  .map((x) => (x === '' ? NaN : Number(x)));
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const bundle = bundleArg ?? 'apps/daemon/dist/cli.js';

// Line (0-based) → module path, from esbuild's `// ../../packages/x/src/y.ts` comments, per
// file of the bundle (cli.js and its chunks, found beside it).
const bundleDir = dirname(resolve(bundle));
const startsOf = new Map<string, { line: number; module: string }[]>();
function modulesOf(path: string): { line: number; module: string }[] {
  let starts = startsOf.get(path);
  if (starts === undefined) {
    const found: { line: number; module: string }[] = [];
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((text, line) => {
        const match = /^\/\/ (\S+\.(?:[cm]?[jt]s|json))$/.exec(text);
        if (match?.[1] !== undefined) found.push({ line, module: match[1] });
      });
    starts = found;
    startsOf.set(path, starts);
  }
  return starts;
}
function moduleOf(path: string, line: number): string {
  const starts = modulesOf(path);
  let lo = 0;
  let hi = starts.length - 1;
  let found = `(${basename(path)} head)`;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const start = starts[mid]!;
    if (start.line <= line) {
      found = start.module;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found
    .replace(/^(\.\.\/)+node_modules\/\.pnpm\/[^/]+\/node_modules\//, 'npm:')
    .replace(/^(\.\.\/)+/, '');
}

// Position → module path from the file's source map (the daemon's bundle has no whitespace or
// comments since issue 19's seventh pass, so every function sits on one of a few lines).
const mapsOf = new Map<string, SourceMap | null>();
function mappedModule(path: string, line: number, column: number): string | undefined {
  let map = mapsOf.get(path);
  if (map === undefined) {
    const file = `${path}.map`;
    map = existsSync(file)
      ? new SourceMap(
          JSON.parse(readFileSync(file, 'utf8')) as ConstructorParameters<typeof SourceMap>[0],
        )
      : null;
    mapsOf.set(path, map);
  }
  const entry = map?.findEntry(line, column);
  const source =
    entry !== undefined && 'originalSource' in entry ? entry.originalSource : undefined;
  return source === undefined
    ? undefined
    : source
        .replace(/^(\.\.\/)+node_modules\/\.pnpm\/[^/]+\/node_modules\//, 'npm:')
        .replace(/^(\.\.\/)+/, '');
}

function where(node: ProfileNode): string {
  const { url, lineNumber, columnNumber, functionName } = node.callFrame;
  if (url === '') return functionName === '' ? '(anonymous native)' : `(${functionName})`;
  if (url.startsWith('node:')) return url;
  if (url.startsWith('file://')) {
    const path = fileURLToPath(url);
    const local = join(bundleDir, basename(path));
    if (existsSync(local)) {
      return mappedModule(local, lineNumber, columnNumber) ?? moduleOf(local, lineNumber);
    }
  }
  const npm = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  return npm?.[1] === undefined ? url : `npm:${npm[1]}`;
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
// --under <name>: only samples with a function of that name (substring) on their stack.
const parentOf = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parentOf.set(child, node.id);
const underMemo = new Map<number, boolean>();
const isUnder = (id: number): boolean => {
  const under = options.under;
  if (under === undefined) return true;
  let known = underMemo.get(id);
  if (known === undefined) {
    const parent = parentOf.get(id);
    known =
      (byId.get(id)?.callFrame.functionName.includes(under) ?? false) ||
      (parent !== undefined && isUnder(parent));
    underMemo.set(id, known);
  }
  return known;
};
const selfUs = new Map<number, number>();
const from = Number.isNaN(windowFrom)
  ? profile.startTime
  : Math.max(profile.startTime, windowFrom!);
const to = Number.isNaN(windowTo) ? profile.endTime : Math.min(profile.endTime, windowTo!);
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  at += delta;
  if (at < from || at > to || !isUnder(id)) return;
  selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
});
const totalUs = to - from;
const busyUs = [...selfUs].reduce(
  (sum, [id, us]) => (byId.get(id)?.callFrame.functionName === '(idle)' ? sum : sum + us),
  0,
);

const byModule = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (node === undefined || node.callFrame.functionName === '(idle)') continue;
  const module = where(node);
  byModule.set(module, (byModule.get(module) ?? 0) + us);
  const fn = `${node.callFrame.functionName || '(anonymous)'} ${module}:${String(node.callFrame.lineNumber + 1)}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
}
// Total (inclusive) time: a sample counts for every distinct function on its stack, to see
// which of the daemon's own paths the self time above is spent under.
const keyOf = new Map<number, string>();
const byTotal = new Map<string, number>();
for (const [id, us] of selfUs) {
  if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const node = byId.get(at)!;
    let key = keyOf.get(at);
    if (key === undefined) {
      key = `${node.callFrame.functionName || '(anonymous)'} ${where(node)}:${String(node.callFrame.lineNumber + 1)}`;
      keyOf.set(at, key);
    }
    if (seen.has(key) || node.callFrame.functionName === '(root)') continue;
    seen.add(key);
    byTotal.set(key, (byTotal.get(key) ?? 0) + us);
  }
}
const top = (map: Map<string, number>, n: number): { what: string; ms: number; '%': number }[] =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([what, us]) => ({
      what,
      ms: Math.round(us / 1000),
      '%': Math.round((us / busyUs) * 1000) / 10,
    }));

console.log(
  `${file}: ${String(Math.round(totalUs / 1000))} ms profiled, ${String(Math.round(busyUs / 1000))} ms busy (${String(Math.round((busyUs / totalUs) * 100))} %); % below are of busy time`,
);
if (options.per !== undefined)
  console.log(
    `${String(Math.round(busyUs / Number(options.per)))} µs of CPU (busy, sampled) per unit of --per ${options.per}`,
  );
console.table(top(byModule, 25));
console.table(top(byFunction, Number(process.env['SELF_ROWS'] ?? 25)));
console.log('total (inclusive) time, ms and % of busy:');
for (const row of top(byTotal, Number(process.env['TOTAL_ROWS'] ?? 60)))
  console.log(`${String(row.ms).padStart(7)} ${row['%'].toFixed(1).padStart(5)} %  ${row.what}`);

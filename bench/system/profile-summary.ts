// Summarises a V8 CPU profile (.cpuprofile, from `node --cpu-prof`) of the bundled daemon: self
// time by source module (the bundle's `// path` module comments map lines back to files) and
// the top functions. Prints tables; no JSON (the profile itself is the record).
//
// Run: npx tsx bench/system/profile-summary.ts <file.cpuprofile> [apps/daemon/dist/cli.js]
// (the bundle the profile was taken of: the profile names its files, the bundle maps lines).
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [file, bundleArg] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: profile-summary.ts <file.cpuprofile> [bundle cli.js]');
  process.exit(2);
}
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

function where(node: ProfileNode): string {
  const { url, lineNumber, functionName } = node.callFrame;
  if (url === '') return functionName === '' ? '(anonymous native)' : `(${functionName})`;
  if (url.startsWith('node:')) return url;
  if (url.startsWith('file://')) {
    const path = fileURLToPath(url);
    const local = join(bundleDir, basename(path));
    if (existsSync(local)) return moduleOf(local, lineNumber);
  }
  const npm = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  return npm?.[1] === undefined ? url : `npm:${npm[1]}`;
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const totalUs = profile.endTime - profile.startTime;
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
console.table(top(byModule, 25));
console.table(top(byFunction, 25));

// Per-stage memory of the daemons of one system bench run, from memory-probe.cjs's samples and
// the bench's output with a time stamp (seconds since the epoch) in front of each line (see the
// probe's header). For each daemon with all phones and each stage (start → started → provisioned
// → each rate phase → saturation): peak RSS and, at that peak, RSS anon, V8's reserved young /
// old / large-object / code space; the stage's CPU, GC pause time and collections.
//
//   npx tsx bench/system/memory-phases.ts <timestamped bench output> <MEMORY_PROBE_DIR>
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Row {
  t: number;
  rss: number;
  anon: number;
  external: number;
  spaces: Record<string, [number, number, number]>;
  gcs: { minor: number; major: number; ms: number };
  cpuMs: number;
}

const [logFile, dir] = process.argv.slice(2);
if (logFile === undefined || dir === undefined) {
  console.error('usage: memory-phases.ts <timestamped bench output> <probe dir>');
  process.exit(2);
}

/** Stage ends as the bench prints them: `[label] started with …`, a phase's JSON, saturation. */
const marks: { t: number; label: string; stage: string }[] = [];
for (const line of readFileSync(logFile, 'utf8').split('\n')) {
  const space = line.indexOf(' ');
  const t = Number(line.slice(0, space)) * 1000;
  const rest = line.slice(space + 1);
  if (!Number.isFinite(t)) continue;
  const m =
    /^\[(\w+)\] (started with|provisioned|saturation:)/.exec(rest) ??
    /^\{"target":"(\w+)","phase":"([^"]+)"/.exec(rest);
  if (m?.[1] !== undefined && m[2] !== undefined) marks.push({ t, label: m[1], stage: m[2] });
}

const mb = (kb: number): string => (kb / 1024).toFixed(1);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.jsonl'))
  .sort((a, b) => statSync(join(dir, a)).mtimeMs - statSync(join(dir, b)).mtimeMs);
for (const file of files) {
  const rows = readFileSync(join(dir, file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
  const first = rows[0];
  const last = rows.at(-1);
  if (first === undefined || last === undefined) continue;
  const stages = marks.filter((m) => m.t >= first.t && m.t <= last.t + 2000);
  if (stages.length < 2) continue; // the daemon without phones (stopped as the next one starts)
  console.log(`== ${stages[0]?.label ?? ''} (${file})`);
  const at = (t: number): Row =>
    rows.reduce((best, r) => (Math.abs(r.t - t) < Math.abs(best.t - t) ? r : best));
  let from = { t: first.t, stage: 'start' };
  for (const to of stages) {
    const inside = rows.filter((r) => r.t >= from.t && r.t <= to.t);
    const a = at(from.t);
    const b = at(to.t);
    const peak = (inside.length > 0 ? inside : [b]).reduce((p, r) => (r.rss > p.rss ? r : p));
    const s = (name: string): string => mb(peak.spaces[name]?.[0] ?? 0);
    console.log(
      `  ${from.stage.padStart(12)} → ${to.stage.padEnd(13)} ${((to.t - from.t) / 1000).toFixed(1).padStart(6)} s` +
        `  peak RSS ${mb(peak.rss)} MB (anon ${mb(peak.anon)}; V8 young ${s('new')}, old ${s('old')}, large ${s('large_object')}, code ${s('code')}; external ${mb(peak.external)})` +
        `  CPU ${((b.cpuMs - a.cpuMs) / 1000).toFixed(2)} s, GC pauses ${((b.gcs.ms - a.gcs.ms) / 1000).toFixed(2)} s,` +
        ` ${String(b.gcs.minor - a.gcs.minor)} minor / ${String(b.gcs.major - a.gcs.major)} major`,
    );
    from = to;
  }
}

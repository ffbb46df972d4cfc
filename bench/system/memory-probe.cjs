// Memory probe for the daemon (issue 19, fourth pass): preloaded into every node process of a
// bench run through NODE_OPTIONS, it acts only in a daemon (argv[1] ends in cli.js) and only when
// MEMORY_PROBE_DIR is set. Every 250 ms it appends one JSON line to
// $MEMORY_PROBE_DIR/<pid>-<dir of cli.js>.jsonl: RSS split anon / file (/proc/self/status), PSS,
// process.memoryUsage(), V8's heap spaces (reserved / used / physical KB), GC counts and main
// thread GC pause ms so far (PerformanceObserver) and CPU ms so far. Read by memory-phases.ts.
//
//   NODE_OPTIONS="--require $PWD/bench/system/memory-probe.cjs" MEMORY_PROBE_DIR=/tmp/probe \
//     npx tsx bench/system/run.ts … | while IFS= read -r l; do echo "$(date +%s.%N | cut -c1-14) $l"; done > /tmp/probe.log
//   npx tsx bench/system/memory-phases.ts /tmp/probe.log /tmp/probe
'use strict';
const dir = process.env.MEMORY_PROBE_DIR;
if (dir !== undefined && /cli\.js$/.test(process.argv[1] ?? '')) {
  const fs = require('node:fs');
  const path = require('node:path');
  const v8 = require('node:v8');
  const { PerformanceObserver, constants } = require('node:perf_hooks');
  const file = path.join(
    dir,
    `${String(process.pid)}-${path.basename(path.dirname(process.argv[1]))}.jsonl`,
  );
  const kb = (text, field) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  const gcs = { minor: 0, major: 0, other: 0, ms: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcs.ms += entry.duration;
      const kind = entry.detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gcs.minor++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcs.major++;
      else gcs.other++;
    }
  }).observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  const sample = () => {
    const m = process.memoryUsage();
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const rollup = fs.readFileSync('/proc/self/smaps_rollup', 'utf8');
    const spaces = {};
    for (const s of v8.getHeapSpaceStatistics()) {
      spaces[s.space_name.replace(/_space$/, '')] = [
        Math.round(s.space_size / 1024),
        Math.round(s.space_used_size / 1024),
        Math.round(s.physical_space_size / 1024),
      ];
    }
    const cpu = process.cpuUsage(cpu0);
    const row = {
      t: Date.now(),
      rss: Math.round(m.rss / 1024),
      anon: kb(status, 'RssAnon'),
      fileRss: kb(status, 'RssFile'),
      pss: kb(rollup, 'Pss'),
      heapTotal: Math.round(m.heapTotal / 1024),
      heapUsed: Math.round(m.heapUsed / 1024),
      external: Math.round(m.external / 1024),
      arrayBuffers: Math.round(m.arrayBuffers / 1024),
      spaces,
      gcs: { ...gcs },
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
    fs.appendFileSync(file, `${JSON.stringify(row)}\n`);
  };
  setInterval(sample, 250).unref();
  sample();
}

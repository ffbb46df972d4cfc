import { defineConfig } from 'vitest/config';

// One run over every package and app; each keeps its own vitest.config.ts.
// The JSON report feeds the `N passed, N failed` line of .ci/run.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tests/*'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    // Vitest's default is one worker per core minus one: a single worker on the 2-core CI
    // machine, so the ~180 files of the packages and apps ran one after another although most
    // of their time is spent waiting (sockets, nats-servers, timers), not computing. Two at a
    // time, one per core: three made CPU-timed tests (parse-cost, the health-check spread, the
    // log-scanner property test) fail at a load of 20 (CONTRIBUTING.md, "How long CI takes").
    // tests/system, tests/cluster and tests/security set fileParallelism: false and still run
    // alone, one file at a time, after the rest. VITEST_MAX_WORKERS overrides.
    maxWorkers: 2,
  },
});

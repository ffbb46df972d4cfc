import { defineConfig } from 'vitest/config';

// One run over every package and app; each keeps its own vitest.config.ts.
// The JSON report feeds the `N passed, N failed` line of .ci/run.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tests/*'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});

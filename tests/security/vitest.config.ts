import { defineProject } from 'vitest/config';

// Black-box suites against the built daemon (apps/daemon/dist/cli.js), like tests/system: files
// run one at a time, and each attack is bounded in time (about 15 s) so the suite stays under
// a minute on a 2-core CI machine.
export default defineProject({
  test: {
    name: 'security',
    include: ['src/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});

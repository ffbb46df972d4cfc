import { defineProject } from 'vitest/config';

// Black-box suites: each file spawns the built daemon (apps/daemon/dist/cli.js) as a child
// process, so files run one at a time to keep a 2-core CI machine from timing out.
export default defineProject({
  test: {
    name: 'system',
    include: ['src/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});

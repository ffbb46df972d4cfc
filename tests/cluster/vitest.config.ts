import { defineProject } from 'vitest/config';

// Black-box cluster suites: three nats-servers, three built daemons (apps/daemon/dist/cli.js
// with --cluster) and simulated phones in one run, so files run one at a time. The scenarios
// share one cluster per file; the whole project stays under about three minutes on 2 cores.
export default defineProject({
  test: {
    name: 'cluster',
    include: ['src/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 150_000,
    hookTimeout: 150_000,
    fileParallelism: false,
  },
});

import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cluster-nats',
    include: ['src/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 60_000,
    // Tearing down a 3-server cluster after a kill (closing clients that still reconnect,
    // stopping the servers) took over vitest's 10 s default beside another worker in CI.
    hookTimeout: 60_000,
  },
});

import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cluster-nats',
    include: ['src/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 60_000,
  },
});

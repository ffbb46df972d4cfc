import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'mqtt',
    include: ['src/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 30_000,
  },
});

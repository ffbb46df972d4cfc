import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'snom-client',
    include: ['src/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 20_000,
  },
});

import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'snom-simulator',
    include: ['src/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 20_000,
  },
});

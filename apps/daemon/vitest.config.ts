import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'daemon',
    include: ['src/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'tapi-bridge',
    include: ['src/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});

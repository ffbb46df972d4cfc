import { defineProject } from 'vitest/config';

// Unit tests (pure helpers) and the browser acceptance test (playwright-core + Debian's Chromium
// against the real built daemon). Node environment: the browser is driven, not emulated.
export default defineProject({
  test: {
    name: 'web-ui',
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

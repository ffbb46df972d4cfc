import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'log-scanner', include: ['src/**/*.test.ts'], typecheck: { enabled: false } },
});

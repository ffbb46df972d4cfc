import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'directory', include: ['src/**/*.test.ts'], typecheck: { enabled: false } },
});

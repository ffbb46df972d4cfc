import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/testing/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/testing/index.ts'] },
  clean: true,
  target: 'es2022',
  // Inline the small core helpers and constants used here, so the bin also runs inside the workspace,
  // where @snomlink/core's exports point at TypeScript source.
  noExternal: ['@snomlink/core'],
});

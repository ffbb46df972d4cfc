import { build, defineConfig, type Options } from 'tsup';

// One self-contained bundle at dist/cli.js (root `npm start` runs it) and its journal writer
// thread at dist/journal-thread-worker.js: workspace packages and pure-JS dependencies are
// inlined; the native better-sqlite3 and pino (worker-thread based transports resolve files at
// run time) stay external and load from node_modules.
const shared = {
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  dts: false,
  sourcemap: true,
  // Without whitespace and comments: V8 keeps each loaded file's source as one string for its
  // whole life, and a single character above U+00FF (a typographic quote in a bundled
  // dependency's comment) makes it a two-byte string: cli.js took 4.4 MB of heap instead of
  // 1.5 MB (issue 19). Names stay, so stack traces still name their functions; the source maps
  // next to the files map positions back (node --enable-source-maps).
  minifyWhitespace: true,
  noExternal: [/^(?!better-sqlite3$|pino$|pino-pretty$).*/],
  external: ['better-sqlite3', 'pino', 'pino-pretty'],
  banner: {
    // Bundled CommonJS dependencies (ws, undici) call require() for Node built-ins.
    js: "#!/usr/bin/env node\nimport { createRequire as __snomlinkCreateRequire } from 'node:module';\nconst require = __snomlinkCreateRequire(import.meta.url);",
  },
} satisfies Options;

export default defineConfig({
  ...shared,
  entry: { cli: 'src/cli.ts' },
  clean: true,
  // The writer thread is bundled on its own, after the daemon (its `clean` would race a build
  // run beside it), and without shared chunks: split with cli.js, esbuild put all of
  // @snomlink/core (libphonenumber's metadata, valibot) in the chunk the thread loaded for
  // the one function the journal uses, ~2.3 MB of RSS in the thread (issue 19).
  onSuccess: async () => {
    await build({
      ...shared,
      config: false,
      entry: { 'journal-thread-worker': 'src/journal/journal-thread-worker.ts' },
      splitting: false,
      clean: false,
      silent: true,
    });
  },
});

#!/usr/bin/env node
// @ts-check
/**
 * Fails when the repository's TypeScript sources import each other in a cycle.
 *
 * Run by the root `lint` script. Type-only imports count too (eslint-plugin-import-x's
 * `no-cycle` skips them, yet a type cycle still ties two modules together, which is what
 * issue 13 asks to end). Each file's imports and re-exports are read with the TypeScript
 * compiler's pre-processor and resolved like tsc does (moduleResolution Bundler), so
 * `./x.js` finds `x.ts` and `@snomlink/core` finds packages/core/src/index.ts through the
 * workspace link; node_modules stays outside the graph. Cycles are the strongly connected
 * components of that graph (Tarjan); each is printed with one concrete import path.
 *
 * Usage: node scripts/check-import-cycles.mjs [root]   (exit 0 none, 1 cycles found)
 */
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), '..', '..'));
/** Where the sources live; tests and benches are included (a test may close a cycle too). */
const SOURCE_DIRS = ['packages', 'apps', 'tests', 'bench'];
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage', '__fixtures__', '.turbo']);

const OPTIONS = {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  resolveJsonModule: true,
  allowJs: false,
};

/** Every .ts/.tsx file below `dir`, skipping build output and dependencies. */
function sourceFiles(dir) {
  /** @type {string[]} */
  const files = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return files;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) files.push(...sourceFiles(path));
    } else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      files.push(realpathSync(path));
    }
  }
  return files;
}

/** The repository files `file` imports or re-exports from (type-only ones included). */
function importsOf(file) {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  /** @type {Set<string>} */
  const targets = new Set();
  for (const { fileName } of info.importedFiles) {
    const resolved = ts.resolveModuleName(fileName, file, OPTIONS, ts.sys).resolvedModule;
    // Workspace packages count as external to tsc but resolve (through their link) into the
    // repository; only what really lives in node_modules is left out.
    if (resolved === undefined) continue;
    const target = realpathSync(resolved.resolvedFileName);
    if (!target.split(/[\\/]/).includes('node_modules')) targets.add(target);
  }
  return targets;
}

/** Strongly connected components of the graph with more than one file (or a self-import). */
function cycles(graph) {
  let index = 0;
  /** @type {Map<string, number>} */ const indices = new Map();
  /** @type {Map<string, number>} */ const low = new Map();
  /** @type {string[]} */ const stack = [];
  /** @type {Set<string>} */ const onStack = new Set();
  /** @type {string[][]} */ const found = [];
  // Iterative Tarjan: deep import chains must not overflow the call stack.
  for (const start of graph.keys()) {
    if (indices.has(start)) continue;
    /** @type {[string, Iterator<string>][]} */
    const work = [[start, (graph.get(start) ?? new Set()).values()]];
    indices.set(start, index);
    low.set(start, index++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1];
      if (top === undefined) break;
      const [node, edges] = top;
      const next = edges.next();
      if (!next.done) {
        const to = next.value;
        if (!indices.has(to)) {
          indices.set(to, index);
          low.set(to, index++);
          stack.push(to);
          onStack.add(to);
          work.push([to, (graph.get(to) ?? new Set()).values()]);
        } else if (onStack.has(to)) {
          low.set(node, Math.min(low.get(node) ?? 0, indices.get(to) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined)
        low.set(parent[0], Math.min(low.get(parent[0]) ?? 0, low.get(node) ?? 0));
      if (low.get(node) === indices.get(node)) {
        /** @type {string[]} */
        const component = [];
        let member;
        do {
          member = stack.pop();
          if (member === undefined) break;
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        if (component.length > 1 || graph.get(node)?.has(node)) found.push(component);
      }
    }
  }
  return found;
}

/** One import path through a component, from its first file back to it. */
function pathThrough(component, graph) {
  const members = new Set(component);
  const start = [...members].sort()[0] ?? '';
  /** @type {Map<string, string>} */
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() ?? '';
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0] ?? '') ?? start);
        return [...path, start];
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start, start];
}

const files = SOURCE_DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir)));
/** @type {Map<string, Set<string>>} */
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const found = cycles(graph);
const show = (file) => relative(ROOT, file);
if (found.length === 0) {
  process.stdout.write(
    `check-import-cycles: no import cycle among ${String(files.length)} files\n`,
  );
} else {
  process.stderr.write(`check-import-cycles: ${String(found.length)} import cycle(s):\n`);
  for (const component of found) {
    process.stderr.write(`  ${pathThrough(component, graph).map(show).join(' -> ')}\n`);
    if (component.length > 2)
      process.stderr.write(
        `    (${String(component.length)} files: ${component.map(show).sort().join(', ')})\n`,
      );
  }
  process.stderr.write(
    'Move what both sides need (often a type) into a module of its own that neither imports back.\n',
  );
  process.exitCode = 1;
}

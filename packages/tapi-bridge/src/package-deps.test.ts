/**
 * package.json against the code: the runtime `dependencies` are exactly what the published
 * entry points import, so an installer gets no server framework it never loads. The `./testing`
 * helpers (serveTapi) need @hono/node-server and @hono/node-ws: optional peers, installed by
 * whoever uses those helpers.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

/** Package names imported (values or types) by the given files; `node:` built-ins left out. */
function importedPackages(files: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s+'([^'.][^']*)'/g)) {
      const spec = m[1]!;
      if (spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      names.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
    }
  }
  return names;
}

const files = sourceFiles(join(ROOT, 'src'));
const isTesting = (f: string): boolean => relative(ROOT, f).startsWith(join('src', 'testing'));

describe('tapi-bridge package.json', () => {
  it('dependencies = what the runtime entry points import (hono is a peer)', () => {
    const runtime = importedPackages(files.filter((f) => !isTesting(f)));
    const required = Object.keys(pkg.peerDependencies ?? {}).filter(
      (n) => pkg.peerDependenciesMeta?.[n]?.optional !== true,
    );
    expect([...runtime].sort()).toEqual(
      [...Object.keys(pkg.dependencies ?? {}), ...required].sort(),
    );
  });

  it('the ./testing helpers import only declared packages; their extras are optional peers', () => {
    const testing = importedPackages(files.filter(isTesting));
    const declared = new Set([
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
    ]);
    for (const name of testing) expect(declared, name).toContain(name);
    const optional = Object.keys(pkg.peerDependenciesMeta ?? {}).sort();
    expect(optional).toEqual(['@hono/node-server', '@hono/node-ws']);
    for (const name of optional) expect(testing).toContain(name);
  });
});

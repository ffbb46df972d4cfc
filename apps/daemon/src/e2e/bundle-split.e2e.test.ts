/**
 * The default mode never loads NATS: the built bundle reaches @snomlink/cluster-nats (and the
 * @nats-io clients) only through a dynamic import(), so `npm start` needs no NATS at all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_PATH } from '../testing/daemon-process.js';

const NATS_CODE = /@nats-io\/|JetStreamClient|jetstreamManager/;

/** Files loaded when cli.js loads: its static imports, transitively. */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // Statements start a line or follow a `;` (the bundle is built without whitespace).
    const statements =
      /(?:^|;)\s*(?:import|export)\s*(?:[\w*{][^;()]*?from\s*)?["'](\.\/[^"']+\.js)["']/gm;
    for (const m of text.matchAll(statements)) {
      const spec = m[1];
      if (spec !== undefined) visit(join(dirname(file), spec));
    }
  };
  visit(entry);
  return seen;
}

describe('bundle (built binary)', () => {
  it('loads no NATS code statically, and has cluster mode behind a dynamic import', () => {
    expect(existsSync(CLI_PATH), `${CLI_PATH} is missing: build the daemon first`).toBe(true);
    const graph = staticGraph(CLI_PATH);
    expect(graph.size).toBeGreaterThan(1);
    for (const file of graph) expect(readFileSync(file, 'utf8')).not.toMatch(NATS_CODE);
    const cli = readFileSync(CLI_PATH, 'utf8');
    const dynamic = [...cli.matchAll(/import\(["'](\.\/[^"']+\.js)["']\)/g)].map((m) => m[1]);
    const natsChunks = dynamic.filter(
      (spec) =>
        spec !== undefined && NATS_CODE.test(readFileSync(join(dirname(CLI_PATH), spec), 'utf8')),
    );
    expect(natsChunks).toHaveLength(1);
  });
});

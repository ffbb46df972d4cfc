// Runs every benchmark (bench/<name>/run.ts) one after another; each prints its own table
// and writes bench/results/<name>.json. `pnpm bench core listener` runs only those.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('.', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const names = readdirSync(root, { withFileTypes: true })
  .filter(
    (d) => d.isDirectory() && d.name !== 'results' && existsSync(join(root, d.name, 'run.ts')),
  )
  .map((d) => d.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name));
let failed = 0;
for (const name of names) {
  console.log(`\n## bench/${name}`);
  const result = spawnSync('npx', ['tsx', join(root, name, 'run.ts')], { stdio: 'inherit' });
  if (result.status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childPids } from './child-reaper.js';
import { REPO_ROOT } from './daemon-process.js';

// A bench that crashes or is interrupted must not leave its daemon running (one ran orphaned
// for 80 minutes). Each case runs a small "bench" that installs the reaper, starts a child that
// would run forever, and then dies in one of the ways a bench dies.

const reaper = join(REPO_ROOT, 'tests/system/src/harness/child-reaper.ts');

function writeBench(dir: string, ending: string): string {
  const file = join(dir, 'bench.mts');
  writeFileSync(
    file,
    `import { spawn } from 'node:child_process';
import { reapChildrenOnExit } from ${JSON.stringify(reaper)};
reapChildrenOnExit({ graceMs: 500, log: () => undefined });
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
console.log('child ' + String(child.pid));
setInterval(() => {}, 1000);
${ending}
`,
  );
  return file;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, timeoutMs = 20_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

/** Runs the bench until it printed its child's pid; `act` then makes it die. */
async function runBench(
  ending: string,
  act: (benchPid: number) => void = () => undefined,
): Promise<{ childPid: number; exit: number | string }> {
  const dir = mkdtempSync(join(tmpdir(), 'snomlink-reaper-'));
  const bench = spawn(process.execPath, ['--import', 'tsx', writeBench(dir, ending)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | string>((resolve) => {
    bench.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const childPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    bench.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /child (\d+)/.exec(out);
      if (match?.[1] !== undefined) resolve(Number(match[1]));
    });
    void exited.then((code) => {
      reject(new Error(`bench exited (${String(code)}) before starting its child: ${out}`));
    });
  });
  act(bench.pid ?? -1);
  const exit = await exited;
  return { childPid, exit };
}

describe('child reaper (benches stop their children when they die)', () => {
  it('kills the children after an uncaught error', async () => {
    const { childPid, exit } = await runBench(
      "setTimeout(() => { throw new Error('bench crashed'); }, 10);",
    );
    expect(exit).toBe(1);
    expect(await gone(childPid)).toBe(true);
  });

  it('kills the children after an unhandled rejection', async () => {
    const { childPid, exit } = await runBench(
      "setTimeout(() => { void Promise.reject(new Error('bench failed')); }, 10);",
    );
    expect(exit).toBe(1);
    expect(await gone(childPid)).toBe(true);
  });

  it('stops the children on SIGINT and SIGTERM, then exits', async () => {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const { childPid, exit } = await runBench('', (pid) => process.kill(pid, signal));
      expect(exit).toBe(code);
      expect(await gone(childPid)).toBe(true);
    }
  });

  it('kills the children at a plain process.exit()', async () => {
    const { childPid, exit } = await runBench('setTimeout(() => process.exit(0), 10);');
    expect(exit).toBe(0);
    expect(await gone(childPid)).toBe(true);
  });

  it('finds children by parent pid in /proc/<pid>/stat, comm with spaces and parentheses', () => {
    const proc = mkdtempSync(join(tmpdir(), 'snomlink-proc-'));
    const stat = (pid: number, comm: string, ppid: number): void => {
      mkdirSync(join(proc, String(pid)));
      writeFileSync(
        join(proc, String(pid), 'stat'),
        `${String(pid)} (${comm}) S ${String(ppid)} 1 1 0`,
      );
    };
    stat(10, 'node', 1);
    stat(11, 'node cli.js', 10);
    stat(12, 'a) S 10 (b', 99);
    stat(13, 'x', 10);
    mkdirSync(join(proc, 'self'));
    expect(childPids(10, proc).sort()).toEqual([11, 13]);
  });
});

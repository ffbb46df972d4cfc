import { readFileSync, readdirSync } from 'node:fs';

/**
 * The process ids whose parent is `parent` (Linux: read from /proc/<pid>/stat). A bench's
 * daemons, bare receivers and phone processes are its direct children, whichever helper
 * spawned them.
 */
export function childPids(parent: number = process.pid, procDir = '/proc'): number[] {
  const found: number[] = [];
  for (const name of readdirSync(procDir)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`${procDir}/${name}/stat`, 'utf8');
      // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) found.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Options of {@link reapChildrenOnExit}. */
export interface ReaperOptions {
  /** After SIGINT/SIGTERM: how long children get to stop after SIGTERM before SIGKILL. */
  readonly graceMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * Makes sure this process's children die with it: an orphaned daemon of a crashed bench ran
 * for 80 minutes and loaded every later run. On SIGINT/SIGTERM the children get SIGTERM (a
 * daemon shuts down cleanly), then SIGKILL after `graceMs`, and the process exits (130/143);
 * on an uncaught error or an unhandled rejection it prints the error, kills them and exits 1;
 * at any other exit whatever is still running gets SIGKILL (an exit handler cannot wait).
 * Install once, at the start of a bench.
 */
export function reapChildrenOnExit(options: ReaperOptions = {}): void {
  const graceMs = options.graceMs ?? 3000;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let leaving = false;
  const killNow = (): void => {
    signalAll(childPids(), 'SIGKILL');
  };
  const leave = (code: number, why: string): void => {
    if (leaving) return;
    leaving = true;
    const pids = childPids();
    if (pids.length > 0) log(`${why}: stopping child processes ${pids.join(', ')}`);
    signalAll(pids, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    const poll = setInterval(() => {
      if (pids.some(alive) && Date.now() < deadline) return;
      clearInterval(poll);
      process.exit(code); // the exit handler SIGKILLs what is left
    }, 50);
  };
  process.on('exit', killNow);
  process.on('SIGINT', () => {
    leave(130, 'SIGINT');
  });
  process.on('SIGTERM', () => {
    leave(143, 'SIGTERM');
  });
  const crash = (error: unknown): void => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    killNow();
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

/**
 * Daemon benchmark: start-up time of the BUILT binary until its Action URL listener accepts
 * connections, idle RSS, and RSS with 1,000 configured phones and 100 live calls.
 *
 *   npx -y pnpm@10.34.9 --filter @snomlink/daemon run build
 *   npx tsx bench/daemon/run.ts
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../apps/daemon/dist/cli.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('../results/daemon.json', import.meta.url));
const RUNS = 5;

interface Started {
  child: ChildProcessWithoutNullStreams;
  listenerPort: number;
  adminBase: string;
  token: string;
  /** ms from spawn to a successful TCP connect on the listener port. */
  startupMs: number;
}

function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

async function start(dataDir: string): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [
    CLI,
    '--data-dir',
    dataDir,
    '--listen',
    '127.0.0.1:0',
    '--admin',
    '127.0.0.1:0',
    '--log-format',
    'json',
    '--log-level',
    'warn',
  ]);
  let out = '';
  const banner = await new Promise<{ port: number; admin: string; token: string }>(
    (resolve, reject) => {
      const onData = (d: Buffer): void => {
        out += d.toString();
        const l = /Action URL listener: http:\/\/\S+:(\d+)/.exec(out);
        const a = /Admin panel:\s+(http:\/\/[^/\s]+)\/\?token=(\S+)/.exec(out);
        if (l?.[1] && a?.[1] && a[2])
          resolve({ port: Number(l[1]), admin: a[1], token: decodeURIComponent(a[2]) });
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => {
        reject(new Error(`daemon exited ${code}: ${out}`));
      });
    },
  );
  // The banner is printed after the listener is bound; confirm it accepts connections.
  while (!(await probe(banner.port))) await new Promise((r) => setImmediate(r));
  return {
    child,
    listenerPort: banner.port,
    adminBase: banner.admin,
    token: banner.token,
    startupMs: performance.now() - t0,
  };
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 'NaN');
  return kb / 1024;
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Lets the process settle (GC, lazy init) before RSS is read. */
async function settle(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

async function writeConfig(dir: string, phones: number): Promise<Record<string, string>> {
  const secrets: Record<string, string> = {};
  const list = Array.from({ length: phones }, (_, i) => {
    const id = `p${i}`;
    const secret = randomBytes(12).toString('base64url');
    secrets[id] = secret;
    // Phones that are never contacted: the health check is off for this measurement.
    return {
      id,
      name: `Phone ${i}`,
      host: `127.0.0.2:${10000 + i}`,
      model: i % 10 === 0 ? 'snom190' : 'snom360',
      logScan: false,
      secret,
    };
  });
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({
      admin: { token: randomBytes(24).toString('base64url') },
      phones: list,
      health: { intervalMs: 0 },
    }),
    { mode: 0o600 },
  );
  return secrets;
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: build the daemon first`);
  const root = await mkdtemp(join(tmpdir(), 'snomlink-bench-'));
  try {
    // 1. Start-up time, empty config (fresh data dir each run: includes creating config + journal).
    const startups: number[] = [];
    let idleRss = 0;
    for (let i = 0; i < RUNS; i++) {
      const s = await start(join(root, `empty-${i}`));
      startups.push(s.startupMs);
      if (i === RUNS - 1) {
        await settle(2000);
        idleRss = await rssMiB(s.child.pid!);
      }
      await stop(s.child);
    }

    // 2. 1,000 configured phones: start-up, idle RSS, then 100 live calls.
    const bigStartups: number[] = [];
    let bigIdle = 0;
    let bigCalls = 0;
    let liveCalls = 0;
    for (let i = 0; i < 3; i++) {
      const dir = join(root, `big-${i}`);
      const secrets = await writeConfig(dir, 1000);
      const s = await start(dir);
      bigStartups.push(s.startupMs);
      if (i === 2) {
        await settle(2000);
        bigIdle = await rssMiB(s.child.pid!);
        for (let c = 0; c < 100; c++) {
          const id = `p${c * 10 + 1}`; // full-class phones
          const url = `http://127.0.0.1:${s.listenerPort}/snom/${id}/incoming?k=${secrets[id]}&cid=bench-${c}@pbx&n=1&user=201&local=sip:201@pbx.example&remote=sip:+4930${1000000 + c}@pbx.example&dr=Caller ${c}`;
          const res = await fetch(url.replace(/ /g, '%20'));
          if (res.status !== 200) throw new Error(`Action URL answered ${res.status}`);
        }
        const calls = (await (
          await fetch(`${s.adminBase}/api/calls`, {
            headers: { authorization: `Bearer ${s.token}` },
          })
        ).json()) as { calls: unknown[] };
        liveCalls = calls.calls.length;
        await settle(2000);
        bigCalls = await rssMiB(s.child.pid!);
      }
      await stop(s.child);
    }

    const rows = [
      [
        'start-up to listening listener, empty config (median of 5)',
        `${median(startups).toFixed(0)} ms`,
      ],
      [
        'start-up to listening listener, 1,000 phones (median of 3)',
        `${median(bigStartups).toFixed(0)} ms`,
      ],
      ['RSS idle, empty config', `${idleRss.toFixed(1)} MiB`],
      ['RSS idle, 1,000 phones', `${bigIdle.toFixed(1)} MiB`],
      [`RSS, 1,000 phones + ${liveCalls} live calls`, `${bigCalls.toFixed(1)} MiB`],
    ];
    const width = Math.max(...rows.map((r) => r[0]!.length));
    console.log(
      `\nsnomlink daemon (node ${process.version}, ${process.platform} ${process.arch})\n`,
    );
    for (const [k, v] of rows) console.log(`  ${k!.padEnd(width)}  ${v}`);
    console.log('');
    await mkdir(join(RESULTS, '..'), { recursive: true });
    await writeFile(
      RESULTS,
      `${JSON.stringify(
        {
          node: process.version,
          startupMsMedian: Math.round(median(startups)),
          startupMsRuns: startups.map(Math.round),
          startupMs1000PhonesMedian: Math.round(median(bigStartups)),
          rssIdleMiB: Number(idleRss.toFixed(1)),
          rssIdle1000PhonesMiB: Number(bigIdle.toFixed(1)),
          rss1000Phones100CallsMiB: Number(bigCalls.toFixed(1)),
          liveCalls,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`wrote ${RESULTS}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();

// Provisions every phone of the system bench through the daemon's admin API, `concurrency`
// requests at a time, and reports how the cost per phone develops over the run (per slice of
// phones: wall time, the daemon's CPU per phone, this process's CPU per phone), so a cost that
// grows with the number of phones already provisioned shows up as a rising column instead of
// one total.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

const CLK_TCK = 100; // Linux USER_HZ

/** What provisioning one phone needs from the daemon under test. */
export interface ProvisionTarget {
  readonly pid: number;
  api(path: string, init?: RequestInit): Promise<Response>;
}

/** One slice of the run (e.g. phones 2,001–3,000). */
export interface ProvisionSlice {
  readonly upTo: number;
  readonly wallMs: number;
  readonly phonesPerS: number;
  /** The daemon's CPU time (user + system) per phone of the slice. */
  readonly daemonCpuMsPerPhone: number;
  /** This process's CPU per phone (the simulated phones and the API client, when in process). */
  readonly benchCpuMsPerPhone: number;
  readonly loadAverage1m: number;
}

/** The outcome of {@link provisionAll}. */
export interface ProvisionReport {
  readonly ms: number;
  readonly failures: number;
  /** The first few request errors (message and cause). */
  readonly errors: readonly string[];
  readonly concurrency: number;
  readonly slices: readonly ProvisionSlice[];
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/**
 * POSTs `/api/phones/<id>/provision` for every id, `concurrency` at a time, in order; a slice
 * report (also to `onSlice`, as it happens) every `sliceSize` phones done.
 */
export async function provisionAll(
  daemon: ProvisionTarget,
  ids: readonly string[],
  concurrency: number,
  onSlice: (slice: ProvisionSlice) => void = () => undefined,
  sliceSize = Math.max(100, Math.ceil(ids.length / 10)),
): Promise<ProvisionReport> {
  const t0 = performance.now();
  let failures = 0;
  const errors: string[] = [];
  let next = 0;
  let done = 0;
  const slices: ProvisionSlice[] = [];
  let mark = { at: t0, done: 0, daemonTicks: cpuTicks(daemon.pid), bench: process.cpuUsage() };
  const closeSlice = (): void => {
    const phones = done - mark.done;
    if (phones === 0) return;
    const at = performance.now();
    const daemonTicks = cpuTicks(daemon.pid);
    const bench = process.cpuUsage(mark.bench);
    const slice: ProvisionSlice = {
      upTo: done,
      wallMs: Math.round(at - mark.at),
      phonesPerS: Math.round((phones / (at - mark.at)) * 1000),
      daemonCpuMsPerPhone:
        Math.round((((daemonTicks - mark.daemonTicks) / CLK_TCK) * 1000 * 100) / phones) / 100,
      benchCpuMsPerPhone: Math.round(((bench.user + bench.system) / 1000 / phones) * 100) / 100,
      loadAverage1m: Math.round((loadavg()[0] ?? 0) * 10) / 10,
    };
    slices.push(slice);
    onSlice(slice);
    mark = { at, done, daemonTicks, bench: process.cpuUsage() };
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, ids.length) }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        try {
          const answer = await daemon.api(`/api/phones/${id}/provision`, { method: 'POST' });
          const body = (await answer.json()) as { ok?: boolean };
          if (!answer.ok || body.ok !== true) failures++;
        } catch (error) {
          // A request that fails (reset, timeout on a starved machine) counts as a failure;
          // the run goes on so the remaining phones and the figures still come out.
          failures++;
          if (errors.length < 5) errors.push(describe(error));
        }
        done++;
        if (done % sliceSize === 0) closeSlice();
      }
    }),
  );
  closeSlice();
  return { ms: Math.round(performance.now() - t0), failures, errors, concurrency, slices };
}

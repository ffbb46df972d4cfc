import type { JournalEntry } from '../../../system/src/harness/api-types.js';
import { journal } from '../../../system/src/harness/scenario.js';
import type { ClusterDaemon } from './cluster-daemon.js';
import { ownedOnlyBy } from './checks.js';
import type { DialSent } from './checks.js';
import type { ClusterPhone } from './cluster-phone.js';

/** The part of `GET /api/cluster` the tests read (ClusterStatus of @snomlink/cluster-nats). */
export interface ClusterStatusLike {
  readonly nodeId: string;
  readonly connected: boolean;
  readonly owners: readonly (string | null)[];
  readonly owned: readonly number[];
  readonly fenced: boolean;
  readonly members: readonly { readonly nodeId: string }[];
  readonly counters: { readonly takeOvers: number; readonly leaseRenewalFailures: number };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `GET /api/cluster` of one daemon. */
export async function clusterStatus(daemon: ClusterDaemon): Promise<ClusterStatusLike> {
  const body = await daemon.json<ClusterStatusLike | { cluster: ClusterStatusLike }>(
    '/api/cluster',
  );
  return 'cluster' in body ? body.cluster : body;
}

/**
 * Polls `observer`'s `/api/cluster` every 50 ms until every partition is owned by one of `live`
 * (node ids); resolves with the ms since `since`. Rejects after `timeoutMs` with the last owners.
 */
export async function waitForOwners(
  observer: ClusterDaemon,
  live: readonly string[],
  since: number,
  timeoutMs = 30_000,
): Promise<number> {
  let last: readonly (string | null)[] = [];
  let lastError = '';
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      last = (await clusterStatus(observer)).owners;
      lastError = '';
      if (ownedOnlyBy(last, live)) return Date.now() - since;
    } catch (error) {
      // the observer may be busy; try again
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(50);
  }
  const summary = new Map<string, number>();
  for (const o of last) summary.set(String(o), (summary.get(String(o)) ?? 0) + 1);
  throw new Error(
    `partitions not owned by [${live.join(', ')}] within ${String(timeoutMs)} ms (${observer.nodeId} saw ${JSON.stringify(Object.fromEntries(summary))}${lastError === '' ? '' : `; last error: ${lastError}`})`,
  );
}

/** Partitions each node owns, as `observer` sees it. */
export async function ownersByNode(observer: ClusterDaemon): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const [p, owner] of (await clusterStatus(observer)).owners.entries()) {
    if (owner === null) continue;
    out.set(owner, [...(out.get(owner) ?? []), p]);
  }
  return out;
}

/** Every journal row of one daemon. */
export async function journalOf(daemon: ClusterDaemon): Promise<JournalEntry[]> {
  const proc = daemon.process;
  if (proc === null) throw new Error(`${daemon.nodeId} is not running`);
  return journal(proc);
}

/**
 * Polls a daemon's journal until it holds every Call-ID in `callIds` (or `timeoutMs` passed) and
 * returns the rows as they are then; the caller asserts on them.
 */
export async function settledJournal(
  daemon: ClusterDaemon,
  callIds: readonly string[],
  timeoutMs = 30_000,
): Promise<JournalEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let rows: JournalEntry[] = [];
    try {
      rows = await journalOf(daemon);
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    const have = new Set(rows.map((r) => r.sipCallId));
    if (callIds.every((id) => have.has(id)) || Date.now() > deadline) return rows;
    await sleep(250);
  }
}

/** Polls until the daemon lists no live call; resolves with what is still live after the wait. */
export async function settledLiveCalls(
  daemon: ClusterDaemon,
  timeoutMs = 30_000,
): Promise<{ phoneId: string; sipCallId: string | null; state: string }[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { calls } = await daemon.json<{
      calls: { phoneId: string; sipCallId: string | null; state: string }[];
    }>('/api/calls');
    if (calls.length === 0 || Date.now() > deadline) return calls;
    await sleep(250);
  }
}

let dialSerial = 0;

/** Asks `via` to make `phone` dial a unique number; records the answer (never throws). */
export async function dialThrough(via: ClusterDaemon, phone: ClusterPhone): Promise<DialSent> {
  dialSerial += 1;
  const number = `0307${String(Date.now() % 100_000).padStart(5, '0')}${String(dialSerial).padStart(4, '0')}`;
  let status = 0;
  try {
    const response = await via.api(`/api/phones/${encodeURIComponent(phone.id)}/dial`, {
      method: 'POST',
      body: JSON.stringify({ number }),
      signal: AbortSignal.timeout(15_000),
    });
    status = response.status;
    await response.arrayBuffer();
  } catch {
    status = 0;
  }
  return { phoneId: phone.id, number, status, via: via.nodeId };
}

/** How many times `phone` received `command.htm?number=<number>`. */
export function dialsReceived(phone: ClusterPhone, number: string): number {
  return phone.phone.requests.filter(
    (r) => r.path === '/command.htm' && new URLSearchParams(r.query).get('number') === number,
  ).length;
}

/**
 * Polls `observer`'s `/api/cluster` until the cluster is whole for `nodeIds`: each of them is in
 * the member list and owns at least one partition (a restarted daemon has its share back), and
 * every partition is owned by one of them. Rejects after `timeoutMs` with what it saw last.
 */
export async function waitForBalanced(
  observer: ClusterDaemon,
  nodeIds: readonly string[],
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = '';
  while (Date.now() < deadline) {
    try {
      const status = await clusterStatus(observer);
      const members = new Set(status.members.map((m) => m.nodeId));
      const owners = status.owners.map(String);
      seen = `members [${[...members].join(', ')}], owners ${JSON.stringify(countBy(owners))}`;
      const whole =
        ownedOnlyBy(status.owners, nodeIds) &&
        nodeIds.every((id) => members.has(id) && status.owners.includes(id));
      if (whole) return;
    } catch (error) {
      seen = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(
    `${observer.nodeId} did not see [${nodeIds.join(', ')}] each owning partitions: ${seen}`,
  );
}

/** How often each value occurs. Pure. */
function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

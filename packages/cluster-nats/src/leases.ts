import { randomUUID } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import type { ClusterLogger } from './cluster-types.js';
import { guardedCreate } from './kv-claim.js';
import { guardedDelete, guardedUpdate, isKvConflict } from './kv-guarded.js';
import { planLeases } from './lease-plan.js';
import { createTtlView, type TtlView } from './ttl-view.js';

// Partition leases in the leases bucket (TTL = L): `p.<n>` → { owner, token }. A node claims a
// free partition with `create`, renews each lease every L/5 with a CAS `update`, stops a
// partition at once when a renewal finds the lease gone or taken, and fences itself (stops every
// partition) when a lease went unrenewed for L − min(2 s, 0.4 L). Planned hand-over deletes the
// lease with its revision, so the next owner claims in well under a second.

/** A lease as stored; `token` is unique per process, so a restarted node is a new owner. */
export interface LeaseValue {
  readonly owner: string;
  readonly token: string;
}

/** Options of {@link createLeases}. */
export interface LeasesOptions {
  readonly kv: KV;
  readonly nodeId: string;
  readonly leaseTtlMs: number;
  /** Partition count (from the cluster's meta). */
  readonly partitions: number;
  /** Live member ids (membership). */
  readonly live: () => readonly string[];
  readonly now: () => number;
  readonly logger?: ClusterLogger;
  /** This node now owns these partitions. */
  readonly onGained: (partitions: readonly number[]) => void;
  /**
   * This node must stop these partitions. `planned`: a hand-over (rebalance, leave) that waits
   * for the returned promise before the lease is deleted, so the work may flush; otherwise the
   * lease was lost or this node fenced itself, and nothing may be written any more.
   */
  readonly onLost: (partitions: readonly number[], planned: boolean) => void | Promise<void>;
}

/** Counters for the status and the metrics. */
export interface LeaseCounters {
  readonly takeOvers: number;
  readonly leaseRenewalFailures: number;
}

/** The running lease manager. */
export interface Leases {
  /** Partitions held right now (empty while fenced), ascending. */
  owned(): readonly number[];
  owns(partition: number): boolean;
  /** Owner node id of each partition as the bucket shows it (index = partition). */
  owners(): readonly (string | null)[];
  fenced(): boolean;
  counters(): LeaseCounters;
  /** Runs the balancer soon (membership changes call it). */
  balance(): void;
  /** Hands one partition over (stops it, then deletes the lease with its revision). */
  release(partition: number): Promise<void>;
  /** Planned leave: stops and releases every partition, stops the timers. */
  close(): Promise<void>;
}

interface Held {
  revision: number;
  /** Local time the last successful renewal (or the claim) was sent. */
  renewedAt: number;
  /** A renewal is in flight (the next tick skips this lease rather than race it). */
  renewing: boolean;
}

/** Rejects when `promise` has not settled within `ms` (a reconnecting client buffers requests). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${String(ms)} ms`));
    }, ms);
  });
  return Promise.race([promise, expired]).finally(() => {
    clearTimeout(timer);
  });
}

/** KV key of a partition's lease. */
export function leaseKey(partition: number): string {
  return `p.${String(partition)}`;
}

function parseLease(text: string): LeaseValue | null {
  try {
    const raw = JSON.parse(text) as Partial<LeaseValue> | null;
    return typeof raw?.owner === 'string' && typeof raw.token === 'string'
      ? { owner: raw.owner, token: raw.token }
      : null;
  } catch {
    return null;
  }
}

/** The partition of a lease key (`p.<n>`), or -1 for another key. Pure. */
export function partitionOfKey(key: string): number {
  const match = /^p\.(\d+)$/.exec(key);
  return match === null ? -1 : Number(match[1]);
}

/** Time without a successful renewal after which a node stops acting as owner. */
export function fenceAfterMs(leaseTtlMs: number): number {
  return leaseTtlMs - Math.min(2_000, 0.4 * leaseTtlMs);
}

/** Starts watching the leases and balancing; resolves once the first balance ran. */
export async function createLeases(options: LeasesOptions): Promise<Leases> {
  const { kv, nodeId, leaseTtlMs, partitions, now, logger } = options;
  const token = randomUUID();
  const mine = JSON.stringify({ owner: nodeId, token } satisfies LeaseValue);
  const renewEvery = leaseTtlMs / 5;
  const fenceAfter = fenceAfterMs(leaseTtlMs);
  const orphanGrace = leaseTtlMs / 2;
  // A slow renewal may still land before the fence: wait for it up to half the fence time.
  const renewTimeout = Math.max(renewEvery, fenceAfter / 2);
  const held = new Map<number, Held>();
  let stale = new Map<number, number>();
  // A claim that lost (the key had a value the view did not show yet) is not retried until the
  // view shows that key change or L/5 passed: the balancer runs on every watch update, and
  // retrying at once turned a lagging view under load into a storm of failing writes that
  // slowed every renewal until leases expired all over the cluster.
  const claimLostAt = new Map<number, number>();
  let fenced = false;
  let closing = false;
  let takeOvers = 0;
  let renewalFailures = 0;
  // The balancer runs one pass at a time; a request during a pass runs one more after it.
  const runner: { active: Promise<void> | null; again: boolean } = { active: null, again: false };
  // Set once `leases` exists: watch updates arriving before that are covered by the first balance.
  let trigger = (): void => undefined;

  const view: TtlView<LeaseValue> = await createTtlView({
    kv,
    ttlMs: leaseTtlMs,
    parse: parseLease,
    now,
    onUpdate: (key) => {
      claimLostAt.delete(partitionOfKey(key));
      trigger();
    },
  });
  await view.ready;

  function lose(ps: readonly number[], why: string): void {
    const lost = ps.filter((p) => held.delete(p));
    if (lost.length === 0) return;
    logger?.warn({ partitions: lost, why }, 'cluster: partitions lost');
    void options.onLost(lost, false);
  }

  /** A renewal's CAS failed: adopt the lease if it is still ours (a lost reply), else stop. */
  async function recheck(p: number, h: Held): Promise<void> {
    const entry = await kv.get(leaseKey(p)).catch(() => undefined);
    if (entry === undefined || held.get(p) !== h) return;
    if (entry?.operation === 'PUT' && parseLease(entry.string())?.token === token) {
      h.revision = entry.revision;
      return;
    }
    lose([p], 'lease taken or expired');
  }

  function renewAll(): void {
    for (const [p, h] of held) {
      if (h.renewing) continue;
      h.renewing = true;
      const sentAt = now();
      withTimeout(guardedUpdate(kv, leaseKey(p), mine, h.revision), renewTimeout).then(
        (revision) => {
          h.renewing = false;
          if (held.get(p) !== h) return;
          h.revision = revision;
          h.renewedAt = sentAt;
        },
        (e: unknown) => {
          h.renewing = false;
          renewalFailures++;
          if (isKvConflict(e)) void recheck(p, h);
        },
      );
    }
  }

  function checkFence(): void {
    if (fenced || closing) return;
    const overdue = [...held.values()].some((h) => now() - h.renewedAt > fenceAfter);
    if (!overdue) return;
    fenced = true;
    stale = new Map([...held].map(([p, h]) => [p, h.revision]));
    logger?.error(
      { partitions: [...stale.keys()] },
      'cluster: cannot renew leases, fencing (stopping every partition)',
    );
    lose([...held.keys()], 'fenced');
  }

  /** While fenced: delete the stale leases; once NATS answers (either way) the fence lifts. */
  async function tryUnfence(): Promise<void> {
    const results = await Promise.all(
      [...stale].map(async ([p, revision]) => {
        try {
          await guardedDelete(kv, leaseKey(p), revision);
          return true;
        } catch (e) {
          return isKvConflict(e);
        }
      }),
    );
    if (results.every(Boolean)) {
      stale = new Map();
      fenced = false;
      logger?.warn({}, 'cluster: NATS answers again, fence lifted');
    }
  }

  /**
   * Writes our lease on a free key, guarded like every CAS here (see kv-guarded.ts: on a 3-node
   * nats-server 2.9 two writers expecting the same revision can both succeed, so each write also
   * carries the Msg-Id `cas:<key>:<revision>` and the second one is a duplicate). A key that was
   * deleted is updated at its delete marker's revision; one that expired (no message) is written
   * expecting revision 0, with the last revision this node saw in the Msg-Id, so two nodes
   * claiming the same expired lease send the same id.
   */
  async function claimKey(p: number): Promise<number> {
    const key = leaseKey(p);
    const seen = view.lastRevision(key);
    const deleted = seen > 0 && view.get(key) === null && !view.expired(key);
    if (!deleted) return guardedCreate(kv, key, mine, seen);
    try {
      return await guardedUpdate(kv, key, mine, seen);
    } catch (e) {
      // The delete marker expired with the bucket's TTL (nats-server 2.9 removes it without a
      // watch event), so the key holds no message and an update at the marker's revision fails
      // for ever: every node that saw the delete kept failing, and the partition stayed
      // unowned (its events unprocessed, its calls in no journal). Only a create claims it now.
      if (!isKvConflict(e) || (await kv.get(key)) !== null) throw e;
      return guardedCreate(kv, key, mine, seen);
    }
  }

  /**
   * After a lost claim: true when the key holds a lease written within L (another node's live
   * lease that the view has not shown yet), false when it is the expired lease the server has
   * not removed yet (it goes within moments, so the claim is retried at the next tick).
   */
  async function heldByAnother(p: number): Promise<boolean> {
    const entry = await kv.get(leaseKey(p)).catch(() => null);
    return entry?.operation === 'PUT' && now() - entry.created.getTime() < leaseTtlMs;
  }

  async function claim(p: number, live: ReadonlySet<string>): Promise<boolean> {
    const previous = view.last(leaseKey(p));
    // A take-over: the previous owner died (lease expired) or left; not a rebalance hand-over.
    const wasExpired = view.expired(leaseKey(p));
    const takeOver =
      previous !== null && previous.token !== token && (wasExpired || !live.has(previous.owner));
    const sentAt = now();
    let revision: number;
    try {
      revision = await claimKey(p);
    } catch (e) {
      if (!isKvConflict(e)) {
        logger?.warn({ partition: p, err: String(e) }, 'claim failed');
      } else if (await heldByAnother(p)) {
        claimLostAt.set(p, now());
      }
      return false;
    }
    if (closing || fenced) {
      await guardedDelete(kv, leaseKey(p), revision).catch(() => undefined);
      return false;
    }
    held.set(p, { revision, renewedAt: sentAt, renewing: false });
    if (takeOver) {
      takeOvers++;
      logger?.info(
        { partition: p, from: previous.owner, expired: wasExpired, live: [...live] },
        'cluster: partition taken over',
      );
    }
    return true;
  }

  async function releaseOne(p: number): Promise<void> {
    const h = held.get(p);
    if (h === undefined) return;
    held.delete(p);
    await options.onLost([p], true);
    await deleteMine(p, h.revision).catch((e: unknown) => {
      logger?.warn({ partition: p, err: String(e) }, 'cluster: lease release failed');
    });
  }

  /**
   * Deletes our lease with its revision. A renewal still in flight may have moved the revision:
   * then the lease is re-read and deleted at its new revision if it is still ours.
   */
  async function deleteMine(p: number, revision: number): Promise<void> {
    let rev = revision;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await guardedDelete(kv, leaseKey(p), rev);
        return;
      } catch (e) {
        if (!isKvConflict(e)) throw e;
        const entry = await kv.get(leaseKey(p));
        if (entry?.operation !== 'PUT' || parseLease(entry.string())?.token !== token) return;
        rev = entry.revision;
      }
    }
  }

  function owners(): (string | null)[] {
    return Array.from({ length: partitions }, (_, p) =>
      held.has(p) ? nodeId : (view.get(leaseKey(p))?.value.owner ?? null),
    );
  }

  async function balanceOnce(): Promise<void> {
    if (closing) return;
    if (fenced) return tryUnfence();
    const current = owners();
    // An expired lease's owner stopped renewing (dead, or fenced itself): it no longer counts
    // for the share even while its heartbeat is still fresh, so the others claim its partitions
    // at once. Free partitions nobody claimed within the grace are taken whatever the share.
    const orphaned = new Set<number>();
    const dead = new Set<string>();
    for (let p = 0; p < partitions; p++) {
      const key = leaseKey(p);
      const since = view.freeSince(key);
      if (current[p] !== null || since === null) continue;
      if (view.expired(key)) dead.add(view.last(key)?.owner ?? '');
      if (now() - since >= orphanGrace) orphaned.add(p);
    }
    dead.delete(nodeId);
    const live = new Set(options.live().filter((m) => !dead.has(m))).add(nodeId);
    const plan = planLeases({
      nodeId,
      partitions,
      live: [...live],
      owned: new Set(held.keys()),
      owners: current,
      orphaned,
    });
    const results = await Promise.all(
      plan.claim
        .filter((p) => now() - (claimLostAt.get(p) ?? -Infinity) >= renewEvery)
        .map(async (p) => ((await claim(p, live)) ? p : -1)),
    );
    const gained = results.filter((p) => p >= 0).sort((a, b) => a - b);
    if (gained.length > 0) options.onGained(gained);
    for (const p of plan.release) await releaseOne(p);
  }

  const leases: Leases = {
    owned: () => [...held.keys()].sort((a, b) => a - b),
    owns: (p) => !fenced && held.has(p),
    owners,
    fenced: () => fenced,
    counters: () => ({ takeOvers, leaseRenewalFailures: renewalFailures }),
    balance: () => {
      if (runner.active !== null) {
        runner.again = true;
        return;
      }
      runner.active = (async () => {
        do {
          runner.again = false;
          await balanceOnce().catch((e: unknown) => {
            logger?.warn({ err: String(e) }, 'cluster: lease balance failed');
          });
          // `again` is set by calls during the await, which the linter's flow analysis misses.
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
        } while (runner.again && !closing);
        runner.active = null;
      })();
    },
    release: releaseOne,
    close: async () => {
      closing = true;
      clearInterval(renewTimer);
      clearInterval(tickTimer);
      await runner.active;
      const all = [...held.keys()];
      await Promise.all(all.map(releaseOne));
      view.stop();
    },
  };

  trigger = () => {
    leases.balance();
  };
  const renewTimer = setInterval(() => {
    checkFence();
    if (!fenced) renewAll();
  }, renewEvery);
  let restartedAt = now();
  /**
   * The watch died (it can stop for good after its server died): our own renewals no longer
   * show, or nothing at all arrived for L while leases exist (every owner renews every L/5).
   */
  function checkView(): void {
    const t = now();
    if (fenced || t - restartedAt < leaseTtlMs) return;
    const ownStalled = [...held].some(([p, h]) => {
      const seen = view.get(leaseKey(p));
      return (
        t - h.renewedAt < leaseTtlMs / 2 && (seen === null || t - seen.writtenAt > leaseTtlMs / 2)
      );
    });
    if (!ownStalled && t - view.lastUpdate() < leaseTtlMs) return;
    restartedAt = t;
    logger?.warn({}, 'cluster: leases watch quiet, re-creating it');
    view.restart().catch(() => undefined);
  }

  const tickTimer = setInterval(
    () => {
      checkView();
      checkFence();
      leases.balance();
    },
    Math.max(50, Math.min(250, leaseTtlMs / 10)),
  );
  leases.balance();
  await runner.active;
  return leases;
}

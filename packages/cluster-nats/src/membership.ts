import type { KV } from '@nats-io/kv';
import type { ClusterLogger, ClusterMember } from './cluster-types.js';
import { createTtlView, type TtlView } from './ttl-view.js';

// Membership: each daemon puts a heartbeat under its node id into the members bucket (TTL = L)
// every L/5; the live members are those whose heartbeat is younger than L. The lease balancer
// aims for ceil(partitions / live members).

/** A heartbeat as stored under `<nodeId>` in the members bucket. */
export interface Heartbeat {
  readonly nodeId: string;
  readonly partitions: readonly number[];
  readonly adminUrl: string | null;
}

/** Options of {@link createMembership}. */
export interface MembershipOptions {
  readonly kv: KV;
  readonly nodeId: string;
  readonly leaseTtlMs: number;
  readonly adminUrl?: string | null;
  /** Partitions this node holds, written into each heartbeat. */
  readonly partitions: () => readonly number[];
  readonly now: () => number;
  readonly logger?: ClusterLogger;
  /**
   * While true no heartbeat is written (a fenced node: it cannot hold leases, so it must not
   * count for the others' share, or they would keep handing it partitions it cannot take).
   */
  readonly silent?: () => boolean;
  /** Called when a member's heartbeat arrives or it leaves. */
  readonly onChange?: () => void;
}

/** The running membership. */
export interface Membership {
  /** Live member ids (this node included once its first heartbeat is written), sorted. */
  live(): readonly string[];
  /** Live members with their last heartbeat. */
  members(): readonly ClusterMember[];
  /** Epoch ms of this node's last heartbeat the server acknowledged (0: none yet). */
  lastHeartbeatOk(): number;
  /** Writes a heartbeat now (also done every L/5). */
  heartbeat(): Promise<void>;
  /** Stops heartbeating; `leave` also deletes the heartbeat so others rebalance at once. */
  stop(leave: boolean): Promise<void>;
}

/** Node ids are KV keys and subject tokens: letters, digits, `_`, `-`, dot-separated. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

function parseHeartbeat(text: string): Heartbeat | null {
  try {
    const raw = JSON.parse(text) as Partial<Heartbeat> | null;
    if (typeof raw?.nodeId !== 'string' || !Array.isArray(raw.partitions)) return null;
    const partitions = raw.partitions.filter((p): p is number => Number.isInteger(p));
    return { nodeId: raw.nodeId, partitions, adminUrl: raw.adminUrl ?? null };
  } catch {
    return null;
  }
}

/** Starts heartbeating (first heartbeat written before it resolves) and watching the members. */
export async function createMembership(options: MembershipOptions): Promise<Membership> {
  const { kv, nodeId, leaseTtlMs, now } = options;
  let lastOk = 0;
  let stopped = false;
  const view: TtlView<Heartbeat> = await createTtlView({
    kv,
    ttlMs: leaseTtlMs,
    parse: parseHeartbeat,
    now,
    onUpdate: () => options.onChange?.(),
  });

  async function heartbeat(): Promise<void> {
    const beat: Heartbeat = {
      nodeId,
      partitions: [...options.partitions()],
      adminUrl: options.adminUrl ?? null,
    };
    const sentAt = now();
    await kv.put(nodeId, JSON.stringify(beat), { timeout: Math.max(500, leaseTtlMs / 5) });
    lastOk = sentAt;
  }

  await heartbeat();
  await view.ready;
  let restartedAt = now();
  /** Our own heartbeats succeed but the view stopped showing them: its watch died. */
  function checkView(): void {
    const t = now();
    const own = view.get(nodeId);
    const beating = lastOk > 0 && t - lastOk < leaseTtlMs / 2;
    const stale =
      own === null || t - own.writtenAt > leaseTtlMs / 2 || t - view.lastUpdate() > leaseTtlMs;
    if (!beating || !stale || t - restartedAt < leaseTtlMs) return;
    restartedAt = t;
    options.logger?.warn({}, 'cluster: members watch stalled, re-creating it');
    view.restart().catch(() => undefined);
  }

  const timer = setInterval(() => {
    checkView();
    if (stopped || options.silent?.() === true) return;
    heartbeat().catch((e: unknown) => {
      options.logger?.warn({ err: String(e) }, 'cluster: heartbeat failed');
    });
  }, leaseTtlMs / 5);

  return {
    live: () => [...view.entries().keys()].sort(),
    members: () =>
      [...view.entries().values()]
        .map((e) => ({
          nodeId: e.value.nodeId,
          seenAt: e.writtenAt,
          partitions: e.value.partitions,
          adminUrl: e.value.adminUrl,
        }))
        .sort((a, b) => a.nodeId.localeCompare(b.nodeId)),
    lastHeartbeatOk: () => lastOk,
    heartbeat,
    stop: async (leave) => {
      stopped = true;
      clearInterval(timer);
      view.stop();
      if (leave) await kv.delete(nodeId).catch(() => undefined);
    },
  };
}

import { connect, type NatsConnection } from '@nats-io/transport-node';
import { initClusterWithRetry } from '../init.js';
import { createLeases, type Leases } from '../leases.js';
import { createMembership, type Membership } from '../membership.js';
import { clusterNames } from '../names.js';

// Test helper (not exported): one cluster member reduced to membership + leases on its own
// connection, with a `crash` that drops the connection without releasing anything.

/** A member under test. */
export interface LeaseMember {
  readonly nodeId: string;
  readonly nc: NatsConnection;
  readonly leases: Leases;
  readonly membership: Membership;
  /** Partitions the member's handlers were told it owns (gained minus lost). */
  readonly acting: Set<number>;
  /** Drops the connection at once (no release, no leave): a dead member. */
  crash(): Promise<void>;
  /** Planned leave: membership, then leases released. */
  close(): Promise<void>;
}

/** Starts a member on `servers` under `prefix` with lease TTL `leaseTtlMs`. */
export async function startLeaseMember(
  servers: readonly string[],
  nodeId: string,
  leaseTtlMs: number,
  prefix: string,
  replicas = 1,
  onGained?: (partitions: readonly number[]) => void,
): Promise<LeaseMember> {
  // Only the given servers (no gossiped ones), so a test can cut a member off by killing them.
  const nc = await connect({
    ignoreClusterUpdates: true,
    servers: [...servers],
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
  });
  const names = clusterNames(prefix);
  const { meta, buckets } = await initClusterWithRetry({ nc, names, replicas, leaseTtlMs });
  const acting = new Set<number>();
  let leases: Leases | null = null;
  const membership = await createMembership({
    kv: buckets.members,
    nodeId,
    leaseTtlMs: meta.leaseTtlMs,
    partitions: () => leases?.owned() ?? [],
    now: Date.now,
    onChange: () => leases?.balance(),
  });
  leases = await createLeases({
    kv: buckets.leases,
    nodeId,
    leaseTtlMs: meta.leaseTtlMs,
    partitions: meta.partitions,
    live: () => membership.live(),
    ...(process.env['LEASE_DEBUG'] === undefined
      ? {}
      : {
          logger: {
            info: (o: object, m: string) => {
              console.info(nodeId, m, JSON.stringify(o), JSON.stringify(membership.live()));
            },
            warn: () => undefined,
            error: () => undefined,
          },
        }),
    now: Date.now,
    onGained: (ps) => {
      onGained?.(ps);
      for (const p of ps) acting.add(p);
    },
    onLost: (ps) => {
      for (const p of ps) acting.delete(p);
    },
  });
  const held = leases;
  return {
    nodeId,
    nc,
    leases: held,
    membership,
    acting,
    crash: async () => {
      await nc.close();
    },
    close: async () => {
      if (nc.isClosed()) {
        await membership.stop(false);
        await held.close();
        return;
      }
      await membership.stop(true);
      await held.close();
      await nc.close();
    },
  };
}

/** Resolves once `check` holds (polled every 20 ms), rejects after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

import type { ClusterStatus } from './cluster-types.js';

// Assembles `status()` from the parts' own reports (pure, so the shape is tested without NATS).

/**
 * What the composition root collects from the running parts: the status's fields, with the
 * counters flat (derived from ClusterStatus, so the two cannot drift apart).
 */
export type StatusParts = Omit<ClusterStatus, 'counters'> & ClusterStatus['counters'];

/**
 * Builds the status: a member's partitions come from the lease bucket (what it owns now), not
 * from its last heartbeat, and a fenced node reports no owned partitions.
 */
export function buildStatus(parts: StatusParts): ClusterStatus {
  const byOwner = new Map<string, number[]>();
  parts.owners.forEach((owner, p) => {
    if (owner === null) return;
    const list = byOwner.get(owner) ?? [];
    list.push(p);
    byOwner.set(owner, list);
  });
  return {
    nodeId: parts.nodeId,
    connected: parts.connected,
    serverVersion: parts.serverVersion,
    partitions: parts.partitions,
    members: parts.members.map((m) => ({ ...m, partitions: byOwner.get(m.nodeId) ?? [] })),
    owners: [...parts.owners],
    owned: parts.fenced ? [] : [...parts.owned],
    fenced: parts.fenced,
    readViewLag: parts.readViewLag,
    journalLag: parts.journalLag,
    counters: {
      takeOvers: parts.takeOvers,
      leaseRenewalFailures: parts.leaseRenewalFailures,
      ingressRefused: parts.ingressRefused,
      commandsServed: parts.commandsServed,
      consumerRecoveries: parts.consumerRecoveries,
    },
  };
}

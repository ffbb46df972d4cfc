import type { ClusterStatus } from '@snomlink/cluster-nats';
import type { ClusterView } from '../http/routes/cluster.js';

/** The cluster's status as `GET /api/cluster` answers it (plain copies of its lists). */
export function toClusterView(status: ClusterStatus): ClusterView {
  return {
    nodeId: status.nodeId,
    connected: status.connected,
    serverVersion: status.serverVersion,
    partitions: status.partitions,
    members: status.members.map((m) => ({
      nodeId: m.nodeId,
      seenAt: m.seenAt,
      partitions: [...m.partitions],
      adminUrl: m.adminUrl,
    })),
    owners: [...status.owners],
    owned: [...status.owned],
    fenced: status.fenced,
    readViewLag: status.readViewLag,
    journalLag: status.journalLag,
    counters: { ...status.counters },
  };
}

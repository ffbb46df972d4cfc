import type { ClusterStatus } from '@snomlink/cluster-nats';
import type { MetricsSection } from './integration-metrics.js';

/**
 * `snomlink_cluster_*`: cluster mode's connection, ownership, lag and counters (only in cluster
 * mode). Alert on `snomlink_cluster_connected == 0`, `snomlink_cluster_fenced == 1`, a rising
 * `snomlink_cluster_lease_renewal_failures_total`, `snomlink_cluster_ingress_refused_total` or
 * `snomlink_cluster_consumer_recoveries_total`.
 */
export function clusterMetrics(status: () => ClusterStatus | null): MetricsSection {
  return (out) => {
    const s = status();
    if (s === null) return;
    out.metric(
      'snomlink_cluster_connected',
      'gauge',
      '1 while this daemon is connected to NATS, else 0.',
      s.connected ? 1 : 0,
    );
    out.metric(
      'snomlink_cluster_fenced',
      'gauge',
      '1 while this daemon cannot renew its leases and acts as owner of nothing, else 0.',
      s.fenced ? 1 : 0,
    );
    out.metric(
      'snomlink_cluster_members',
      'gauge',
      'Live members of the cluster as this daemon sees them.',
      s.members.length,
    );
    out.metric(
      'snomlink_cluster_partitions_owned',
      'gauge',
      'Partitions this daemon holds a lease on.',
      s.owned.length,
    );
    out.metric(
      'snomlink_cluster_partitions_unowned',
      'gauge',
      'Partitions no daemon owns right now (their phones wait for a take-over).',
      s.owners.filter((o) => o === null).length,
    );
    out.metric(
      'snomlink_cluster_lag_messages',
      'gauge',
      "Messages this daemon's read view (changes) or journal projection (journal) is behind.",
      [
        { value: s.readViewLag, labels: { stream: 'changes' } },
        { value: s.journalLag, labels: { stream: 'journal' } },
      ],
    );
    out.metric(
      'snomlink_cluster_takeovers_total',
      'counter',
      'Partitions this daemon took over from a dead or departed owner.',
      s.counters.takeOvers,
    );
    out.metric(
      'snomlink_cluster_lease_renewal_failures_total',
      'counter',
      'Lease renewals that failed (a lost lease stops its partition at once).',
      s.counters.leaseRenewalFailures,
    );
    out.metric(
      'snomlink_cluster_ingress_refused_total',
      'counter',
      'Phone events refused (503) because the stream did not acknowledge them in time.',
      s.counters.ingressRefused,
    );
    out.metric(
      'snomlink_cluster_commands_served_total',
      'counter',
      'Phone commands this daemon ran as the owner for the cluster.',
      s.counters.commandsServed,
    );
    out.metric(
      'snomlink_cluster_consumer_recoveries_total',
      'counter',
      'Stalled stream consumers (EVENTS, CHANGES, JOURNAL) found silent and re-created.',
      s.counters.consumerRecoveries,
    );
  };
}

import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { api } from '../api/client.js';
import type { ClusterState } from '../api/types.js';
import { ErrorBox, useLoad } from '../components/ui.js';
import { ownerCounts, partitionRanges, secondsAgo } from '../lib/cluster-view.js';

const REFRESH_MS = 2000;

/**
 * Cluster mode (docs/cluster.md): this daemon's connection to NATS, the live members with the
 * partitions each owns, unowned partitions, lag and counters. Refreshes every 2 s. A daemon
 * that runs alone says so.
 */
export function ClusterPage(): JSX.Element {
  const state = useLoad((signal) => api<ClusterState>('GET', '/api/cluster', { signal }), []);
  // The latest reload, read by one interval for the page's lifetime.
  const latest = useRef(state);
  latest.current = state;
  useEffect(() => {
    const timer = setInterval(() => {
      latest.current.reload();
    }, REFRESH_MS);
    return () => {
      clearInterval(timer);
    };
  }, []);
  const s = state.value;
  return (
    <main id="main">
      <h1>Cluster</h1>
      <ErrorBox error={state.error} />
      {s?.mode === 'local' ? (
        <p data-testid="cluster-local">
          This daemon runs alone (no cluster mode). Start it with{' '}
          <code>--cluster nats://host:4222</code> to run several daemons as one system; see
          docs/cluster.md.
        </p>
      ) : null}
      {s?.mode === 'cluster' ? <ClusterDetails state={s} /> : null}
    </main>
  );
}

function ClusterDetails(props: { state: Extract<ClusterState, { mode: 'cluster' }> }): JSX.Element {
  const s = props.state;
  const now = Date.now();
  const unowned = s.owners.filter((o) => o === null).length;
  return (
    <>
      <p data-testid="cluster-self">
        This daemon: <span class="mono">{s.nodeId}</span>{' '}
        <span class={`badge ${s.connected ? 'ok' : 'bad'}`} data-testid="cluster-connected">
          {s.connected ? 'connected' : 'NATS unreachable'}
        </span>{' '}
        {s.fenced ? (
          <span class="badge bad" data-testid="cluster-fenced">
            fenced: owns nothing until its leases renew
          </span>
        ) : null}{' '}
        <span class="small muted">
          nats-server {s.serverVersion ?? 'unknown'} · {s.partitions} partitions · owns{' '}
          {s.owned.length}
        </span>
      </p>
      {unowned > 0 ? (
        <div class="alert error" role="alert" data-testid="cluster-unowned">
          {unowned} partition(s) have no owner: their phones' events wait for a take-over.
        </div>
      ) : null}
      <table data-testid="cluster-members">
        <thead>
          <tr>
            <th>member</th>
            <th>partitions</th>
            <th>owns</th>
            <th>last heartbeat</th>
            <th>admin</th>
          </tr>
        </thead>
        <tbody>
          {s.members.map((m) => (
            <tr key={m.nodeId} data-member={m.nodeId}>
              <td class="mono">
                {m.nodeId}
                {m.nodeId === s.nodeId ? ' (this daemon)' : ''}
              </td>
              <td>{m.partitions.length}</td>
              <td class="mono small">{partitionRanges(m.partitions)}</td>
              <td>{secondsAgo(m.seenAt, now)} s ago</td>
              <td class="small">
                {m.adminUrl === null ? '' : <a href={m.adminUrl}>{m.adminUrl}</a>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="small muted" data-testid="cluster-owners">
        Owners:{' '}
        {ownerCounts(s.owners)
          .map((o) => `${o.nodeId ?? 'nobody'} ${String(o.count)}`)
          .join(' · ')}
      </p>
      <table data-testid="cluster-counters">
        <tbody>
          <tr>
            <th>read view lag (changes)</th>
            <td>{s.readViewLag}</td>
          </tr>
          <tr>
            <th>journal lag</th>
            <td>{s.journalLag}</td>
          </tr>
          <tr>
            <th>take-overs</th>
            <td>{s.counters.takeOvers}</td>
          </tr>
          <tr>
            <th>lease renewal failures</th>
            <td>{s.counters.leaseRenewalFailures}</td>
          </tr>
          <tr>
            <th>phone events refused (503)</th>
            <td>{s.counters.ingressRefused}</td>
          </tr>
          <tr>
            <th>commands served as owner</th>
            <td>{s.counters.commandsServed}</td>
          </tr>
        </tbody>
      </table>
    </>
  );
}

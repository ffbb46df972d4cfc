import { Hono } from 'hono';
import type { ClusterState } from '../../api/cluster-schemas.js';
import { C } from '../api-components.js';
import { describe } from '../route-docs.js';

/** The cluster part of {@link ClusterState}. */
export type ClusterView = Omit<Extract<ClusterState, { mode: 'cluster' }>, 'mode'>;

/** What `GET /api/cluster` reads: the cluster's status, or null when the daemon runs alone. */
export interface ClusterRoutesDeps {
  readonly cluster?: (() => ClusterView | null) | undefined;
}

/** `GET /api/cluster` (admin only, like every route not in USER_ROUTES). */
export function clusterRoutes(deps: ClusterRoutesDeps): Hono {
  const app = new Hono();
  app.get(
    '/',
    describe({
      tag: 'daemon',
      summary: 'Cluster members, partition owners, lag and counters',
      description:
        'In cluster mode (docs/cluster.md): the live members, which daemon owns which of the ' +
        'partitions, how far this daemon lags behind the change and journal streams, and the ' +
        'take-over and lease counters. A daemon that runs alone answers `{"mode":"local"}`.',
      response: C.ClusterState,
    }),
    (c) => {
      const status = deps.cluster?.() ?? null;
      const body: ClusterState =
        status === null ? { mode: 'local' } : { mode: 'cluster', ...status };
      return c.json(body);
    },
  );
  return app;
}

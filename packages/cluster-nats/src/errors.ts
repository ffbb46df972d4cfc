import { hasErrorName } from '@snomlink/core';

/** Base class of every error this package throws. */
export class ClusterError extends Error {
  override readonly name: string = 'ClusterError';
}

/**
 * NATS did not answer in time (no stream ack, no command reply, not connected): the caller must
 * not report success (the listener answers the phone 503, the API 503).
 */
export class ClusterUnavailableError extends ClusterError {
  override readonly name: string = 'ClusterUnavailableError';
}

/** The cluster's stored schema or options do not fit this daemon (bad URL, newer schema version). */
export class ClusterConfigError extends ClusterError {
  override readonly name: string = 'ClusterConfigError';
}

/** True for any error of this package (also from a duplicated copy of it). */
export function isClusterError(e: unknown): e is ClusterError {
  return (
    e instanceof ClusterError ||
    hasErrorName(e, ['ClusterError', 'ClusterUnavailableError', 'ClusterConfigError'])
  );
}

/** True when NATS could not confirm in time: answer 503, never 200. */
export function isClusterUnavailableError(e: unknown): e is ClusterUnavailableError {
  return e instanceof ClusterUnavailableError || hasErrorName(e, ['ClusterUnavailableError']);
}

/** True when the cluster's options or stored schema are unusable. */
export function isClusterConfigError(e: unknown): e is ClusterConfigError {
  return e instanceof ClusterConfigError || hasErrorName(e, ['ClusterConfigError']);
}

import { CLUSTER_SCHEMA_VERSION } from './names.js';
import { ClusterConfigError } from './errors.js';

// The `meta` key of the config bucket: what every daemon of one cluster must agree on. Written
// once by the first `init`; later daemons adopt it (the partition count never changes).

/** The cluster's stored layout: schema version, partition count and lease TTL. */
export interface ClusterMeta {
  readonly schemaVersion: number;
  readonly partitions: number;
  /** Lease TTL L the leases and members buckets were created with. */
  readonly leaseTtlMs: number;
}

/** Key of the meta record in the config bucket. */
export const META_KEY = 'meta';

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Parses a stored meta record; a malformed one is a ClusterConfigError (never guessed). */
export function parseMeta(text: string): ClusterMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ClusterConfigError('cluster: the stored meta record is not JSON', { cause: e });
  }
  if (typeof raw !== 'object' || raw === null) {
    throw new ClusterConfigError('cluster: the stored meta record is not an object');
  }
  const { schemaVersion, partitions, leaseTtlMs } = raw as Record<string, unknown>;
  if (!isPositiveInt(schemaVersion) || !isPositiveInt(partitions) || !isPositiveInt(leaseTtlMs)) {
    throw new ClusterConfigError(
      'cluster: the stored meta record lacks schemaVersion, partitions or leaseTtlMs',
    );
  }
  return { schemaVersion, partitions, leaseTtlMs };
}

/**
 * Checks that this daemon can work with the stored layout: a newer schema version means a newer
 * daemon migrated the cluster, and this one must not write into it.
 */
export function checkMeta(meta: ClusterMeta, supported: number = CLUSTER_SCHEMA_VERSION): void {
  if (meta.schemaVersion > supported) {
    throw new ClusterConfigError(
      `cluster: the stored schema version ${String(meta.schemaVersion)} is newer than this daemon's ${String(supported)}; upgrade the daemon`,
    );
  }
}

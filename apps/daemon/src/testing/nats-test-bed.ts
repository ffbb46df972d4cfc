import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { hasNatsServer, startNatsCluster } from '@snomlink/cluster-nats/testing';
import type { NatsTestCluster } from '@snomlink/cluster-nats/testing';

/** One nats-server and a temporary data directory for a file of in-process cluster daemon tests. */
export interface NatsTestBed {
  /** No nats-server binary: the file's `describe.skipIf(bed.missing)` skips (said loudly). */
  readonly missing: boolean;
  /** The running nats-server (throws before `beforeAll` started it). */
  readonly nats: NatsTestCluster;
  /** The temporary directory for the daemons' data dirs, removed after the file. */
  readonly dir: string;
}

/**
 * Registers the file's `beforeAll`/`afterAll` for one nats-server and a temporary directory, the
 * set-up every cluster e2e file of the daemon shares (cluster-nats has `useOneServer` for its own
 * tests). Call it at the top of the file; `what` names the tests in the skip warning.
 */
export function useNatsTestBed(what: string): NatsTestBed {
  const missing = !hasNatsServer();
  if (missing) {
    console.warn(`SKIPPED ${what}: nats-server is not installed (bash scripts/ensure-nats.sh)`);
  }
  let nats: NatsTestCluster | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    if (missing) return;
    nats = await startNatsCluster(1);
    dir = await mkdtemp(join(tmpdir(), 'snomlink-cluster-test-'));
  }, 60_000);
  afterAll(async () => {
    await nats?.dispose();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return {
    missing,
    get nats() {
      if (nats === undefined) throw new Error('useNatsTestBed: nats-server not started yet');
      return nats;
    },
    get dir() {
      if (dir === undefined) throw new Error('useNatsTestBed: directory not made yet');
      return dir;
    },
  };
}

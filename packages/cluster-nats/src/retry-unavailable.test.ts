import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterLogger, NatsCluster } from './cluster-types.js';
import { connectCluster } from './connect-cluster.js';
import { ClusterConfigError } from './errors.js';
import { retryDelay, retryUnavailable } from './retry-unavailable.js';
import { recorder } from './testing/cluster-recorder.js';
import { waitUntil } from './testing/lease-member.js';
import { hasNatsServer, startNatsCluster, type NatsTestCluster } from './testing/nats-server.js';

const missing = !hasNatsServer();

/** A logger that keeps the messages of its error lines. */
function errorLog(): { logger: ClusterLogger; errors: string[] } {
  const errors: string[] = [];
  const ignore = (): void => undefined;
  return {
    errors,
    logger: {
      info: ignore,
      warn: ignore,
      error: (_fields, message) => errors.push(message),
    },
  };
}

describe('retryUnavailable', () => {
  it('doubles the delay up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 40].map((a) => retryDelay(a, 1_000, 10_000))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000,
    ]);
  });

  it('retries until it works, but gives up at once on a configuration error', async () => {
    let calls = 0;
    const value = await retryUnavailable(
      () => (++calls < 3 ? Promise.reject(new Error('no responders')) : Promise.resolve(7)),
      { what: 'x', firstDelayMs: 1 },
    );
    expect([value, calls]).toEqual([7, 3]);
    await expect(
      retryUnavailable(() => Promise.reject(new ClusterConfigError('bad')), { what: 'x' }),
    ).rejects.toThrow('bad');
  });
});

describe.skipIf(missing)('a daemon started while NATS is down (1 nats-server)', () => {
  let nats: NatsTestCluster | undefined;
  let cluster: NatsCluster | undefined;

  afterEach(async () => {
    await cluster?.close();
    await nats?.dispose();
  });

  it('joins once NATS is up, and its start waits for the shared config instead of failing', async () => {
    nats = await startNatsCluster(1);
    const node = nats.nodes[0];
    if (node === undefined) throw new Error('no node');
    await node.kill();
    const { logger, errors } = errorLog();
    const options = { servers: [...nats.servers], nodeId: 'late', leaseTtlMs: 2_000, logger };
    let attempts = 0;
    const joining = retryUnavailable(() => connectCluster(options), {
      what: 'joining the cluster',
      logger,
      firstDelayMs: 200,
      maxDelayMs: 1_000,
      onRetry: () => {
        attempts++;
      },
    });
    await waitUntil(() => attempts >= 2, 60_000, 'two failed attempts');
    await node.start();
    cluster = await joining;
    expect(errors.some((e) => e.includes('joining the cluster failed'))).toBe(true);

    // NATS goes away between connecting and starting: start retries until it is back.
    await node.kill();
    const started = cluster.start(recorder(), { journalFromSeq: 1 });
    await waitUntil(
      () => errors.some((e) => e.includes('loading the shared config failed')),
      60_000,
      'a failed load logged',
    );
    await node.start();
    await started;
    await waitUntil(() => cluster?.status().connected === true, 30_000, 'connected');
  }, 180_000);
});

import { jetstreamManager } from '@nats-io/jetstream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StoredInput } from './cluster-types.js';
import { isClusterUnavailableError, isClusterError } from './errors.js';
import { createIngress } from './ingress.js';
import { clusterNames } from './names.js';
import { natsMissing, startLogTestEnv, type LogTestEnv } from './testing/log-test-env.js';

const missing = natsMissing();

describe.skipIf(missing)('ingress', () => {
  let env: LogTestEnv | undefined;
  afterEach(async () => {
    await env?.dispose();
    env = undefined;
  });

  it('stores the input on the phone’s partition subject and resolves with its sequence', async () => {
    env = await startLogTestEnv();
    const ingress = createIngress({ js: env.js, names: env.names, nodeId: 'n1' });
    const seq = await ingress.publishInput('phone-1', { kind: 'tick' }, 1234);
    const jsm = await jetstreamManager(env.nc);
    const msg = await jsm.streams.getMessage(env.names.eventsStream, { seq });
    expect(msg?.subject).toMatch(/\.ev\.\d+\.phone-1$/);
    expect(msg?.json<StoredInput>()).toEqual({
      phoneId: 'phone-1',
      input: { kind: 'tick' },
      receivedAt: 1234,
      via: 'n1',
    });
  });

  it('waits out "no responders" (no stream leader yet) within the ack timeout', async () => {
    env = await startLogTestEnv();
    const names = clusterNames('late');
    const ingress = createIngress({ js: env.js, names, nodeId: 'n1', ackTimeoutMs: 10_000 });
    // No stream takes the subject yet: the server answers "no responders" at once.
    const pending = ingress.publishInput('phone-1', { kind: 'tick' }, 1);
    const jsm = await jetstreamManager(env.nc);
    await jsm.streams.add({ name: names.eventsStream, subjects: ['late.ev.>'] });
    await expect(pending).resolves.toBe(1);
  });

  it('refuses a phone id that is not a safe subject token, publishing nothing', async () => {
    env = await startLogTestEnv();
    const ingress = createIngress({ js: env.js, names: env.names, nodeId: 'n1' });
    for (const bad of ['a.b', 'a*', '>', '', 'x'.repeat(65), 'a b']) {
      const error: unknown = await ingress
        .publishInput(bad, { kind: 'tick' }, 1)
        .catch((e: unknown) => e);
      expect(isClusterError(error)).toBe(true);
      expect(isClusterUnavailableError(error)).toBe(false);
    }
    const jsm = await jetstreamManager(env.nc);
    expect((await jsm.streams.info(env.names.eventsStream)).state.messages).toBe(0);
  });

  it('rejects with ClusterUnavailableError within the ack timeout when the server is gone', async () => {
    env = await startLogTestEnv();
    const ackTimeoutMs = 500;
    const ingress = createIngress({ js: env.js, names: env.names, nodeId: 'n1', ackTimeoutMs });
    await ingress.publishInput('phone-1', { kind: 'tick' }, 1);
    await env.server.nodes[0]!.kill();
    const started = performance.now();
    const error: unknown = await ingress
      .publishInput('phone-1', { kind: 'tick' }, 2)
      .catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(isClusterUnavailableError(error)).toBe(true);
    // Never before the timeout would have let an ack arrive, and not much later than it (a loaded
    // machine may fire the timer late, hence the generous upper bound).
    expect(elapsed).toBeLessThan(ackTimeoutMs * 6);
    expect(ingress.refused()).toBe(1);

    // The server comes back: the same ingress stores inputs again, with no restart of ours.
    await env.server.nodes[0]!.start();
    await vi.waitFor(
      async () => {
        await expect(ingress.publishInput('phone-1', { kind: 'tick' }, 3)).resolves.toBeGreaterThan(
          1,
        );
      },
      { timeout: 30_000, interval: 200 },
    );
  });
});

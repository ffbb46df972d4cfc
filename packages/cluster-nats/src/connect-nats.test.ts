import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authOptions, checkServers, connectNats } from './connect-nats.js';
import { isClusterConfigError } from './errors.js';
import { hasNatsServer, startNatsCluster, type NatsTestCluster } from './testing/nats-server.js';

describe('checkServers', () => {
  it('accepts nats:// and tls:// host:port URLs only', () => {
    expect(checkServers(['nats://a:4222', 'tls://b:4222'])).toHaveLength(2);
    for (const bad of [[], ['http://a:4222'], ['nats://a:4222/path'], ['a:4222'], ['nats://a b']]) {
      expect(() => checkServers(bad)).toThrow(/cluster:/);
    }
  });
});

describe('authOptions', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snomlink-auth-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('maps user/password, token and TLS files', () => {
    expect(authOptions({ user: 'u', pass: 'p' }, undefined)).toEqual({ user: 'u', pass: 'p' });
    expect(authOptions({ token: 't' }, undefined)).toEqual({ token: 't' });
    expect(authOptions(undefined, { caFile: '/ca.pem' })).toEqual({ tls: { caFile: '/ca.pem' } });
    expect(authOptions(undefined, undefined)).toEqual({});
  });

  it('reads a creds file once, and refuses a missing one with a ClusterConfigError', async () => {
    const creds = join(dir, 'user.creds');
    await writeFile(creds, '-----BEGIN NATS USER JWT-----\nx\n------END NATS USER JWT------\n');
    expect(typeof authOptions({ credsFile: creds }, undefined).authenticator).toBe('function');
    let error: unknown = null;
    try {
      authOptions({ credsFile: join(dir, 'missing.creds') }, undefined);
    } catch (e) {
      error = e;
    }
    expect(isClusterConfigError(error)).toBe(true);
    expect(String(error)).toMatch(/missing\.creds/);
  });
});

describe.skipIf(!hasNatsServer())('connectNats', () => {
  let nats: NatsTestCluster;
  beforeAll(async () => {
    nats = await startNatsCluster(1);
  });
  afterAll(async () => {
    await nats.dispose();
  });

  it('reports the server version, connection state and cluster size, and reconnects', async () => {
    const link = await connectNats({ servers: nats.servers, nodeId: 't' });
    try {
      expect(link.serverVersion()).toMatch(/^2\.\d+\.\d+/);
      expect(link.connected()).toBe(true);
      expect(link.clusterSize()).toBe(1);
      const [server] = nats.nodes;
      if (server === undefined) throw new Error('node');
      await server.kill();
      const deadline = Date.now() + 10_000;
      while (link.connected() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(link.connected()).toBe(false);
      await server.start();
      while (!link.connected() && Date.now() < deadline + 20_000) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(link.connected()).toBe(true);
    } finally {
      await link.close();
    }
    expect(link.connected()).toBe(false);
  });
});

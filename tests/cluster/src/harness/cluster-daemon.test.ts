import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../system/src/harness/daemon-process.js';
import {
  clusterArgs,
  clusterDaemonConfig,
  clusterToken,
  createClusterDaemon,
} from './cluster-daemon.js';
import type { ClusterDaemon } from './cluster-daemon.js';

const join = { servers: ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223'], leaseTtlMs: 2500 };
let daemon: ClusterDaemon | undefined;

afterEach(async () => {
  await daemon?.kill('SIGKILL');
  daemon = undefined;
});

/** Whether the admin API answers within `ms`. */
async function answers(d: ClusterDaemon, ms: number): Promise<boolean> {
  try {
    const response = await d.api('/api/health', { signal: AbortSignal.timeout(ms) });
    await response.arrayBuffer();
    return response.status < 500;
  } catch {
    return false;
  }
}

describe('cluster daemon process control', () => {
  it('puts the member in cluster mode with its node id, servers and lease TTL', () => {
    expect(clusterArgs('node-2', join)).toEqual([
      '--cluster',
      'nats://127.0.0.1:4222,nats://127.0.0.1:4223',
      '--node-id',
      'node-2',
    ]);
    const config = clusterDaemonConfig({
      nodeId: 'node-2',
      join,
      token: 't',
      adminPort: 1,
      listenerPort: 2,
      publicHost: '127.0.0.1:3',
      phones: [],
    });
    expect(config['cluster']).toEqual({ servers: join.servers, leaseTtlMs: 2500 });
    expect(config['listener']).toMatchObject({ port: 2, publicHost: '127.0.0.1:3' });
  });

  it('starts, freezes (SIGSTOP), resumes, is killed and restarts in place', async () => {
    daemon = await createClusterDaemon({
      nodeId: 'solo',
      join,
      token: clusterToken(),
      adminPort: await freePort(),
      listenerPort: await freePort(),
      publicHost: '127.0.0.1:9',
      phones: [],
      clusterMode: false,
    });
    const d = daemon;
    const first = await d.start();
    expect(await answers(d, 10_000)).toBe(true);
    d.pause();
    expect(d.paused).toBe(true);
    expect(await answers(d, 1000)).toBe(false);
    d.resume();
    expect(await answers(d, 10_000)).toBe(true);
    await d.kill('SIGKILL');
    expect(d.process).toBeNull();
    await expect(d.api('/api/health')).rejects.toThrow(/not running/);
    const second = await d.start();
    expect(second.pid).not.toBe(first.pid);
    expect(second.adminBase).toBe(d.adminBase);
    expect(await answers(d, 10_000)).toBe(true);
  });
});

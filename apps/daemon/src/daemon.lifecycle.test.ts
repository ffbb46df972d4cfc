/** createDaemon opens nothing; start() opens the journal and the sockets, stop() closes them. */
import { access, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigStore } from './config/config-store.js';
import type { Daemon } from './daemon.js';
import { createLoopbackDaemon, openLoopbackConfig } from './testing/loopback-daemon.js';

let dir: string;
let config: ConfigStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-lifecycle-'));
  config = await openLoopbackConfig(dir);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const daemonIn = (dataDir: string): Daemon => createLoopbackDaemon(config, dataDir);

describe('createDaemon', () => {
  it('opens the journal database in start(), not when created', async () => {
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    const daemon = daemonIn(dataDir);
    await expect(access(join(dataDir, 'journal.sqlite'))).rejects.toThrow();
    expect(daemon.journal.status.ok).toBe(false);
    const addresses = await daemon.start();
    await access(join(dataDir, 'journal.sqlite'));
    expect(daemon.journal.status.ok).toBe(true);
    const health = await fetch(`http://127.0.0.1:${String(addresses.admin.port)}/api/health`, {
      headers: { authorization: `Bearer ${config.current.admin.token}` },
    });
    expect(health.status).toBe(200);
    await daemon.stop();
    await expect(
      fetch(`http://127.0.0.1:${String(addresses.admin.port)}/api/health`),
    ).rejects.toThrow();
  });

  it('fails in start() when the journal cannot be opened, binding nothing; stop() still works', async () => {
    // The data directory is a regular file: no database can be created below it.
    const daemon = daemonIn(config.file);
    await expect(daemon.start()).rejects.toThrow();
    expect(daemon.listenerStatus().state).toBe('inactive');
    await daemon.stop();
  });

  it('creates a missing data directory (0700) in start()', async () => {
    const dataDir = join(dir, 'var', 'lib', 'snomlink');
    const daemon = daemonIn(dataDir);
    await expect(access(dataDir)).rejects.toThrow();
    await daemon.start();
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    await access(join(dataDir, 'journal.sqlite'));
    await daemon.stop();
  });
});

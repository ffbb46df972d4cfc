import { join } from 'node:path';
import { pino } from 'pino';
import { openConfigStore, type ConfigStore } from '../config/config-store.js';
import type { Config } from '../config/config-schema.js';
import { createDaemon } from '../daemon.js';
import type { Daemon, DaemonOptions } from '../daemon.js';
import { sourceWriterThread } from './source-writer-thread.js';

/**
 * Opens (creating) `dir/config.json` for an in-process test daemon: the listener on a free
 * loopback port, health checks off, then `more` (sections a test needs: phones, journal, …).
 */
export function openLoopbackConfig(
  dir: string,
  more: (config: Config) => Config = (config) => config,
): Promise<ConfigStore> {
  return openConfigStore({
    file: join(dir, 'config.json'),
    initial: (c) =>
      more({
        ...c,
        listener: { ...c.listener, host: '127.0.0.1', port: 0 },
        health: { ...c.health, intervalMs: 0 },
      }),
  });
}

/**
 * A daemon for in-process tests: silent logs, the admin API on a free loopback port, no web UI;
 * `options` adds to or replaces those.
 */
export function createLoopbackDaemon(
  config: ConfigStore,
  dataDir: string,
  options: Partial<DaemonOptions> = {},
): Daemon {
  return createDaemon({
    config,
    dataDir,
    logger: pino({ level: 'silent' }),
    admin: { host: '127.0.0.1', port: 0 },
    webUiDir: null,
    // The journal's writer thread (the default) from its TypeScript source.
    startWriterThread: sourceWriterThread(),
    ...options,
  });
}

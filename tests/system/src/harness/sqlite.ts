import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from './daemon-process.js';

/** The few better-sqlite3 calls the tests make on the daemon's journal file. */
export interface SqliteHandle {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  prepare(sql: string): {
    all(...params: unknown[]): unknown[];
    get(...params: unknown[]): unknown;
  };
  exec(sql: string): void;
  close(): void;
}

type SqliteConstructor = new (
  file: string,
  options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number },
) => SqliteHandle;

/**
 * The daemon's own better-sqlite3 (resolved from apps/daemon), so the tests read the journal
 * file exactly as the daemon writes it without a second native dependency.
 */
export function openSqlite(
  file: string,
  options?: { readonly?: boolean; timeout?: number },
): SqliteHandle {
  const require = createRequire(join(REPO_ROOT, 'apps/daemon/package.json'));
  const Database = require('better-sqlite3') as SqliteConstructor;
  return new Database(file, { fileMustExist: true, ...options });
}

/** Path of better-sqlite3 as the daemon resolves it (for child processes). */
export function sqliteModulePath(): string {
  const require = createRequire(join(REPO_ROOT, 'apps/daemon/package.json'));
  return require.resolve('better-sqlite3');
}

/** A failed atomic write leaves no temp file (it would hold the token and the passwords). */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const failWrites = vi.hoisted(() => ({ on: false }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>): Promise<FileHandle> => {
      const handle = await fs.open(...args);
      if (!failWrites.on || !String(args[0]).endsWith('.tmp')) return handle;
      // A full disk: the temp file exists, writing into it fails.
      return Object.assign(Object.create(handle) as FileHandle, {
        writeFile: () =>
          Promise.reject(
            Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }),
          ),
        close: () => handle.close(),
      });
    },
  };
});

const { writeFileAtomic } = await import('./config-store.js');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-atomic-'));
  failWrites.on = false;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('removes its temp file and keeps the old file when writing fails', async () => {
    const file = join(dir, 'config.json');
    await writeFile(file, 'old');
    failWrites.on = true;
    await expect(writeFileAtomic(file, '{"admin":{"token":"secret"}}')).rejects.toThrow(/ENOSPC/);
    expect(await readdir(dir)).toEqual(['config.json']);
    expect(await readFile(file, 'utf8')).toBe('old');
  });

  it('replaces the file when writing works', async () => {
    const file = join(dir, 'config.json');
    await writeFileAtomic(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['config.json']);
  });
});

import fs from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from './logger.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-logger-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('createLogger (JSON lines)', () => {
  it('writes off the event loop and lines logged together in few writes, none lost', async () => {
    // Issue 19: one synchronous write(2) per line was ~6 % of the daemon's CPU at saturation.
    const file = join(dir, 'log.jsonl');
    const fd = fs.openSync(file, 'w');
    const writeSync = vi.spyOn(fs, 'writeSync');
    const write = vi.spyOn(fs, 'write');
    const logger = createLogger({ pretty: false, fd });
    for (let i = 0; i < 200; i++) logger.info({ secret: 's3cret', i }, 'call ringing');
    expect(writeSync).not.toHaveBeenCalled();
    await vi.waitFor(async () => {
      expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(200);
    });
    expect(write.mock.calls.length).toBeLessThan(10);
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number; secret: string; msg: string });
    expect(lines.map((l) => l.i)).toEqual([...Array(200).keys()]);
    expect(lines[0]).toMatchObject({ msg: 'call ringing', secret: '[redacted]' });
    fs.closeSync(fd);
  });
});

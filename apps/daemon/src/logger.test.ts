import fs from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger, withoutRedaction } from './logger.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-logger-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const turn = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve);
  });

describe('createLogger (JSON lines)', () => {
  it('gathers lines logged in different turns into few writes, none on the loop, none lost', async () => {
    // Issue 19: a write per line (pino's default destination) was 10-14 % of the daemon's busy
    // time at 50 calls/s.
    const file = join(dir, 'log.jsonl');
    const fd = fs.openSync(file, 'w');
    const writeSync = vi.spyOn(fs, 'writeSync');
    const write = vi.spyOn(fs, 'write');
    const logger = createLogger({ pretty: false, fd });
    for (let i = 0; i < 30; i++) {
      logger.info({ secret: 's3cret', i }, 'call ringing');
      for (let t = 0; t < 4; t++) await turn();
    }
    expect(writeSync).not.toHaveBeenCalled();
    // The lines come out without anything else being logged (the periodic flush).
    await vi.waitFor(async () => {
      expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(30);
    });
    // Not counting the periodic flush's empty writes: 30 short lines fit one write.
    const nonEmpty = write.mock.calls.filter((call) => call[1].length > 0);
    expect(nonEmpty.length).toBeLessThanOrEqual(2);
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number; secret: string; msg: string });
    expect(lines.map((l) => l.i)).toEqual([...Array(30).keys()]);
    expect(lines[0]).toMatchObject({ msg: 'call ringing', secret: '[redacted]' });
    fs.closeSync(fd);
  });

  it('writes a warning at once, with the lines before it', async () => {
    const file = join(dir, 'log.jsonl');
    const fd = fs.openSync(file, 'w');
    const write = vi.spyOn(fs, 'write');
    const logger = createLogger({ pretty: false, fd });
    logger.info('call offering');
    logger.info('call connected');
    expect(write).not.toHaveBeenCalled();
    logger.warn({ type: 'evicted' }, 'connection evicted');
    expect(write).toHaveBeenCalledTimes(1);
    await vi.waitFor(async () => {
      expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(3);
    });
    fs.closeSync(fd);
  });

  it('withoutRedaction: a child for hand-picked fields skips the redactor, the parent keeps it', async () => {
    const file = join(dir, 'log.jsonl');
    const fd = fs.openSync(file, 'w');
    const logger = createLogger({ pretty: false, fd });
    withoutRedaction(logger).info({ token: 'as-given', phoneId: 'desk-201' }, 'call finished');
    logger.info({ token: 'hidden' }, 'config');
    logger.warn('flush');
    await vi.waitFor(async () => {
      expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(3);
    });
    const [unredacted, redacted] = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(unredacted).toMatchObject({ token: 'as-given', phoneId: 'desk-201', level: 30 });
    expect(redacted).toMatchObject({ token: '[redacted]' });
    fs.closeSync(fd);
  });
});

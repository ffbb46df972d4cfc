import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Health } from './harness/api-types.js';
import { startDaemon } from './harness/daemon-process.js';
import type { DaemonProcess } from './harness/daemon-process.js';
import { closePhones, startPhones } from './harness/phones.js';
import type { TestPhone } from './harness/phones.js';
import { events, finished, journal, provisionAll } from './harness/scenario.js';
import type { SseClient } from './harness/sse-client.js';
import { sqliteModulePath } from './harness/sqlite.js';

let daemon: DaemonProcess | undefined;
let phones: TestPhone[] = [];
let sse: SseClient | undefined;
let locker: ChildProcess | undefined;

afterEach(async () => {
  locker?.kill('SIGKILL');
  sse?.close();
  await daemon?.stop();
  await closePhones(phones);
  daemon = undefined;
  sse = undefined;
  locker = undefined;
  phones = [];
});

/**
 * Another process takes SQLite's write lock on the journal (as a backup tool or an `sqlite3`
 * shell with an open write transaction would) until told to let go. This is how the suite
 * makes journal writes fail: CI runs as root, where a read-only file or directory does not
 * stop writes, and the daemon keeps its database file open anyway.
 */
async function lockJournal(file: string): Promise<{ release(): Promise<void> }> {
  const source = `
    const Database = require(${JSON.stringify(sqliteModulePath())});
    const db = new Database(${JSON.stringify(file)});
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['pipe', 'pipe', 'inherit'] });
  locker = child;
  const said = (word: string): Promise<void> =>
    new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes(word)) resolve();
      });
      child.once('exit', (code) => {
        if (!out.includes(word))
          reject(new Error(`lock holder exited (${String(code)}) before "${word}"`));
      });
    });
  await said('locked');
  return {
    async release() {
      const done = said('released');
      child.stdin.write('go\n');
      await done;
    },
  };
}

async function call(phone: TestPhone, sseClient: SseClient, number: string): Promise<string> {
  const id = await phone.phone.ring(number, { display: 'Journal Test' });
  await phone.phone.answer(id);
  await phone.phone.hangUp(id);
  await finished(sseClient, id, 30_000);
  return id;
}

describe('the journal cannot be written', () => {
  it('keeps handling calls, says so loudly in the log and /api/health, and recovers without losing a call', async () => {
    phones = await startPhones([{ id: 'desk-1', model: 'snom360' }]);
    daemon = await startDaemon({ phones: phones.map((p) => p.entry) });
    sse = await events(daemon);
    await provisionAll(daemon, phones);
    const desk = phones[0]!;

    const before = await call(desk, sse, '+4930200001');
    expect((await daemon.json<Health>('/api/health')).journal.ok).toBe(true);

    const lock = await lockJournal(join(daemon.dataDir, 'journal.sqlite'));
    // Calls keep flowing while every write fails.
    const during1 = await call(desk, sse, '+4930200002');
    const during2 = await call(desk, sse, '+4930200003');
    await daemon.waitForOutput(/JOURNAL WRITE FAILED/);
    const failing = await daemon.json<Health>('/api/health');
    expect(failing.status).toBe('degraded');
    expect(failing.journal.ok).toBe(false);
    expect(failing.journal.error).toMatch(/lock|busy/i);
    // Both calls wait in memory; none was dropped.
    expect(failing.journal.pending).toBeGreaterThanOrEqual(2);
    expect(failing.journal.dropped).toBeUndefined();
    const errorLine = daemon
      .output()
      .split('\n')
      .find((line) => line.includes('JOURNAL WRITE FAILED'));
    expect(JSON.parse(errorLine!)).toMatchObject({ level: 50 });

    await lock.release();
    // The next write (or the retry timer) brings it back; nothing written during the
    // failure is lost.
    const after = await call(desk, sse, '+4930200004');
    await daemon.waitForOutput(/journal recovered/);
    const recovered = await daemon.json<Health>('/api/health');
    expect(recovered.status).toBe('ok');
    expect(recovered.journal).toEqual({ ok: true });

    const rows = await journal(daemon);
    for (const id of [before, during1, during2, after]) {
      expect(
        rows.filter((r) => r.sipCallId === id),
        id,
      ).toHaveLength(1);
    }
    expect(rows.find((r) => r.sipCallId === during1)?.remoteNumber).toBe('+4930200002');
  }, 120_000);
});

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiCall, SseCall } from './harness/api-types.js';
import { startDaemon } from './harness/daemon-process.js';
import type { DaemonProcess } from './harness/daemon-process.js';
import { closePhones, startPhones } from './harness/phones.js';
import type { TestPhone } from './harness/phones.js';
import {
  callState,
  events,
  finished,
  journal,
  liveCalls,
  provisionAll,
} from './harness/scenario.js';
import type { SseClient } from './harness/sse-client.js';
import { openSqlite } from './harness/sqlite.js';

const daemons: DaemonProcess[] = [];
const readers: SseClient[] = [];
let phones: TestPhone[] = [];

afterEach(async () => {
  for (const r of readers) r.close();
  await Promise.all(daemons.map((d) => d.stop()));
  await closePhones(phones);
  daemons.length = 0;
  readers.length = 0;
  phones = [];
});

describe('SIGKILL mid-call, then restart', () => {
  it('keeps config and journal whole and leaves nothing stuck after the phone’s next events', async () => {
    phones = await startPhones([
      { id: 'desk-a', model: 'snom360' },
      { id: 'desk-b', model: 'snom360' },
    ]);
    const [a, b] = phones as [TestPhone, TestPhone];
    const first = await startDaemon({ phones: phones.map((p) => p.entry) });
    daemons.push(first);
    const sse = await events(first);
    readers.push(sse);
    await provisionAll(first, phones);

    // Two calls finished before the crash.
    const done: string[] = [];
    for (const number of ['+4930100001', '+4930100002']) {
      const id = await a.phone.ring(number, { display: 'Before Crash' });
      await a.phone.answer(id);
      await a.phone.hangUp(id);
      await finished(sse, id);
      done.push(id);
    }

    // A call in progress on desk-a when the daemon dies.
    const live = await a.phone.ring('+4930199999', { display: 'Live Through Crash' });
    await a.phone.answer(live);
    await callState(sse, 'desk-a', 'connected');

    // Journal writes racing the kill: desk-b's calls are sent straight at the listener.
    const secret = b.entry.secret;
    const base = `${first.listenerBase}/snom/desk-b`;
    let answered = 0;
    const storm = (async () => {
      for (let i = 0; i < 400; i++) {
        const cid = `storm-${i}@pbx.example`;
        try {
          const r1 = await fetch(
            `${base}/incoming?k=${secret}&cid=${cid}&n=1&remote=sip:+4930555${String(i).padStart(4, '0')}@pbx.example&dr=Storm`,
          );
          await r1.arrayBuffer();
          const r2 = await fetch(`${base}/missed?k=${secret}&cid=${cid}&n=0`);
          await r2.arrayBuffer();
          answered++;
        } catch {
          return; // the daemon is gone
        }
      }
    })();
    await sse.waitFor(
      (m) =>
        m.event === 'call' &&
        (JSON.parse(m.data) as SseCall).call.sipCallId === 'storm-60@pbx.example',
    );
    const configBefore = await readFile(first.configFile, 'utf8');
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    await storm;
    expect(answered).toBeGreaterThan(0);
    const seenFinished = sse
      .dataOf<SseCall>('call')
      .filter((d) => d.type === 'call-finished')
      .map((d) => d.call.sipCallId);

    // Files after the crash: config byte for byte, 0600, no temp file left; journal consistent.
    expect(await readFile(first.configFile, 'utf8')).toBe(configBefore);
    expect((await stat(first.configFile)).mode & 0o777).toBe(0o600);
    expect((await readdir(first.dataDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const db = openSqlite(join(first.dataDir, 'journal.sqlite'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = db.prepare('SELECT * FROM calls').all() as Record<string, unknown>[];
      for (const row of rows) {
        expect(row['phone_id']).toMatch(/^desk-[ab]$/);
        expect(typeof row['call_id']).toBe('string');
        expect(typeof row['started_at']).toBe('number');
        expect(typeof row['ended_at']).toBe('number');
      }
    } finally {
      db.close();
    }

    // Restart on the same data dir and config.
    const second = await startDaemon({ dataDir: first.dataDir, keepConfig: true });
    daemons.push(second);
    const sse2 = await events(second);
    readers.push(sse2);
    expect(await readFile(second.configFile, 'utf8')).toBe(configBefore);
    const { phones: listed } = await second.json<{ phones: { id: string }[] }>('/api/phones');
    expect(listed.map((p) => p.id).sort()).toEqual(['desk-a', 'desk-b']);

    const rows = await journal(second);
    const count = (sipCallId: string | null): number =>
      rows.filter((r) => r.sipCallId === sipCallId).length;
    for (const id of [...done, ...seenFinished]) expect(count(id), String(id)).toBe(1);
    for (const row of rows) expect(row.endedAt).toBeGreaterThanOrEqual(row.startedAt);
    expect(rows.filter((r) => r.sipCallId === live)).toEqual([]);

    // The phone still has its call; its next events (hold, unhold, hang-up) must leave nothing
    // stuck, and the line must work normally afterwards. (Recreating the forgotten call from
    // these events is not done by core today: see the report in docs/operations.md.)
    await a.phone.hold(live);
    await a.phone.unhold(live);
    await a.phone.hangUp(live);
    const afterId = await a.phone.ring('+4930177777', { display: 'After Restart' });
    await a.phone.answer(afterId);
    await callState(sse2, 'desk-a', 'connected');
    expect((await liveCalls(second)).map((c: ApiCall) => c.sipCallId)).toEqual([afterId]);
    await a.phone.hangUp(afterId);
    await finished(sse2, afterId);
    expect(await liveCalls(second)).toEqual([]);
    const final = await journal(second);
    expect(final.filter((r) => r.sipCallId === afterId)).toHaveLength(1);
    expect(final.filter((r) => r.sipCallId === live).length).toBeLessThanOrEqual(1);
  });
});

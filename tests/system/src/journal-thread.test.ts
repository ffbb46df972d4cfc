import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDaemon } from './harness/daemon-process.js';
import { endAfterEach } from './harness/cleanup.js';
import { startPhones } from './harness/phones.js';
import type { TestPhone } from './harness/phones.js';
import { events, finished, journal, provisionAll } from './harness/scenario.js';
import { openSqlite } from './harness/sqlite.js';

const ended = endAfterEach();

describe('journal.writerThread in the built daemon', () => {
  it('journals from the bundled writer thread; a call seen finished survives a SIGKILL right after', async () => {
    const phones = ended.phones(await startPhones([{ id: 'desk-a', model: 'snom360' }]));
    const [a] = phones as [TestPhone];
    const daemon = ended.daemon(
      await startDaemon({
        phones: phones.map((p) => p.entry),
        config: { journal: { writerThread: true } },
      }),
    );
    await daemon.waitForOutput(/journal: SQLite writes from a worker thread/);
    const sse = ended.reader(await events(daemon));
    await provisionAll(daemon, phones);

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await a.phone.ring(`+493010000${String(i)}`, { display: `Caller ${String(i)}` });
      await a.phone.answer(id);
      await a.phone.hangUp(id);
      ids.push(id);
    }
    for (const id of ids) await finished(sse, id);
    // Readers of the API see them too (the read waits for the thread's answer).
    expect((await journal(daemon)).map((e) => e.sipCallId).sort()).toEqual([...ids].sort());

    // Killed right after SSE said finished: every call a reader saw end is on disk.
    expect(await daemon.stop('SIGKILL')).toBe('SIGKILL');
    const db = openSqlite(join(daemon.dataDir, 'journal.sqlite'), { readonly: true });
    try {
      const rows = db.prepare('SELECT sip_call_id FROM calls').all() as { sip_call_id: string }[];
      expect(rows.map((r) => r.sip_call_id).sort()).toEqual([...ids].sort());
    } finally {
      db.close();
    }
  });
});

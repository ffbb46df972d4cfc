import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiCall, JournalEntry, SseActionEvent, SseCall } from './harness/api-types.js';
import { startDaemon } from './harness/daemon-process.js';
import { endAfterEach } from './harness/cleanup.js';
import { startPhones } from './harness/phones.js';
import type { TestPhone } from './harness/phones.js';
import { events, finished, journal, liveCalls, provisionAll } from './harness/scenario.js';
import type { SseClient } from './harness/sse-client.js';
import { openSqlite } from './harness/sqlite.js';

const ended = endAfterEach();

/** Waits for an SSE `call-state` of the call with this SIP Call-ID reaching `state`. */
function stateOf(sse: SseClient, sipCallId: string, state: string): Promise<SseCall> {
  return sse.waitForData<SseCall>(
    'call',
    (d) => d.type === 'call-state' && d.call.sipCallId === sipCallId && d.call.state === state,
    20_000,
  );
}

/** The `$remote` user part a fired Action URL of `kind` for `callId` carried (raw, as sent). */
function reportedNumber(phone: TestPhone, kind: string, callId: string): string {
  const fired = phone.phone.firedActionUrls.find((f) => f.kind === kind && f.callId === callId);
  const remote = fired === undefined ? undefined : /[?&]remote=([^&]*)/.exec(fired.url)?.[1];
  // Real phones send `user@host` without `sip:` (snom-evidence.md §1); accept both forms.
  const user = remote === undefined ? undefined : /^(?:sips?:)?([^@]+)@/.exec(remote)?.[1];
  if (user === undefined) throw new Error(`no ${kind} Action URL with a $remote for ${callId}`);
  return user;
}

describe('SIGKILL mid-call, then restart', () => {
  it('keeps config and journal whole and reconciles the calls live at the kill from the phones’ next events', async () => {
    const phones = ended.phones(
      await startPhones([
        { id: 'desk-a', model: 'snom360' },
        { id: 'desk-b', model: 'snom360' },
        { id: 'desk-c', model: 'snom360' },
        { id: 'desk-d', model: 'snom360' },
      ]),
    );
    const [a, b, c, d] = phones as [TestPhone, TestPhone, TestPhone, TestPhone];
    const first = ended.daemon(await startDaemon({ phones: phones.map((p) => p.entry) }));
    const sse = ended.reader(await events(first));
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

    // Calls in progress when the daemon dies: desk-a's is held, resumed and hung up after the
    // restart; desk-c's ends while the daemon is down; desk-d's far end hangs up after it.
    const live = await a.phone.ring('+4930199999', { display: 'Live Through Crash' });
    await a.phone.answer(live);
    await stateOf(sse, live, 'connected');
    const gone = await c.phone.ring('+4930188888', { display: 'Ends While Down' });
    await c.phone.answer(gone);
    await stateOf(sse, gone, 'connected');
    const direct = await d.phone.ring('+4930166666', { display: 'Hung Up After Restart' });
    await d.phone.answer(direct);
    await stateOf(sse, direct, 'connected');

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
      .filter((e) => e.type === 'call-finished')
      .map((e) => e.call.sipCallId);

    // desk-c's call ends while nothing listens: its hang-up Action URLs are refused.
    await c.phone.hangUp(gone);
    const lostUrls = c.phone.firedActionUrls.filter((f) => f.callId === gone);
    expect(lostUrls.filter((f) => f.kind === 'disconnected' || f.kind === 'onhook')).not.toEqual(
      [],
    );
    for (const f of lostUrls.filter((u) => u.kind === 'disconnected' || u.kind === 'onhook')) {
      expect(f.status, `${f.kind} of the call that ended while down`).toBeNull();
    }

    // Files after the crash: config byte for byte, 0600, no temp file left; journal consistent.
    expect(await readFile(first.configFile, 'utf8')).toBe(configBefore);
    expect((await stat(first.configFile)).mode & 0o777).toBe(0o600);
    expect((await readdir(first.dataDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const db = openSqlite(join(first.dataDir, 'journal.sqlite'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const rows = db.prepare('SELECT * FROM calls').all() as Record<string, unknown>[];
      for (const row of rows) {
        expect(row['phone_id']).toMatch(/^desk-[a-d]$/);
        expect(typeof row['call_id']).toBe('string');
        expect(typeof row['started_at']).toBe('number');
        expect(typeof row['ended_at']).toBe('number');
      }
    } finally {
      db.close();
    }

    // Restart on the same data dir and config.
    const second = ended.daemon(await startDaemon({ dataDir: first.dataDir, keepConfig: true }));
    const sse2 = ended.reader(await events(second));
    expect(await readFile(second.configFile, 'utf8')).toBe(configBefore);
    const { phones: listed } = await second.json<{ phones: { id: string }[] }>('/api/phones');
    expect(listed.map((p) => p.id).sort()).toEqual(['desk-a', 'desk-b', 'desk-c', 'desk-d']);

    const rows = await journal(second);
    const count = (sipCallId: string | null): number =>
      rows.filter((r) => r.sipCallId === sipCallId).length;
    for (const id of [...done, ...seenFinished]) expect(count(id), String(id)).toBe(1);
    for (const row of rows) expect(row.endedAt).toBeGreaterThanOrEqual(row.startedAt);
    for (const id of [live, gone, direct]) expect(count(id), id).toBe(0);
    // The new process knows none of the calls that were live at the kill.
    expect(await liveCalls(second)).toEqual([]);

    // desk-a: holding the call the new process never saw brings it back as live…
    await a.phone.hold(live);
    const held = await stateOf(sse2, live, 'onhold');
    expect(held.call.phoneId).toBe('desk-a');
    expect(held.call.direction).toBe('unknown');
    expect(
      (await liveCalls(second)).map((call: ApiCall) => [call.phoneId, call.sipCallId, call.state]),
    ).toEqual([['desk-a', live, 'onhold']]);
    // …resuming it makes it connected again…
    await a.phone.unhold(live);
    await stateOf(sse2, live, 'connected');
    expect((await liveCalls(second, 'desk-a')).map((call) => call.state)).toEqual(['connected']);
    // …and hanging up journals it once, with the Call-ID and the number the hang-up reported.
    await a.phone.hangUp(live);
    const liveEnd = await finished(sse2, live);
    expect(liveEnd.call.phoneId).toBe('desk-a');

    // desk-d: the far end hangs up a call the new process never saw: `disconnected` creates
    // and finishes it in one step; the phone's `onhook` for the same Call-ID adds nothing.
    await d.phone.remoteHangUp(direct);
    const directEnd = await finished(sse2, direct);
    expect(directEnd.missed).not.toBe(true);
    await sse2.waitForData<SseActionEvent>(
      'action-event',
      (e) =>
        e.event.phoneId === 'desk-d' &&
        e.event.kind === 'onhook' &&
        e.event.params.callId === direct,
    );

    // desk-c: its call ended while the daemon was down; its next call works normally.
    const afterId = await c.phone.ring('+4930177777', { display: 'After Restart' });
    await c.phone.answer(afterId);
    await stateOf(sse2, afterId, 'connected');
    expect((await liveCalls(second)).map((call: ApiCall) => call.sipCallId)).toEqual([afterId]);
    await c.phone.hangUp(afterId);
    await finished(sse2, afterId);

    // Nothing stays live; every call is in the journal exactly once.
    expect(await liveCalls(second)).toEqual([]);
    const final = await journal(second);
    const rowsOf = (sipCallId: string): JournalEntry[] =>
      final.filter((r) => r.sipCallId === sipCallId);
    const [liveRow] = rowsOf(live);
    expect(rowsOf(live)).toHaveLength(1);
    expect(liveRow).toMatchObject({
      phoneId: 'desk-a',
      sipCallId: live,
      remoteNumber: reportedNumber(a, 'disconnected', live),
      direction: 'unknown',
      disconnectMode: 'normal',
      missed: false,
    });
    expect(liveRow?.connectedAt).not.toBeNull();
    expect(reportedNumber(a, 'disconnected', live)).toBe('+4930199999');
    const [directRow] = rowsOf(direct);
    expect(rowsOf(direct)).toHaveLength(1);
    expect(directRow).toMatchObject({
      phoneId: 'desk-d',
      sipCallId: direct,
      remoteNumber: reportedNumber(d, 'disconnected', direct),
      direction: 'unknown',
      disconnectMode: 'unknown',
      connectedAt: null,
      missed: false,
    });
    expect(rowsOf(afterId)).toHaveLength(1);
    expect(rowsOf(afterId)[0]).toMatchObject({ phoneId: 'desk-c', remoteNumber: '+4930177777' });
    // The call that ended unseen is not invented (nothing reported it to the new process).
    expect(rowsOf(gone)).toEqual([]);
    for (const id of [...done, ...seenFinished])
      expect(
        final.filter((r) => r.sipCallId === id),
        String(id),
      ).toHaveLength(1);
  });
});

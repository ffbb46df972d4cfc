/**
 * The daemon with the journal's writer thread (issue 19), as the `snomlink` command runs it: no
 * reader (SSE, the hub's subscribers: webhooks, MQTT, TAPI, mail) sees a call finished before it
 * is on disk, so a kill -9 cannot lose a call a reader saw end, and events keep their order.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SnomlinkEvent } from '@snomlink/core';
import type { ConfigStore } from './config/config-store.js';
import type { Daemon } from './daemon.js';
import type { BufferedEvent } from './events/event-buffer.js';
import { finishedCall } from './testing/fixtures.js';
import { createLoopbackDaemon, openLoopbackConfig } from './testing/loopback-daemon.js';
import { sourceWriterThread } from './testing/source-writer-thread.js';

let dir: string;
let config: ConfigStore;
let daemon: Daemon;
/** A second connection to the journal file: what a restarted process would read. */
let disk: Database.Database;
const threads: Worker[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-journal-commit-'));
  config = await openLoopbackConfig(dir);
  daemon = createLoopbackDaemon(config, dir, { startWriterThread: sourceWriterThread(threads) });
  await daemon.start();
  // The default config (`journal.writerThread`) started the thread.
  expect(threads).toHaveLength(1);
  disk = new Database(join(dir, 'journal.sqlite'), { readonly: true });
});

afterEach(async () => {
  disk.close();
  await daemon.stop();
  await Promise.all(threads.splice(0).map((t) => t.terminate()));
  await rm(dir, { recursive: true, force: true });
});

const onDisk = (callId: string): boolean =>
  disk.prepare('SELECT 1 FROM calls WHERE call_id = ?').get(callId) !== undefined;

const finished = (i: number): SnomlinkEvent => ({
  type: 'call-finished',
  call: finishedCall({ id: `call-${String(i)}`, sipCallId: `call-${String(i)}@pbx` }),
});

/** The call id of an SSE `call-finished`, or undefined for any other event. */
function finishedId(event: BufferedEvent): string | undefined {
  const data = JSON.parse(event.data) as { type?: string; call?: { id: string } };
  return data.type === 'call-finished' ? data.call?.id : undefined;
}

/** Resolves with the call ids of the SSE buffer's `call-finished` once `count` arrived. */
function sseFinished(
  count: number,
  onEach: (callId: string) => void = () => undefined,
): Promise<string[]> {
  const seen: string[] = [];
  return new Promise((resolve) => {
    const unsubscribe = daemon.events.subscribe((event) => {
      const id = finishedId(event);
      if (id === undefined) return;
      onEach(id);
      seen.push(id);
      if (seen.length < count) return;
      unsubscribe();
      resolve(seen);
    });
  });
}

describe('daemon with the journal writer thread', () => {
  it('announces a finished call (SSE, hub subscribers) only once the journal has it on disk', async () => {
    const atSse: boolean[] = [];
    const atHub: boolean[] = [];
    const arrived = sseFinished(3, (callId) => {
      atSse.push(onDisk(callId));
    });
    const unsubscribe = daemon.hub.subscribe((event) => {
      if (event.type === 'call-finished') atHub.push(onDisk(event.call.id));
    });
    // One turn: the end-of-turn batch has not been written when the events are published.
    for (let i = 0; i < 3; i++) daemon.hub.publish(finished(i));
    await arrived;
    unsubscribe();
    expect(atSse).toEqual([true, true, true]);
    expect(atHub).toEqual([true, true, true]);
  });

  it("keeps the order of a phone's events published behind its finished call", async () => {
    const order: string[] = [];
    const arrived = sseFinished(2);
    const unsubscribe = daemon.hub.subscribe((event) => {
      order.push(event.type === 'call-finished' ? event.call.id : event.type);
    });
    daemon.hub.publish(finished(0));
    daemon.hub.publish({
      type: 'line-status',
      phoneId: 'desk-201', // the phone of finished(0)
      status: 'reachable',
      detail: null,
      at: 0,
    });
    daemon.hub.publish(finished(1));
    await arrived;
    unsubscribe();
    expect(order).toEqual(['call-0', 'line-status', 'call-1']);
    expect(daemon.journal.query().entries.map((e) => e.callId)).toEqual(['call-1', 'call-0']);
  });
});

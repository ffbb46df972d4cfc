/**
 * SSE across daemons in cluster mode, in process, on one real nats-server: a reader of daemon 1
 * moves to daemon 2 with `Last-Event-ID` and gets exactly the rest (ids increasing, no repeat,
 * every call-finished once, no resync), also when daemon 1 leaves mid-stream and when daemon 2
 * started after the reader's position (then read back from CHANGES). docs/cluster.md "SSE ids".
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Daemon } from '../daemon.js';
import { connectClusterMode } from './connect-cluster-mode.js';
import { startClusterTestDaemon } from '../testing/cluster-test-daemon.js';
import { useNatsTestBed } from '../testing/nats-test-bed.js';
import type { ClusterTestDaemon } from '../testing/cluster-test-daemon.js';
import { phoneConfig } from '../config/config-schema.js';

const bed = useNatsTestBed('daemon cluster SSE e2e');

const SECRET = 'secret-0123456789';
const PHONE = phoneConfig({ id: 'desk-201', host: '127.0.0.1:9', secret: SECRET });
let prefixes = 0;
const running: Daemon[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
});

type Node = ClusterTestDaemon;

async function startDaemon(prefix: string, nodeId: string): Promise<Node> {
  const logger = pino({ level: 'silent' });
  const started = await startClusterTestDaemon({
    dataDir: join(bed.dir, prefix, nodeId),
    phones: [PHONE],
    logger,
    join: (dialRules) =>
      connectClusterMode(
        { servers: bed.nats.servers, nodeId, prefix, leaseTtlMs: 3000 },
        { logger, reducerOptions: () => ({ dialRules: dialRules() }) },
      ),
    sharedConfig: false,
  });
  running.push(started.daemon);
  return started;
}

interface SseMessage {
  readonly id: number | null;
  readonly event: string;
  readonly data: { type?: string; call?: { id: string } };
}

/** An SSE reader (fetch, parsed by hand: the test must see every field). */
function openReader(node: Node, lastEventId?: number) {
  const messages: SseMessage[] = [];
  const abort = new AbortController();
  const headers: Record<string, string> = {
    authorization: `Bearer ${node.daemon.config.current.admin.token}`,
  };
  if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
  const done = (async () => {
    const res = await fetch(`http://127.0.0.1:${String(node.at.admin.port)}/api/events`, {
      headers,
      signal: abort.signal,
    });
    const body = res.body;
    if (body === null) throw new Error('no SSE body');
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of body) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        let id: number | null = null;
        let event = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('id:')) id = Number(line.slice(3).trim());
          else if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(5).trim();
        }
        if (data !== '') messages.push({ id, event, data: JSON.parse(data) as SseMessage['data'] });
      }
    }
  })().catch(() => undefined);
  return {
    messages,
    close: async () => {
      abort.abort();
      await done;
    },
  };
}

async function waitFor(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sends one whole call (incoming, connected, disconnected) to a daemon's phone port. */
async function call(node: Node, n: number): Promise<void> {
  const send = async (kind: string, q: string): Promise<void> => {
    const res = await fetch(
      `http://127.0.0.1:${String(node.at.listener.port)}/snom/${PHONE.id}/${kind}?k=${SECRET}${q}`,
    );
    expect(res.status).toBe(200);
  };
  const cid = `&cid=sse-${String(n)}@pbx`;
  await send('incoming', `${cid}&n=1&remote=03012345${String(n).padStart(2, '0')}`);
  await send('connected', `${cid}&n=1`);
  await send('disconnected', `${cid}&n=0`);
}

const finished = (messages: readonly SseMessage[]): string[] =>
  messages.filter((m) => m.data.type === 'call-finished').map((m) => m.data.call?.id ?? '?');

/** What the reader saw across both daemons: every id once and increasing, no resync. */
function expectNoGap(before: readonly SseMessage[], after: readonly SseMessage[], calls: number) {
  const all = [...before, ...after];
  expect(all.filter((m) => m.event === 'resync')).toEqual([]);
  const ids = all.filter((m) => m.event !== 'action-event').map((m) => m.id ?? -1);
  for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] ?? 0);
  const done = finished(all);
  expect(done).toHaveLength(calls);
  expect(new Set(done).size).toBe(calls);
}

describe.skipIf(bed.missing)('SSE across daemons (cluster mode)', () => {
  it('a reader of a daemon that leaves mid-stream resumes on another with exactly the rest', async () => {
    const prefix = `sse${String(++prefixes)}`;
    const one = await startDaemon(prefix, 'd1');
    const two = await startDaemon(prefix, 'd2');
    const reader = openReader(one);
    for (let n = 1; n <= 4; n++) await call(two, n);
    await waitFor(() => finished(reader.messages).length === 4);
    // Calls go on while daemon 1 leaves; its reader loses what came after its last message.
    const more = (async () => {
      for (let n = 5; n <= 8; n++) await call(two, n);
    })();
    await one.daemon.stop();
    await reader.close();
    const last = reader.messages.filter((m) => m.id !== null).at(-1)?.id ?? 0;
    const resumed = openReader(two, last);
    await more;
    await waitFor(() => finished([...reader.messages, ...resumed.messages]).length >= 8);
    await resumed.close();
    expectNoGap(reader.messages, resumed.messages, 8);
  }, 180_000);

  it('a daemon started after the reader’s position replays the rest from CHANGES', async () => {
    const prefix = `sse${String(++prefixes)}`;
    const one = await startDaemon(prefix, 'd1');
    const reader = openReader(one);
    await call(one, 1);
    await waitFor(() => finished(reader.messages).length === 1);
    await reader.close();
    const last = reader.messages.filter((m) => m.id !== null).at(-1)?.id ?? 0;
    // Missed by the reader, and older than daemon 2, which starts only now.
    await call(one, 2);
    await call(one, 3);
    await waitFor(() => one.daemon.journal.query().entries.length === 3);
    const two = await startDaemon(prefix, 'd2');
    const resumed = openReader(two, last);
    await call(one, 4);
    await waitFor(() => finished([...reader.messages, ...resumed.messages]).length >= 4);
    await resumed.close();
    expectNoGap(reader.messages, resumed.messages, 4);
  }, 180_000);
});

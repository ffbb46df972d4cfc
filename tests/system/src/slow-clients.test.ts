import { afterEach, describe, expect, it } from 'vitest';
import type { SseCall } from './harness/api-types.js';
import { randomSecret, startDaemon } from './harness/daemon-process.js';
import type { DaemonProcess } from './harness/daemon-process.js';
import { drain, processMemory, rawOpen, wsTextFrame } from './harness/raw-http.js';
import { untilReceived, within } from './harness/wait.js';
import type { Socket } from 'node:net';
import { events } from './harness/scenario.js';
import type { SseClient } from './harness/sse-client.js';

let daemon: DaemonProcess | undefined;
let sse: SseClient | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  sse?.close();
  for (const s of sockets) s.destroy();
  sockets.length = 0;
  await daemon?.stop();
  daemon = undefined;
  sse = undefined;
});

const MB = 1024 * 1024;

/** Sends `pairs` incoming+missed Action URL pairs for `phoneId` straight to the listener. */
async function pump(
  d: DaemonProcess,
  phoneId: string,
  secret: string,
  from: number,
  pairs: number,
): Promise<void> {
  let next = from;
  const end = from + pairs;
  // A long display name makes every SSE message ~1-2 kB, so buffers fill quickly.
  const name = 'Stalled Reader Test '.repeat(20);
  const worker = async (): Promise<void> => {
    while (next < end) {
      const i = next++;
      const cid = `pump-${i}@pbx.example`;
      const base = `${d.listenerBase}/snom/${phoneId}`;
      const a = await fetch(
        `${base}/incoming?k=${secret}&cid=${cid}&n=1&remote=sip:+49301${String(i).padStart(6, '0')}@pbx.example&dr=${encodeURIComponent(name)}`,
      );
      expect(a.status).toBe(200);
      await a.arrayBuffer();
      const b = await fetch(`${base}/missed?k=${secret}&cid=${cid}&n=0`);
      expect(b.status).toBe(200);
      await b.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

describe('slow and stalled event readers', () => {
  it('a stalled SSE and a stalled WebSocket reader neither delay other readers nor grow memory without bound', async () => {
    const secret = randomSecret();
    daemon = await startDaemon({
      phones: [{ id: 'desk-1', host: '127.0.0.1:9', model: 'snom360', secret }],
    });
    sse = await events(daemon);

    // Reader 1: SSE, reads nothing after the request.
    const stalledSse = await rawOpen(
      daemon.adminBase,
      `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${daemon.token}\r\nAccept: text/event-stream\r\n\r\n`,
    );
    sockets.push(stalledSse);
    // Reader 2: TAPI WebSocket that opens the line (so it gets every call notification), then
    // reads nothing.
    const stalledWs = await rawOpen(
      daemon.adminBase,
      `GET /tapi HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${daemon.token}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.from('0123456789abcdef').toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    sockets.push(stalledWs);
    const stalledWsPort = stalledWs.localPort;
    stalledWs.write(
      wsTextFrame(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'lineInitialize' })),
    );
    stalledWs.write(
      wsTextFrame(
        JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'lineOpen', params: { lineId: 'desk-1' } }),
      ),
    );

    const before = await processMemory(daemon.pid);
    const round = 2000;
    await pump(daemon, 'desk-1', secret, 0, round);
    const afterFirst = await processMemory(daemon.pid);
    await pump(daemon, 'desk-1', secret, round, round);

    // The reading client gets every call's end, in order, and is never told to resync.
    const last = await sse.waitForData<SseCall>(
      'call',
      (d) => d.type === 'call-finished' && d.call.sipCallId === `pump-${2 * round - 1}@pbx.example`,
      60_000,
    );
    expect(last.call.disconnectMode).toBe('noanswer');
    const finishedIds = sse
      .dataOf<SseCall>('call')
      .filter((d) => d.type === 'call-finished')
      .map((d) => d.call.sipCallId);
    expect(new Set(finishedIds).size).toBe(2 * round);
    expect(sse.messages.filter((m) => m.event === 'resync')).toEqual([]);
    const ids = sse.messages.map((m) => Number(m.id));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);

    // Memory: the second round adds no more than a bounded amount over the first.
    const afterSecond = await processMemory(daemon.pid);
    expect(afterSecond.rss - afterFirst.rss).toBeLessThan(80 * MB);
    expect(afterSecond.rss - before.rss).toBeLessThan(250 * MB);

    // The daemon still answers promptly-enough for a health check while both readers stall.
    const health = await daemon.json<{ status: string }>('/api/health');
    expect(health.status).toBe('ok');

    // The stalled WebSocket was cut off by the server (1 MiB unsent limit of tapi-bridge), and
    // the daemon logged that at warn with the client's address (and without the token).
    const ws = await drain(stalledWs, 20_000);
    expect(ws.closed).toBe(true);
    const cutOff = await daemon.waitForOutput(/TAPI client stopped reading/, 20_000);
    const cutOffLine = JSON.parse(cutOff) as { level: number; client: string; err: string };
    expect(cutOffLine.level).toBe(40);
    expect(cutOffLine.client).toBe(`127.0.0.1:${String(stalledWsPort)}`);
    expect(cutOff).not.toContain(daemon.token);

    // The stalled SSE reader starts reading again: what it was sent, then (its queue having
    // overflowed) a resync before anything newer. Read until the resync is there, then stop the
    // daemon and read the rest. (Stopping first raced the daemon's shutdown against the writer
    // loop that sends the resync.)
    const received: Buffer[] = [];
    stalledSse.on('data', (chunk: Buffer) => received.push(chunk));
    const closed = new Promise<void>((resolve) => {
      stalledSse.once('close', () => {
        resolve();
      });
    });
    const resynced = untilReceived(stalledSse, 'event: resync');
    stalledSse.resume();
    await within(resynced, 30_000);
    await daemon.stop();
    await within(closed, 30_000);
    const stalled = { data: Buffer.concat(received), closed: stalledSse.destroyed };
    const text = stalled.data.toString('utf8');
    const sseIds = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(stalled.closed).toBe(true);
    expect(sseIds.length).toBeGreaterThan(0);
    expect(sseIds.every((id, k) => k === 0 || id > sseIds[k - 1]!)).toBe(true);
    // Its 10,000-event queue overflowed: it is told so with a `resync` naming the lost ids,
    // sent before any event after them, and it never gets an event from that range.
    const resyncs = [...text.matchAll(/^event: resync\r?\ndata: (.*)\r?\nid: (\d+)$/gm)].map(
      (m) => ({
        index: m.index,
        id: Number(m[2]),
        data: JSON.parse(m[1]!) as { lostFrom: number; lostTo: number; lostCount: number },
      }),
    );
    expect(resyncs.length).toBeGreaterThan(0);
    for (const resync of resyncs) {
      expect(resync.data.lostTo).toBeGreaterThanOrEqual(resync.data.lostFrom);
      expect(resync.data.lostCount).toBeGreaterThan(0);
      expect(resync.id).toBe(resync.data.lostTo);
      const idsAfter = [...text.slice(resync.index).matchAll(/^id: (\d+)$/gm)]
        .slice(1)
        .map((m) => Number(m[1]));
      expect(idsAfter.every((id) => id > resync.data.lostTo)).toBe(true);
      expect(sseIds.filter((id) => id > resync.data.lostFrom && id < resync.data.lostTo)).toEqual(
        [],
      );
    }
    expect(daemon.output()).toMatch(/SSE reader stopped reading/);
  }, 180_000);
});

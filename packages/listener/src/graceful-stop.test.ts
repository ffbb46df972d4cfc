import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { ActionEvent } from '@snomlink/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createListener } from './create-listener.js';
import type { Listener } from './create-listener.js';

// `stop({ graceMs })`: a rolling restart of cluster daemons must not cut an Action URL whose
// event is being stored (the phone would get no answer, and never retries); what arrives after
// the stop began gets a 503 with Connection: close, so the client goes elsewhere.

const HOST = '127.0.0.1';
const SECRET = 'k-3f9a8b7c6d5e4f3a2b1c';
const open: Listener[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.stop()));
});

/** A listener whose admissions wait until the test releases them. */
async function startHeld(): Promise<{
  listener: Listener;
  port: number;
  admitted: ActionEvent[];
  /** Resolves once `n` admissions are waiting. */
  waiting: (n: number) => Promise<void>;
  release: () => void;
}> {
  const held: (() => void)[] = [];
  const watchers: (() => void)[] = [];
  const admitted: ActionEvent[] = [];
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const listener = createListener({
    resolvePhone: (id) => (id === 'p1' ? { id, secret: SECRET } : undefined),
    onEvent: () => undefined,
    admit: async (event) => {
      held.push(() => undefined);
      for (const w of watchers.splice(0)) w();
      await released;
      admitted.push(event);
    },
    admitTimeoutMs: 60_000,
  });
  open.push(listener);
  const { port } = await listener.start({ host: HOST, port: 0 });
  const waiting = async (n: number): Promise<void> => {
    while (held.length < n) {
      await new Promise<void>((resolve) => {
        watchers.push(resolve);
      });
    }
  };
  return { listener, port, admitted, waiting, release };
}

/** A kept-alive connection that collects everything the server sends. */
async function openConnection(port: number): Promise<{
  socket: Socket;
  received: () => string;
  /** Resolves with what was received once `text` appears `count` times (or the socket ends). */
  until: (text: string, count?: number) => Promise<string>;
  ended: Promise<void>;
}> {
  const socket = connect(port, HOST);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let data = '';
  const listeners: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString('latin1');
    for (const l of listeners) l();
  });
  socket.on('error', () => undefined);
  let closed = false;
  const ended = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      for (const l of listeners) l();
      resolve();
    }),
  );
  const until = (text: string, count = 1): Promise<string> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (closed || data.split(text).length - 1 >= count) resolve(data);
      };
      listeners.push(check);
      check();
    });
  return { socket, received: () => data, until, ended };
}

const request = (cid: string): string =>
  `GET /snom/p1/incoming?k=${SECRET}&cid=${cid}&remote=201 HTTP/1.1\r\nHost: x\r\n\r\n`;

describe('stop({ graceMs })', () => {
  it('answers an Action URL in flight with 200 before it closes', async () => {
    const { listener, port, admitted, waiting, release } = await startHeld();
    const phone = await openConnection(port);
    phone.socket.write(request('in-flight@pbx'));
    await waiting(1);
    const stopped = listener.stop({ graceMs: 10_000 });
    release();
    const answer = await phone.until('HTTP/1.1 ');
    await phone.ended;
    await stopped;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(admitted.map((e) => e.params.callId)).toEqual(['in-flight@pbx']);
    expect(listener.state).toBe('inactive');
  });

  it('answers a request arriving on a kept-alive connection 503 with Connection: close', async () => {
    const { listener, port, waiting, release } = await startHeld();
    const busy = await openConnection(port);
    const idle = await openConnection(port);
    busy.socket.write(request('busy@pbx'));
    await waiting(1);
    const stopped = listener.stop({ graceMs: 10_000 });
    // No new connection is accepted any more.
    const refused = await new Promise<boolean>((resolve) => {
      const late = connect(port, HOST);
      late.once('connect', () => {
        late.destroy();
        resolve(false);
      });
      late.once('error', () => {
        resolve(true);
      });
    });
    expect(refused).toBe(true);
    idle.socket.write(request('late@pbx'));
    const late = await idle.until('\r\n\r\n');
    expect(late).toMatch(/^HTTP\/1\.1 503 /);
    expect(late).toMatch(/\r\nConnection: close\r\n/i);
    expect(late).toMatch(/\r\nRetry-After: \d+\r\n/i);
    await idle.ended;
    release();
    expect(await busy.until('HTTP/1.1 ')).toMatch(/^HTTP\/1\.1 200 /);
    await stopped;
  });

  it('cuts what is still in flight after graceMs', async () => {
    const { listener, port, waiting, release } = await startHeld();
    const phone = await openConnection(port);
    phone.socket.write(request('stuck@pbx'));
    await waiting(1);
    const started = Date.now();
    await listener.stop({ graceMs: 150 });
    await phone.ended;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(phone.received()).toBe('');
    release();
  });
});

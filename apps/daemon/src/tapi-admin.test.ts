/**
 * The admin app as the daemon really serves it (with the TAPI WebSocket mounted), on a real
 * socket: every route, `/tapi` included, is in the generated OpenAPI document, and a WebSocket
 * frame over the TAPI message limit closes the socket (1009) instead of being buffered.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAPI_MAX_MESSAGE_BYTES } from '@snomlink/tapi-bridge';
import { openConfigStore } from './config/config-store.js';
import { createDaemon } from './daemon.js';
import type { Daemon } from './daemon.js';
import { routeCoverage } from './http/openapi-document.js';
import type { OpenApiDocument } from './http/openapi-document.js';
import { mountTapi } from './tapi.js';
import { sourceWriterThread } from './testing/source-writer-thread.js';

let dir: string;
let daemon: Daemon;
let token: string;
let port: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-tapi-admin-'));
  const config = await openConfigStore({ file: join(dir, 'config.json') });
  token = config.current.admin.token;
  const logger = pino({ level: 'silent' });
  daemon = createDaemon({
    config,
    dataDir: dir,
    logger,
    admin: { host: '127.0.0.1', port: 0 },
    listen: { host: '127.0.0.1', port: 0 },
    webUiDir: null,
    startWriterThread: sourceWriterThread(),
    ...mountTapi(logger),
  });
  port = (await daemon.start()).admin.port;
}, 60_000);

afterAll(async () => {
  await daemon.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Opens `/tapi` over a raw socket; resolves once the 101 head is read. */
function openTapi(): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    const closed = new Promise<void>((r) =>
      socket.once('close', () => {
        r();
      }),
    );
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (upgraded) return;
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buffer.subarray(0, end).toString('latin1');
      if (!head.startsWith('HTTP/1.1 101')) {
        reject(new Error(`no upgrade: ${head.split('\r\n')[0] ?? ''}`));
        return;
      }
      upgraded = true;
      buffer = buffer.subarray(end + 4);
      resolve({ socket, received: () => buffer, closed });
    });
    socket.write(
      [
        'GET /tapi HTTP/1.1',
        `Host: 127.0.0.1:${String(port)}`,
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        `Authorization: Bearer ${token}`,
        '',
        '',
      ].join('\r\n'),
    );
  });
}

/** The header of a masked client text frame of `length` bytes (64-bit length form). */
function frameHeader(length: number): Buffer {
  const head = Buffer.alloc(14);
  head[0] = 0x81;
  head[1] = 0x80 | 127;
  head.writeBigUInt64BE(BigInt(length), 2);
  randomBytes(4).copy(head, 10);
  return head;
}

describe('admin app with /tapi', () => {
  it('documents every route it serves, /tapi included', async () => {
    const res = await daemon.app.request('/api/openapi.json', {
      headers: { authorization: `Bearer ${token}` },
    });
    const doc = (await res.json()) as OpenApiDocument;
    expect(routeCoverage(daemon.app, doc)).toEqual({ undocumented: [], unserved: [] });
    expect(doc.paths['/tapi']?.get).toBeDefined();
  });

  it('closes the WebSocket with 1009 when a frame is over the message limit', async () => {
    const tapi = await openTapi();
    // Only the header and a little of the body: the server must refuse on the declared length.
    tapi.socket.write(Buffer.concat([frameHeader(TAPI_MAX_MESSAGE_BYTES + 1), Buffer.alloc(64)]));
    await tapi.closed;
    const close = tapi.received();
    expect(close[0]).toBe(0x88); // close frame
    expect(close.readUInt16BE(2)).toBe(1009);
  });

  it('takes a frame of exactly the limit', async () => {
    const tapi = await openTapi();
    const payload = Buffer.alloc(TAPI_MAX_MESSAGE_BYTES, 0x20);
    const mask = randomBytes(4);
    const head = frameHeader(payload.length);
    mask.copy(head, 10);
    const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
    tapi.socket.write(Buffer.concat([head, masked]));
    // All blanks is not JSON: the session answers a parse error instead of closing.
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (tapi.received().length > 2) resolve();
        else tapi.socket.once('data', check);
      };
      check();
    });
    const reply = tapi.received();
    expect(reply[0]).toBe(0x81); // a text frame, not a close
    tapi.socket.destroy();
  });
});

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonProcess } from '../../system/src/harness/daemon-process.js';
import { randomSecret, startDaemon } from '../../system/src/harness/daemon-process.js';

// Issue 15, RFC 9112 framing: each of these heads is a way for a front (proxy, load balancer)
// and the phone port to disagree about where a request ends. The built daemon must answer 400
// and close, and deliver nothing.

let daemon: DaemonProcess;
const secret = randomSecret();

beforeAll(async () => {
  daemon = await startDaemon({
    phones: [{ id: 'desk-1', host: '127.0.0.1:9', model: 'snom360', secret }],
  });
});
afterAll(async () => {
  await daemon.stop();
});

/** Sends raw bytes; resolves with the status and whether the daemon closed the connection. */
function exchange(bytes: string): Promise<{ status: number; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: daemon.listenerPort });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ status: Number(data.slice(9, 12)), closed: false });
    }, 5000);
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ status: Number(data.slice(9, 12)), closed: true });
    });
    socket.write(Buffer.from(bytes, 'latin1'));
  });
}

const event = `/snom/desk-1/onhook?k=${secret}`;

describe('the phone port refuses ambiguous framing', () => {
  it.each([
    ['whitespace before a colon', `POST ${event} HTTP/1.1\r\nContent-Length : 5\r\n\r\nhello`],
    ['an obs-fold line', `GET ${event} HTTP/1.1\r\nX-A: 1\r\n Content-Length: 5\r\n\r\n`],
    ['a bare CR', `GET ${event} HTTP/1.1\r\nX-A: 1\rContent-Length: 5\r\n\r\n`],
    ['a non-digit Content-Length', `POST ${event} HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello`],
    [
      'a repeated Content-Length',
      `POST ${event} HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello`,
    ],
  ])('%s → 400 and closed', async (_what, bytes) => {
    expect(await exchange(bytes)).toEqual({ status: 400, closed: true });
  });

  it('a normal request on the same port still gets 200', async () => {
    const answer = await exchange(`GET ${event} HTTP/1.1\r\nConnection: close\r\n\r\n`);
    expect(answer).toEqual({ status: 200, closed: true });
  });
});

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** The answer to one raw HTTP/1.1 request. */
export interface RawResponse {
  readonly status: number;
  readonly head: string;
  readonly body: Buffer;
}

/**
 * Sends `target` byte for byte (no URL normalisation, raw spaces and non-ASCII allowed) as
 * `GET target HTTP/1.1` with `Connection: close`, optionally from `localAddress`, and reads
 * the whole answer.
 */
export function rawGet(
  base: string,
  target: string | Buffer,
  options: {
    headers?: Record<string, string>;
    localAddress?: string;
    method?: string;
    timeoutMs?: number;
  } = {},
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: url.hostname,
      port: Number(url.port),
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${String(target).slice(0, 80)} within the timeout`));
    }, options.timeoutMs ?? 15_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const head = all.subarray(0, split === -1 ? all.length : split).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      let body: Buffer = split === -1 ? Buffer.alloc(0) : all.subarray(split + 4);
      if (/\r\ntransfer-encoding: chunked/i.test(head)) body = dechunk(body);
      resolve({ status, head, body });
    });
    const headers = Object.entries({
      host: `${url.hostname}:${url.port}`,
      connection: 'close',
      ...options.headers,
    })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(
      Buffer.concat([
        Buffer.from(`${options.method ?? 'GET'} `, 'latin1'),
        typeof target === 'string' ? Buffer.from(target, 'latin1') : target,
        Buffer.from(` HTTP/1.1\r\n${headers}\r\n`, 'latin1'),
      ]),
    );
  });
}

function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const end = body.indexOf('\r\n', at);
    if (end === -1) break;
    const size = Number.parseInt(body.subarray(at, end).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(body.subarray(end + 2, end + 2 + size));
    at = end + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** Opens a TCP connection, sends a raw request head and returns the socket unread (paused). */
export function rawOpen(base: string, head: string): Promise<Socket> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) }, () => {
      socket.write(head);
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** One masked client-to-server WebSocket text frame. */
export function wsTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const mask = randomBytes(4);
  const length = payload.length;
  const head =
    length < 126
      ? Buffer.from([0x81, 0x80 | length])
      : Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff]);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++)
    masked.writeUInt8(payload.readUInt8(i) ^ mask.readUInt8(i % 4), i);
  return Buffer.concat([head, mask, masked]);
}

/** Resident and peak resident memory of a process in bytes, from /proc/<pid>/status. */
export async function processMemory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Reads everything a (paused) socket has and will get until it closes, or until timeout. */
export function drain(
  socket: Socket,
  timeoutMs = 20_000,
): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(() => {
      finish(false);
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('close', () => {
      finish(true);
    });
    socket.once('error', () => {
      finish(true);
    });
    socket.resume();
  });
}

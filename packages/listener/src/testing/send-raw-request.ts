import { connect } from 'node:net';

/** What `sendRawRequest` got back. */
export interface RawResponse {
  /** Status code of the answer (0 when the server closed without a status line). */
  status: number;
  /** The response head (status line and headers) as text. */
  head: string;
  /** The body, as UTF-8 text. */
  body: string;
}

function parseResponse(all: Buffer): RawResponse & { complete: boolean } {
  const split = all.indexOf('\r\n\r\n');
  if (split < 0) return { status: 0, head: all.toString('latin1'), body: '', complete: false };
  const head = all.subarray(0, split).toString('latin1');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const body = all.subarray(split + 4);
  return {
    status: match ? Number(match[1]) : 0,
    head,
    body: body.toString('utf8'),
    complete: length !== null && body.length >= Number(length[1]),
  };
}

/**
 * Writes raw bytes to host:port over TCP exactly as given (raw spaces, UTF-8 or Latin-1 bytes,
 * as a phone sends an unencoded Action URL; a string is sent as Latin-1 bytes) and resolves with
 * the answer once it is complete or the server closes. Only for 127.0.0.0/8 in tests.
 */
export function sendRawRequest(
  host: string,
  port: number,
  bytes: Uint8Array | string,
  options: { timeoutMs?: number } = {},
): Promise<RawResponse> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    let received = Buffer.alloc(0);
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const { status, head, body } = parseResponse(received);
      socket.destroy();
      resolve({ status, head, body });
    };
    const timer = setTimeout(() => {
      settled = true;
      socket.destroy();
      reject(new Error(`no answer from ${host}:${String(port)} within ${String(timeoutMs)} ms`));
    }, timeoutMs);
    socket.on('connect', () => {
      socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (parseResponse(received).complete) settle();
    });
    socket.on('error', () => {
      // A reset after (or instead of) an answer: the close handler reports what arrived.
    });
    socket.on('close', settle);
  });
}

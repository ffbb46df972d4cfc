import net from 'node:net';

/** One request the receiver captured. */
export interface CapturedRequest {
  /** The request line's target exactly as received, latin1 string of its bytes. */
  readonly target: string;
  /** The whole request head as received (latin1). */
  readonly raw: string;
  /** Address the request came from (the phone's own 127.0.0.x). */
  readonly remoteAddress: string | undefined;
}

/** A tiny raw TCP HTTP receiver for Action URLs (no HTTP parser, so raw bytes survive). */
export interface ActionUrlReceiver {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly received: readonly CapturedRequest[];
  /** Resolves once `count` requests in total have arrived. */
  waitFor(count: number, options?: { timeoutMs?: number }): Promise<readonly CapturedRequest[]>;
  /** Status to answer with (default 200). */
  setStatus(status: number): void;
  close(): Promise<void>;
}

/** Start a raw receiver on 127.0.0.1 with an ephemeral port, for tests of Action URLs. */
export async function createActionUrlReceiver(
  options: { host?: string } = {},
): Promise<ActionUrlReceiver> {
  const received: CapturedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let status = 200;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      const raw = head.subarray(0, end + 4).toString('latin1');
      const firstLine = raw.slice(0, raw.indexOf('\r\n'));
      const target = firstLine.slice(firstLine.indexOf(' ') + 1, firstLine.lastIndexOf(' '));
      received.push({ target, raw, remoteAddress: socket.remoteAddress });
      socket.end(`HTTP/1.1 ${String(status)} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      for (let i = waiters.length - 1; i >= 0; i -= 1) {
        const w = waiters[i];
        if (w !== undefined && received.length >= w.count) {
          waiters.splice(i, 1);
          w.resolve();
        }
      }
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0 }, resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    base: `http://${host}:${String(port)}`,
    received,
    setStatus(next) {
      status = next;
    },
    waitFor(count, waitOptions = {}) {
      if (received.length >= count) return Promise.resolve(received);
      const timeoutMs = waitOptions.timeoutMs ?? 10_000;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `receiver got ${String(received.length)} of ${String(count)} requests within ${String(timeoutMs)} ms`,
            ),
          );
        }, timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(received);
          },
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

import { STATUS_CODES } from 'node:http';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { parseRawRequestLine } from './request-target.js';
import type { ListenerBindings } from './listener-app.js';

/** Limits of the tolerant front, so refused requests cannot exhaust memory or hold sockets. */
export interface TolerantFrontOptions {
  /** Most bytes read for one refused request head (default 16384, Node's own header limit). */
  maxHeadBytes?: number;
  /** How long to wait for the rest of a refused request head (default 5000 ms). */
  headTimeoutMs?: number;
  /** Refused requests being re-read at once; more are answered 503 (default 64). */
  maxPending?: number;
}

/** Handle on the front attached to a server. */
export interface TolerantFront {
  /** Sockets currently being re-read. */
  readonly pending: number;
  /** Destroys every socket being re-read (used by `stop()`). */
  closeAll(): void;
}

type FetchLike = (request: Request, env: ListenerBindings) => Response | Promise<Response>;

interface ParserError extends Error {
  code?: string;
  rawPacket?: Buffer;
  bytesParsed?: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');

function headEnd(buffer: Buffer): number {
  const a = buffer.indexOf(CRLFCRLF);
  const b = buffer.indexOf(LFLF);
  if (a < 0) return b;
  if (b < 0) return a;
  return Math.min(a, b);
}

function writeResponse(
  socket: Duplex,
  status: number,
  headers: [string, string][],
  body: Uint8Array | null,
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  let head = `HTTP/1.1 ${String(status)} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'connection' || lower === 'transfer-encoding') {
      continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  head += `Content-Length: ${String(body?.byteLength ?? 0)}\r\nConnection: close\r\n\r\n`;
  socket.write(head, 'latin1');
  socket.end(body ?? undefined);
}

function writeError(socket: Duplex, status: number, error: string, detail: string): void {
  const body = Buffer.from(JSON.stringify({ error, detail }));
  writeResponse(socket, status, [['Content-Type', 'application/json']], body);
}

/**
 * Adds the tolerant front to a node:http server. Node's parser refuses (HPE_INVALID_URL …) a
 * request line with raw spaces or raw non-ASCII bytes, which is what a phone sends for an
 * unencoded `$display_remote`. Such a refused request arrives at the `clientError` event with
 * its bytes; this front reads the rest of its head (bounded in bytes and time), re-encodes the
 * target, dispatches a standard `Request` to `fetch` and writes the answer itself. Requests Node
 * accepts never pass through here, so the fast path stays on node:http.
 */
export function attachTolerantFront(
  server: Server,
  fetch: FetchLike,
  options: TolerantFrontOptions = {},
): TolerantFront {
  const maxHeadBytes = options.maxHeadBytes ?? 16_384;
  const headTimeoutMs = options.headTimeoutMs ?? 5000;
  const maxPending = options.maxPending ?? 64;
  const taken = new WeakSet<Duplex>();
  const active = new Set<Duplex>();

  function dispatch(socket: Duplex, head: Buffer): void {
    const lineEnd = head.indexOf(10);
    const line = head.subarray(0, lineEnd < 0 ? head.length : lineEnd);
    const parsed = parseRawRequestLine(line[line.length - 1] === 13 ? line.subarray(0, -1) : line);
    if (parsed === undefined) {
      writeError(socket, 400, 'bad-request', 'not an HTTP/1.x request line');
      return;
    }
    let request: Request;
    try {
      request = new Request(`http://localhost${parsed.target}`, { method: parsed.method });
    } catch {
      writeError(socket, 400, 'bad-request', `cannot handle method ${parsed.method}`);
      return;
    }
    const env: ListenerBindings = {};
    const remote = (socket as { remoteAddress?: string }).remoteAddress;
    if (remote !== undefined) env.remoteAddress = remote;
    const send = (response: Response): void => {
      const headers: [string, string][] = [];
      response.headers.forEach((value, name) => headers.push([name, value]));
      if (response.body === null || parsed.method === 'HEAD') {
        writeResponse(socket, response.status, headers, null);
        return;
      }
      response.arrayBuffer().then(
        (body) => {
          writeResponse(socket, response.status, headers, new Uint8Array(body));
        },
        () => socket.destroy(),
      );
    };
    const fail = (): void => {
      writeError(socket, 500, 'internal-error', 'the listener failed; see its log');
    };
    try {
      const result = fetch(request, env);
      if (result instanceof Promise) result.then(send, fail);
      else send(result);
    } catch {
      fail();
    }
  }

  server.on('clientError', (err: ParserError, socket: Duplex) => {
    if (taken.has(socket)) return; // the parser keeps failing on bytes we are reading ourselves
    const code = err.code ?? '';
    if (code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const raw = err.rawPacket;
    if (code === 'HPE_HEADER_OVERFLOW') {
      const lineEnd = raw === undefined ? -1 : raw.indexOf(10);
      if (lineEnd >= 0 && lineEnd < maxHeadBytes)
        writeError(socket, 431, 'headers-too-large', 'request head too large');
      else writeError(socket, 414, 'uri-too-long', 'request target too long');
      return;
    }
    if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT') {
      writeError(socket, 408, 'request-timeout', 'the request did not arrive in time');
      return;
    }
    if (!code.startsWith('HPE_') || raw === undefined || raw.length === 0) {
      writeError(socket, 400, 'bad-request', 'malformed HTTP request');
      return;
    }
    if (active.size >= maxPending) {
      writeError(socket, 503, 'busy', 'too many malformed requests at once; try again');
      return;
    }

    // Start of the refused request: after the last head ending before the error position, so
    // a valid request earlier in the same packet (already answered) is not delivered twice.
    const errorAt = Math.min(err.bytesParsed ?? 0, raw.length);
    const previousEnd = raw.lastIndexOf(CRLFCRLF, Math.max(0, errorAt - 4));
    let buffer =
      previousEnd >= 0 && previousEnd + 4 <= errorAt ? raw.subarray(previousEnd + 4) : raw;

    taken.add(socket);
    active.add(socket);
    let done = false;
    const timer = setTimeout(() => {
      finish();
      socket.destroy();
    }, headTimeoutMs);
    timer.unref();
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      active.delete(socket);
      socket.off('data', onData);
    };
    const tryHead = (): void => {
      const end = headEnd(buffer);
      if (end >= 0) {
        finish();
        dispatch(socket, buffer.subarray(0, end));
      } else if (buffer.length > maxHeadBytes) {
        finish();
        writeError(socket, 431, 'headers-too-large', 'request head too large');
      }
    };
    const onData = (chunk: Buffer): void => {
      if (done) return;
      buffer = Buffer.concat([buffer, chunk]);
      tryHead();
    };
    socket.on('data', onData);
    socket.once('close', finish);
    tryHead();
  });

  return {
    get pending(): number {
      return active.size;
    },
    closeAll(): void {
      for (const socket of active) socket.destroy();
      active.clear();
    },
  };
}

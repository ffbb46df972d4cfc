import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { INTERNAL_ERROR_BODY, reportRejection } from './action-handler.js';
import type { ActionHandler, Outcome } from './action-handler.js';
import { matchFastPath } from './fast-path.js';
import { createHttpResponses } from './http-response.js';
import type { ListenerBindings, ListenerOptions } from './listener-app.js';
import { findHeadEnd, parseRequestHead, skipEmptyLines } from './request-head.js';
import type { RequestHead } from './request-head.js';

/** Limits of the phone port, so no client can exhaust memory or hold sockets open. */
export interface PhoneServerLimits {
  /** Most bytes of one request head (default 16384, Node's own limit); more → 431 (or 414). */
  maxHeadBytes?: number;
  /** Time allowed for a request head from its first byte (default 10000 ms); more → 408. */
  headersTimeoutMs?: number;
  /** How long an idle connection stays open (default 5000 ms, Node's keep-alive default). */
  keepAliveTimeoutMs?: number;
  /** Most simultaneous connections (default 1024); more are closed at once. */
  maxConnections?: number;
}

/** What the phone port serves. */
export interface PhoneServerOptions extends PhoneServerLimits {
  /** Answers `GET /snom/{phoneId}/{event}` directly (see `matchFastPath`). */
  handler: ActionHandler;
  /** The Hono app: every request the fast path does not answer. */
  fetch: (request: Request, env: ListenerBindings) => Response | Promise<Response>;
  /** Told about the requests this server refuses itself (malformed, too large, too slow, 500). */
  onReject?: ListenerOptions['onReject'];
}

/** The phone port's server and a way to end its open connections. */
export interface PhoneServer {
  readonly server: Server;
  /** Destroys every open connection (used by `stop()`). */
  closeAll(): void;
}

/** A body longer than this (or of unknown length) is not read: answered, then closed. */
const MAX_SKIPPED_BODY_BYTES = 65_536;

function ignore(): void {
  // A reset or a write after the peer left: the socket closes by itself.
}

/**
 * The phone-facing HTTP/1.x server, on `node:net`. Node's HTTP parser answers 400 to a request
 * line with raw spaces or raw non-ASCII bytes, which is what a phone sends for an unencoded
 * `$display_remote`; this server reads the request line tolerantly (`parseRequestLine`) and
 * every request the same way, so such an event keeps its connection and costs no more than an
 * encoded one. It reads only what framing needs (Connection, Content-Length, Transfer-Encoding,
 * Expect), never a body (a short one is skipped, any other closes the connection after the
 * answer), answers pipelined requests in order, and bounds head size, head time, idle time,
 * connections and unread answers (back-pressure).
 *
 * A plain Action URL GET is answered by `handler` directly; everything else becomes a standard
 * `Request` for the Hono app, whose answer is written with a `Content-Length`.
 */
export function createPhoneServer(options: PhoneServerOptions): PhoneServer {
  const { handler, fetch } = options;
  const maxHeadBytes = options.maxHeadBytes ?? 16_384;
  const headersTimeoutMs = options.headersTimeoutMs ?? 10_000;
  const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 5000;
  const responses = createHttpResponses(keepAliveTimeoutMs);
  const sockets = new Set<Socket>();

  function serve(socket: Socket): void {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', ignore);
    socket.setTimeout(keepAliveTimeoutMs);
    // Read on first use (see `RemoteAddress`), then kept.
    let address: string | undefined | null = null;
    const remote = (): string | undefined => {
      if (address === null) address = socket.remoteAddress;
      return address;
    };

    /** Received bytes not yet served (the start of the next request). */
    let buffered: Buffer | undefined;
    /** Body bytes of the current request still to be read and dropped. */
    let bodyToSkip = 0;
    /** When the incomplete head in `buffered` began to arrive (0: none). */
    let headStartedAt = 0;
    /** An answer is being produced asynchronously; later requests wait (answers stay in order). */
    let busy = false;
    /** The client is not reading its answers; stop reading its requests until it does. */
    let draining = false;
    /** The answer being produced is the last on this connection. */
    let closing = false;

    function updateFlow(): void {
      if (busy || draining) socket.pause();
      else socket.resume();
    }

    function send(bytes: string | Buffer): void {
      if (socket.destroyed) return;
      if (!socket.write(bytes) && !draining) {
        draining = true;
        updateFlow();
        socket.once('drain', () => {
          draining = false;
          updateFlow();
          serveSafely();
        });
      }
      if (closing) socket.end();
    }

    /** The last resort, for a bug of this server: log it and drop the connection. */
    function abandon(error: unknown): void {
      console.error('snomlink listener: connection dropped after an unexpected error', error);
      closing = true;
      socket.destroy();
    }

    function refuse(status: number, error: string, detail: string): void {
      closing = true;
      buffered = undefined;
      if (options.onReject !== undefined) {
        const from = remote(); // before the answer may close the socket
        reportRejection(options.onReject, {
          status,
          error,
          detail,
          ...(from === undefined ? {} : { remoteAddress: from }),
        });
      }
      send(responses.error(status, error, detail, false));
    }

    function fail(error: unknown): void {
      console.error('snomlink listener: unexpected error', error);
      refuse(500, INTERNAL_ERROR_BODY.error, INTERNAL_ERROR_BODY.detail);
    }

    function wait(answer: Promise<string | Buffer>): void {
      busy = true;
      updateFlow();
      answer
        .then(send, fail)
        .catch(abandon)
        .finally(() => {
          busy = false;
          updateFlow();
          serveSafely();
        });
    }

    function viaApp(head: RequestHead, keepAlive: boolean): void {
      let request: Request;
      try {
        request = new Request(`http://localhost${head.target}`, { method: head.method });
      } catch {
        // `new Request` refuses methods such as CONNECT or TRACE.
        refuse(400, 'bad-request', `cannot handle method ${head.method}`);
        return;
      }
      const from = remote();
      const env: ListenerBindings = from === undefined ? {} : { remoteAddress: from };
      wait(
        Promise.resolve()
          .then(() => fetch(request, env))
          .then((response) => responses.fetched(response, head.method === 'HEAD', keepAlive)),
      );
    }

    function answer(head: RequestHead, keepAlive: boolean): void {
      const route = head.method === 'GET' ? matchFastPath(head.target) : undefined;
      if (route === undefined) {
        viaApp(head, keepAlive);
        return;
      }
      let outcome: Outcome | Promise<Outcome>;
      try {
        outcome =
          handler.limits(head.target, remote) ??
          handler.event(head.target, route.phoneId, route.kind, remote);
      } catch (error) {
        fail(error);
        return;
      }
      if (outcome instanceof Promise) {
        wait(outcome.then((o) => responses.outcome(o, keepAlive)));
      } else {
        send(responses.outcome(outcome, keepAlive));
      }
    }

    function refuseOversizedHead(buffer: Buffer, start: number): void {
      const lineEnd = buffer.indexOf(10, start);
      if (lineEnd < 0 || lineEnd - start >= maxHeadBytes) {
        refuse(414, 'uri-too-long', 'request target too long');
      } else {
        refuse(431, 'headers-too-large', 'request head too large');
      }
    }

    function serveBuffered(): void {
      while (buffered !== undefined && !busy && !draining && !closing) {
        const start = skipEmptyLines(buffered, 0);
        if (start === buffered.length) {
          buffered = undefined;
          return;
        }
        const found = findHeadEnd(buffered, start);
        if (found === undefined) {
          if (buffered.length - start > maxHeadBytes) {
            refuseOversizedHead(buffered, start);
            return;
          }
          const now = Date.now();
          if (headStartedAt === 0) headStartedAt = now;
          else if (now - headStartedAt > headersTimeoutMs) {
            refuse(408, 'request-timeout', 'the request did not arrive in time');
            return;
          }
          if (start > 0) buffered = buffered.subarray(start);
          return;
        }
        headStartedAt = 0;
        if (found.end - start > maxHeadBytes) {
          refuseOversizedHead(buffered, start);
          return;
        }
        const head = parseRequestHead(buffered.toString('latin1', start, found.end));
        if ('detail' in head) {
          refuse(400, 'bad-request', head.detail);
          return;
        }
        let rest = found.next < buffered.length ? buffered.subarray(found.next) : undefined;
        let keepAlive = head.keepAlive;
        const { bodyLength } = head;
        if (bodyLength !== 0) {
          if (
            bodyLength === 'unknown' ||
            bodyLength > MAX_SKIPPED_BODY_BYTES ||
            head.expectsContinue
          ) {
            // Where this body ends is not worth finding out: answer, then close.
            keepAlive = false;
            rest = undefined;
          } else if (rest === undefined || bodyLength >= rest.length) {
            bodyToSkip = bodyLength - (rest?.length ?? 0);
            rest = undefined;
          } else {
            rest = rest.subarray(bodyLength);
          }
        }
        buffered = rest;
        if (!keepAlive) closing = true;
        answer(head, keepAlive);
      }
    }

    function serveSafely(): void {
      try {
        serveBuffered();
      } catch (error) {
        abandon(error);
      }
    }

    socket.on('data', (data: Buffer) => {
      if (closing) return;
      let chunk = data;
      if (bodyToSkip > 0) {
        const skipped = Math.min(bodyToSkip, chunk.length);
        bodyToSkip -= skipped;
        if (skipped === chunk.length) return;
        chunk = chunk.subarray(skipped);
      }
      buffered = buffered === undefined ? chunk : Buffer.concat([buffered, chunk]);
      serveSafely();
    });

    socket.on('timeout', () => {
      if (buffered !== undefined && headStartedAt !== 0 && !busy && !closing) {
        refuse(408, 'request-timeout', 'the request did not arrive in time');
      } else {
        socket.destroy();
      }
    });
  }

  const server = createServer({ noDelay: true }, serve);
  server.maxConnections = options.maxConnections ?? 1024;
  return {
    server,
    closeAll(): void {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
  };
}

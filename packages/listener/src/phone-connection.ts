import type { Socket } from 'node:net';
import { INTERNAL_ERROR_BODY, reportRejection } from './action-handler.js';
import type { ActionHandler, Outcome } from './action-handler.js';
import { matchFastPath } from './fast-path.js';
import type { HttpResponses } from './http-response.js';
import type {
  ListenerBindings,
  ListenerConnectionEvent,
  ListenerConnectionReason,
  ListenerLogger,
  ListenerOptions,
  PhoneServerLimits,
} from './listener-options.js';
import { frameRequest } from './request-framing.js';
import type { RequestHead } from './request-head.js';

/** What every connection of one phone server shares. */
export interface ConnectionContext {
  readonly handler: ActionHandler;
  readonly fetch: (request: Request, env: ListenerBindings) => Response | Promise<Response>;
  readonly responses: HttpResponses;
  readonly limits: Readonly<Required<PhoneServerLimits>>;
  readonly logger: ListenerLogger;
  readonly onReject: ListenerOptions['onReject'];
  /** Counts and reports a refused, evicted or dropped connection. */
  report(event: ListenerConnectionEvent): void;
}

function ignore(): void {
  // A reset or a write after the peer left: the socket closes by itself.
}

/**
 * One connection of the phone port: reads requests (`frameRequest`), answers them in order
 * (directly on the fast path, else through the app), and keeps the flow control and deadlines of
 * that connection in its own private fields. The server decides which connections exist
 * (`createPhoneServer`); this object decides what happens on one.
 */
export class PhoneConnection {
  /** The source address, read once at accept (the per-source cap needs it). */
  readonly source: string | undefined;
  readonly #socket: Socket;
  readonly #context: ConnectionContext;
  readonly #remote = (): string | undefined => this.source;
  /** Received bytes not yet served (the start of the next request). */
  #pending: Buffer | undefined;
  /** A buffer of our own that `#pending` ends in at `#storeEnd`, so trickled bytes append. */
  #store: Buffer | undefined;
  #storeEnd = -1;
  /** Where the search for the end of the head in `#pending` resumes. */
  #scanned = 0;
  /** Body bytes of the current request still to be read and dropped, and since when. */
  #bodyToSkip = 0;
  #bodyStartedAt = 0;
  /** When the first byte of the next request (empty lines included) arrived; 0: none yet. */
  #requestStartedAt = 0;
  /** Since when this connection waits without completing a request (accept, or last answer). */
  #waitingSince = Date.now();
  /** An answer is being produced asynchronously; later requests wait (answers stay in order). */
  #busy = false;
  /** The client is not reading its answers; stop reading its requests until it does. */
  #draining = false;
  /** The answer being produced is the last; after it the connection ends. Since when (0: not). */
  #closing = false;
  #closingAt = 0;
  /** The server stops: requests not yet being answered get 503 and the connection ends. */
  #stopping = false;
  /** The answer being produced (while `#busy`), for the server's graceful stop to await. */
  #answering: Promise<void> | undefined;

  constructor(socket: Socket, source: string | undefined, context: ConnectionContext) {
    this.#socket = socket;
    this.source = source;
    this.#context = context;
    socket.on('error', ignore);
    socket.setTimeout(context.limits.keepAliveTimeoutMs);
    socket.on('data', (data: Buffer) => {
      this.#receive(data);
    });
    socket.on('timeout', () => {
      this.#idle();
    });
  }

  /** Since when it waits without completing a request; `-Infinity` when answered and closing. */
  get waitingSince(): number {
    return this.#closing && !this.#busy ? -Infinity : this.#waitingSince;
  }

  /**
   * Whether it may be evicted: not in the middle of producing an answer. A request sent with
   * `Connection: close` (as phones send them) marks the connection closing before its answer is
   * produced; it must not go while that answer (in cluster mode: the stream's ack) is awaited,
   * or the phone's event is lost without an answer.
   */
  get evictable(): boolean {
    return !this.#busy;
  }

  /** Closes it to make room for a new connection. */
  evict(reason: ListenerConnectionReason): void {
    if (!this.#closing) this.#report('evicted', reason);
    this.#closing = true;
    this.#socket.destroy();
  }

  /** Closes it now (the server stops). */
  destroy(): void {
    this.#socket.destroy();
  }

  /**
   * The server stops gracefully: the answer being produced is still sent, every later request
   * (pipelined, or sent on this kept-alive connection before `end`) gets 503 `stopping` with
   * `Connection: close`, so the client sends it again on a new connection (elsewhere).
   */
  stop(): void {
    this.#stopping = true;
    this.#serveSafely();
  }

  /** Resolves once no answer is being produced (the one in progress was written). */
  async settled(): Promise<void> {
    while (this.#answering !== undefined) await this.#answering;
  }

  /**
   * Ends it after the server's graceful stop: at once when everything written has left (the
   * client sees the same close as from `end`), else after that (`checkDeadlines` cuts a client
   * that then keeps its side open).
   */
  end(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#pending = undefined;
    if (this.#socket.writableLength === 0) {
      this.#socket.destroy();
      return;
    }
    this.#socket.end();
    this.#closingAt = Date.now();
    this.#updateFlow();
  }

  /** Enforces the head and body deadlines and ends a lingering close; called periodically. */
  checkDeadlines(now: number): void {
    const { limits } = this.#context;
    if (this.#closing) {
      // Answered and ended; a client that keeps its side open does not keep the socket.
      if (
        this.#closingAt !== 0 &&
        now - this.#closingAt > Math.min(1000, limits.keepAliveTimeoutMs)
      ) {
        this.#socket.destroy();
      }
    } else if (this.#bodyToSkip > 0 && now - this.#bodyStartedAt > limits.bodyTimeoutMs) {
      this.#drop('body-timeout');
    } else if (
      !this.#busy &&
      this.#requestStartedAt !== 0 &&
      now - this.#requestStartedAt > limits.headersTimeoutMs
    ) {
      this.#timedOut('head-timeout');
    }
  }

  #report(type: ListenerConnectionEvent['type'], reason: ListenerConnectionReason): void {
    this.#context.report(
      this.source === undefined ? { type, reason } : { type, reason, remoteAddress: this.source },
    );
  }

  #drop(reason: ListenerConnectionReason): void {
    this.#report('dropped', reason);
    this.#closing = true;
    this.#socket.destroy();
  }

  #timedOut(reason: ListenerConnectionReason): void {
    this.#report('dropped', reason);
    this.#refuse(408, 'request-timeout', 'the request did not arrive in time');
  }

  #updateFlow(): void {
    if ((this.#busy || this.#draining) && !this.#closing) this.#socket.pause();
    else this.#socket.resume();
  }

  #send(bytes: string | Buffer): void {
    const socket = this.#socket;
    if (socket.destroyed) return;
    this.#waitingSince = Date.now();
    if (!socket.write(bytes) && !this.#draining) {
      this.#draining = true;
      this.#updateFlow();
      socket.once('drain', () => {
        this.#draining = false;
        this.#updateFlow();
        this.#serveSafely();
      });
    }
    if (this.#closing) {
      socket.end();
      this.#closingAt = this.#waitingSince;
      // Keep reading (and dropping) what the client still sends, so closing does not reset it.
      this.#updateFlow();
    }
  }

  /** The last resort, for a bug of this server: log it and drop the connection. */
  #abandon(error: unknown): void {
    this.#context.logger.error('connection dropped after an unexpected error', error);
    this.#drop('error');
  }

  #refuse(status: number, error: string, detail: string): void {
    this.#closing = true;
    this.#pending = undefined;
    const from = this.source;
    reportRejection(
      this.#context.onReject,
      { status, error, detail, ...(from === undefined ? {} : { remoteAddress: from }) },
      this.#context.logger,
    );
    this.#send(this.#context.responses.error(status, error, detail, false));
  }

  /** A request that came after the server began to stop: 503 with Retry-After, then closed. */
  #refuseStopping(): void {
    this.#closing = true;
    this.#pending = undefined;
    const from = this.source;
    const rejection = {
      status: 503 as const,
      error: 'stopping',
      detail: 'the server is stopping; send the request again',
    };
    reportRejection(
      this.#context.onReject,
      { ...rejection, ...(from === undefined ? {} : { remoteAddress: from }) },
      this.#context.logger,
    );
    this.#send(this.#context.responses.outcome(rejection, false));
  }

  #fail(error: unknown): void {
    this.#context.logger.error('unexpected error', error);
    this.#refuse(500, INTERNAL_ERROR_BODY.error, INTERNAL_ERROR_BODY.detail);
  }

  #wait(answer: Promise<string | Buffer>): void {
    this.#busy = true;
    this.#updateFlow();
    this.#answering = answer
      .then(
        (bytes) => {
          this.#send(bytes);
        },
        (error: unknown) => {
          this.#fail(error);
        },
      )
      .catch((error: unknown) => {
        this.#abandon(error);
      })
      .finally(() => {
        this.#busy = false;
        this.#answering = undefined;
        this.#updateFlow();
        this.#serveSafely();
      });
  }

  #viaApp(head: RequestHead, keepAlive: boolean): void {
    let request: Request;
    try {
      request = new Request(`http://localhost${head.target}`, { method: head.method });
    } catch {
      // `new Request` refuses methods such as CONNECT or TRACE.
      this.#refuse(400, 'bad-request', `cannot handle method ${head.method}`);
      return;
    }
    const from = this.source;
    const env: ListenerBindings = from === undefined ? {} : { remoteAddress: from };
    const { fetch, responses } = this.#context;
    this.#wait(
      Promise.resolve()
        .then(() => fetch(request, env))
        .then((response) => responses.fetched(response, head.method === 'HEAD', keepAlive)),
    );
  }

  #answer(head: RequestHead, keepAlive: boolean): void {
    const route = head.method === 'GET' ? matchFastPath(head.target) : undefined;
    if (route === undefined) {
      this.#viaApp(head, keepAlive);
      return;
    }
    const { handler, responses } = this.#context;
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome =
        handler.limits(head.target, this.#remote) ??
        handler.event(head.target, route.phoneId, route.kind, this.#remote);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (outcome instanceof Promise) {
      this.#wait(outcome.then((o) => responses.outcome(o, keepAlive)));
    } else {
      this.#send(responses.outcome(outcome, keepAlive));
    }
  }

  /** Serves every complete request in `#pending`, in order, until one has to wait. */
  #serve(): void {
    while (this.#pending !== undefined && !this.#busy && !this.#draining && !this.#closing) {
      const pending = this.#pending;
      const frame = frameRequest(pending, this.#scanned, this.#context.limits);
      if (frame.type === 'empty' || frame.type === 'partial') {
        const now = Date.now();
        if (this.#requestStartedAt === 0) this.#requestStartedAt = now;
        else if (now - this.#requestStartedAt > this.#context.limits.headersTimeoutMs) {
          this.#timedOut('head-timeout');
          return;
        }
        if (frame.type === 'empty') {
          this.#pending = undefined;
        } else if (frame.start > 0) {
          this.#pending = pending.subarray(frame.start);
          this.#scanned = frame.scanned - frame.start;
        } else {
          this.#scanned = frame.scanned;
        }
        return;
      }
      if (frame.type === 'refuse') {
        this.#refuse(frame.status, frame.error, frame.detail);
        return;
      }
      this.#requestStartedAt = 0;
      this.#scanned = 0;
      this.#pending = frame.next < pending.length ? pending.subarray(frame.next) : undefined;
      if (frame.bodyToSkip > 0) {
        this.#bodyToSkip = frame.bodyToSkip;
        this.#bodyStartedAt = Date.now();
      }
      if (this.#stopping) {
        this.#refuseStopping();
        return;
      }
      if (!frame.keepAlive) {
        this.#closing = true;
        this.#pending = undefined;
      }
      this.#answer(frame.head, frame.keepAlive);
    }
  }

  #serveSafely(): void {
    try {
      this.#serve();
    } catch (error) {
      this.#abandon(error);
    }
  }

  #append(chunk: Buffer): void {
    const pending = this.#pending;
    if (pending === undefined) {
      this.#pending = chunk;
      this.#storeEnd = -1;
      return;
    }
    const store = this.#store;
    const end = this.#storeEnd;
    if (
      store !== undefined &&
      end >= 0 &&
      pending.buffer === store.buffer &&
      pending.byteOffset + pending.length === store.byteOffset + end &&
      end + chunk.length <= store.length
    ) {
      chunk.copy(store, end);
      this.#storeEnd = end + chunk.length;
      this.#pending = store.subarray(end - pending.length, this.#storeEnd);
      return;
    }
    // Grow by doubling, so a head that trickles in byte by byte is copied a bounded number of
    // times in all (not once per byte).
    const size = pending.length + chunk.length;
    const next = Buffer.allocUnsafeSlow(Math.max(2 * size, 4096));
    pending.copy(next, 0);
    chunk.copy(next, pending.length);
    this.#store = next;
    this.#storeEnd = size;
    this.#pending = next.subarray(0, size);
  }

  #receive(data: Buffer): void {
    if (this.#closing) return;
    let chunk = data;
    if (this.#bodyToSkip > 0) {
      if (Date.now() - this.#bodyStartedAt > this.#context.limits.bodyTimeoutMs) {
        this.#drop('body-timeout');
        return;
      }
      const skipped = Math.min(this.#bodyToSkip, chunk.length);
      this.#bodyToSkip -= skipped;
      if (skipped === chunk.length) return;
      chunk = chunk.subarray(skipped);
    }
    this.#append(chunk);
    this.#serveSafely();
  }

  #idle(): void {
    // Waiting for its answer (the admission bounds that wait) is not idle: the answer's write
    // re-arms the timer. Cut here, the phone got no answer for an event that may be stored.
    if (this.#busy) return;
    if (this.#pending !== undefined && this.#requestStartedAt !== 0 && !this.#closing) {
      this.#timedOut('idle-timeout');
    } else {
      if (this.#bodyToSkip > 0 && !this.#closing) this.#report('dropped', 'body-timeout');
      this.#socket.destroy();
    }
  }
}

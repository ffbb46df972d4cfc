import { Client, Dispatcher, buildConnector } from 'undici';

/** The request's handler, calling `done` once the request has ended, however it ended. */
function endNotifier(
  handler: Dispatcher.DispatchHandlers,
  done: () => void,
): Dispatcher.DispatchHandlers {
  const wrapped: Dispatcher.DispatchHandlers = {
    onComplete(trailers) {
      try {
        handler.onComplete?.(trailers);
      } finally {
        done();
      }
    },
    onError(error) {
      try {
        handler.onError?.(error);
      } finally {
        done();
      }
    },
  };
  if (handler.onConnect) wrapped.onConnect = handler.onConnect.bind(handler);
  if (handler.onHeaders) wrapped.onHeaders = handler.onHeaders.bind(handler);
  if (handler.onData) wrapped.onData = handler.onData.bind(handler);
  if (handler.onUpgrade) wrapped.onUpgrade = handler.onUpgrade.bind(handler);
  if (handler.onResponseStarted)
    wrapped.onResponseStarted = handler.onResponseStarted.bind(handler);
  if (handler.onBodySent) wrapped.onBodySent = handler.onBodySent.bind(handler);
  return wrapped;
}

/**
 * A dispatcher that opens one undici `Client` per request and closes it when the request ends:
 * for phones that are sent `Connection: close` anyway (no pooling to lose). undici 6's `Agent`
 * keeps a pool per origin for as long as it lives (about 25 KB each): shared by a daemon with
 * 10,000 phones, that is 10,000 pools kept for nothing. This keeps nothing between requests.
 */
export class OneShotDispatcher extends Dispatcher {
  // Built once (TLS options, session cache) and shared by every request's Client.
  readonly #connect: buildConnector.connector;
  readonly #open = new Set<Client>();

  constructor(connect: buildConnector.BuildOptions) {
    super();
    this.#connect = buildConnector(connect);
  }

  override dispatch(
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandlers,
  ): boolean {
    const origin = options.origin ?? '';
    const client = new Client(origin, { connect: this.#connect, pipelining: 0 });
    this.#open.add(client);
    const done = (): void => {
      if (!this.#open.delete(client)) return;
      client.close().catch(() => undefined);
    };
    try {
      return client.dispatch(options, endNotifier(handler, done));
    } catch (error) {
      done();
      throw error;
    }
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const closing = Promise.all([...this.#open].map((c) => c.close())).then(() => undefined);
    this.#open.clear();
    if (callback === undefined) return closing;
    void closing.then(callback, callback);
  }

  override destroy(error?: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(
    errorOrCallback?: Error | null | (() => void),
    callback?: () => void,
  ): Promise<void> | void {
    const error = typeof errorOrCallback === 'function' ? null : (errorOrCallback ?? null);
    const cb = typeof errorOrCallback === 'function' ? errorOrCallback : callback;
    const destroying = Promise.all([...this.#open].map((c) => c.destroy(error))).then(
      () => undefined,
    );
    this.#open.clear();
    if (cb === undefined) return destroying;
    void destroying.then(cb, cb);
  }
}

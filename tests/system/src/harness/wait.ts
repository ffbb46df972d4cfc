import type { Socket } from 'node:net';

/**
 * Waits for `promise`, at most `timeoutMs`: true when it resolved in time, false when the time
 * ran out (the caller's assertions then say what is missing). Never leaves a timer behind.
 */
export function within(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      resolve(false);
    }, timeoutMs);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * Resolves once the bytes `needle` have arrived on `socket` (also across chunk borders), or
 * the socket closed. Reads only what other listeners read too: it adds a `data` listener and
 * removes it when done.
 */
export function untilReceived(socket: Socket, needle: string): Promise<void> {
  const wanted = Buffer.from(needle);
  return new Promise((resolve) => {
    let tail = Buffer.alloc(0);
    const done = (): void => {
      socket.off('data', onData);
      socket.off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      const window = Buffer.concat([tail, chunk]);
      if (window.includes(wanted)) done();
      else tail = window.subarray(Math.max(0, window.length - wanted.length + 1));
    };
    socket.on('data', onData);
    socket.once('close', done);
  });
}

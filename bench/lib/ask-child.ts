import type { ChildProcess } from 'node:child_process';

/**
 * Sends `message` to a bench's child process (nothing when null, e.g. to wait for its first
 * report) and resolves with the `key` field of the first message it sends back that has one.
 */
export function askChild<T>(child: ChildProcess, message: string | null, key: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (reply: unknown): void => {
      if (typeof reply === 'object' && reply !== null && key in reply) {
        child.off('message', onMessage);
        resolve((reply as Record<string, T>)[key] as T);
      }
    };
    child.on('message', onMessage);
    if (message !== null) child.send(message);
  });
}

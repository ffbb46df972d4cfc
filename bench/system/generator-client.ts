// The measuring process's handle on the load generator process (generator.ts): forks it with
// this process's loader flags (tsx), sends it requests and hands the fired Action URLs it
// streams to `onFired`.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FiredEvent, GeneratorMessage, GeneratorMethods } from './generator-protocol.js';

/** A running generator process. */
export interface Generator {
  readonly child: ChildProcess;
  call<M extends keyof GeneratorMethods>(
    method: M,
    args: GeneratorMethods[M]['args'],
  ): Promise<GeneratorMethods[M]['result']>;
}

/** Forks generator.ts; `onFired` gets every batch of Action URLs that got their 200. */
export function startGenerator(onFired: (events: readonly FiredEvent[]) => void): Generator {
  const here = dirname(fileURLToPath(import.meta.url));
  const child = fork(join(here, 'generator.ts'), [], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  child.on('message', (message: GeneratorMessage) => {
    if ('fired' in message) {
      onFired(message.fired);
      return;
    }
    const waiter = waiting.get(message.id);
    waiting.delete(message.id);
    if ('error' in message) waiter?.reject(new Error(`generator: ${message.error}`));
    else waiter?.resolve(message.result);
  });
  child.once('exit', (code, signal) => {
    for (const waiter of waiting.values())
      waiter.reject(new Error(`generator exited (${String(code ?? signal)})`));
    waiting.clear();
  });
  return {
    child,
    call(method, args) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ id, method, args });
      });
    },
  };
}

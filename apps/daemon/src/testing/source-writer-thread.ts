import { Worker } from 'node:worker_threads';
import type { StartWriterThread } from '../journal/journal-thread.js';

/**
 * Starts the journal's writer thread from its TypeScript source, for tests (the bundle starts
 * dist/journal-thread-worker.js). Workers do not inherit tsx's loader: it is registered inside.
 * `started` collects the threads, so a test can stop one or terminate them all.
 */
export function sourceWriterThread(started: Worker[] = []): StartWriterThread {
  return (data, transfer) => {
    const file = new URL('../journal/journal-thread-worker.ts', import.meta.url).href;
    const worker = new Worker(
      `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(file)}); });`,
      { eval: true, workerData: data, transferList: transfer },
    );
    started.push(worker);
    return worker;
  };
}

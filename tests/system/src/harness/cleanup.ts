import { afterEach } from 'vitest';
import type { DaemonProcess } from './daemon-process.js';
import { closePhones, type TestPhone } from './phones.js';
import type { SseClient } from './sse-client.js';

/** What a test hands over to be ended after it: each returns what it was given. */
export interface EndAfterEach {
  daemon(daemon: DaemonProcess): DaemonProcess;
  reader(reader: SseClient): SseClient;
  phones(phones: TestPhone[]): TestPhone[];
}

/**
 * Registers an `afterEach` (call at a test file's top level) that closes the SSE readers,
 * stops the daemons (SIGTERM; one already killed is fine) and closes the simulated phones the
 * test handed over, in that order.
 */
export function endAfterEach(): EndAfterEach {
  const daemons: DaemonProcess[] = [];
  const readers: SseClient[] = [];
  const phones: TestPhone[] = [];
  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    await Promise.all(daemons.splice(0).map((d) => d.stop()));
    await closePhones(phones.splice(0));
  });
  return {
    daemon: (daemon) => (daemons.push(daemon), daemon),
    reader: (reader) => (readers.push(reader), reader),
    phones: (started) => (phones.push(...started), started),
  };
}

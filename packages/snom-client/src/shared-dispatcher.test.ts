import { createSimulatedPhone, type SimulatedPhone } from '@snomlink/snom-simulator';
import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createSnomClient, createSnomDispatcher } from './snom-client.js';

// One dispatcher for a fleet of clients (the daemon's case), over real sockets on 127.0.0.1.
const phones: SimulatedPhone[] = [];
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.close()));
});

async function phoneHost(): Promise<string> {
  const phone = createSimulatedPhone({ model: 'snom360' });
  phones.push(phone);
  const { host, port } = await phone.listen({ host: '127.0.0.1', port: 0 });
  return `${host}:${port}`;
}

/** The shared dispatcher, counting the requests sent through it. */
function countingDispatcher(): { dispatcher: Dispatcher; sent: () => number } {
  const dispatcher = createSnomDispatcher();
  let sent = 0;
  const dispatch = dispatcher.dispatch.bind(dispatcher);
  dispatcher.dispatch = (options, handler) => {
    sent++;
    return dispatch(options, handler);
  };
  return { dispatcher, sent: () => sent };
}

describe('a shared dispatcher', () => {
  it('carries the requests of every client given it, and outlives a closed client', async () => {
    const { dispatcher, sent } = countingDispatcher();
    const first = createSnomClient({ host: await phoneHost(), dispatcher });
    const second = createSnomClient({ host: await phoneHost(), dispatcher });
    await expect(first.info()).resolves.toHaveProperty('model', 'snom360');
    await expect(second.info()).resolves.toHaveProperty('model', 'snom360');
    expect(sent()).toBeGreaterThanOrEqual(2);

    // Closing a client leaves the shared pool to its owner: the other client still works.
    await first.close();
    const before = sent();
    await expect(second.info()).resolves.toHaveProperty('model', 'snom360');
    expect(sent()).toBeGreaterThan(before);
    await second.close();
    await dispatcher.close();
  });

  it('a client without one makes its own at its first request and closes it', async () => {
    const client = createSnomClient({ host: await phoneHost() });
    await expect(client.info()).resolves.toHaveProperty('model', 'snom360');
    await client.close();
    // A closed client's next request gets a fresh pool (close is not terminal for the client).
    await expect(client.info()).resolves.toHaveProperty('model', 'snom360');
    await client.close();
  });
});

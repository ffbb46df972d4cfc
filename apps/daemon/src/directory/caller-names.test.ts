import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventHub, createLineModel } from '@snomlink/core';
import type { LineModel, SnomlinkEvent } from '@snomlink/core';
import { actionEvent } from '@snomlink/core/testing';
import { createDirectory } from '@snomlink/directory';
import type { DirectoryEntry, DirectorySource } from '@snomlink/directory';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConfigStore } from '../config/config-store.js';
import type { ConfigStore } from '../config/config-store.js';
import { createCallerNames } from './caller-names.js';
import type { CallerNames } from './caller-names.js';

// "The lookup never delays an event", proven by ordering rather than by wall time (which a
// loaded CI machine cannot promise): the source records what the rest of the daemon had seen
// when the lookup reached it, and answers only when the test opens its gate.

let dir: string;
let config: ConfigStore;
let names: CallerNames | null = null;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-caller-names-'));
  config = await openConfigStore({ file: join(dir, 'config.json') });
  await config.update((c) => ({
    ...c,
    // The config needs a source for the directory to exist; the test swaps in its own below.
    directory: { ...c.directory, sources: [{ type: 'csv', id: 'gate', path: join(dir, 'x.csv') }] },
  }));
});

afterEach(async () => {
  await names?.close();
  names = null;
  await rm(dir, { recursive: true, force: true });
});

interface Gate {
  readonly source: DirectorySource;
  /** What the later hub subscriber had seen when each lookup reached the source. */
  readonly seenAtLookup: string[][];
  open(): void;
}

function gatedSource(seen: () => string[]): Gate {
  const seenAtLookup: string[][] = [];
  let release: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  const entry: DirectoryEntry = {
    id: 'crm:1',
    name: 'Carl Tabelle',
    organization: null,
    numbers: [{ label: 'work', value: '+49304445556', key: '+49304445556' }],
  };
  return {
    seenAtLookup,
    open: () => {
      release();
    },
    source: {
      id: 'gate',
      kind: 'csv',
      async lookup(query) {
        seenAtLookup.push([...seen()]);
        await opened;
        return entry.numbers.some((n) => n.key === query.key) ? entry : undefined;
      },
      search: () => Promise.resolve([]),
      close: () => Promise.resolve(),
    },
  };
}

function setUp(): { model: LineModel; seen: string[]; gate: Gate } {
  const hub = createEventHub<SnomlinkEvent>();
  const model = createLineModel({ hub });
  const seen: string[] = [];
  const gate = gatedSource(() => seen);
  names = createCallerNames({
    config,
    hub,
    logger: pino({ level: 'silent' }),
    isLive: (callId) => model.getCall(callId) !== undefined,
    annotate: (found) => {
      model.applyDirectoryName({
        callId: found.callId,
        party: found.party,
        number: found.number,
        name: found.match.name,
      });
    },
    createDirectory: (options) =>
      createDirectory({ ...options, sources: [gate.source], timeoutMs: 60_000 }),
  });
  names.start();
  // Subscribed after the caller names, like any later part of the daemon (SSE, TAPI, webhooks).
  hub.subscribe((event) => {
    if (event.type === 'call-state') seen.push(`state:${event.call.state}`);
    if (event.type === 'call-info')
      seen.push(`info:${event.call.callerId.directoryName ?? 'no name'}`);
    if (event.type === 'call-finished') seen.push('finished');
  });
  return { model, seen, gate };
}

describe('caller names', () => {
  it('start the lookup only after every subscriber has the event, and name the call later', async () => {
    const { model, seen, gate } = setUp();
    model.apply(actionEvent('desk', 'incoming', { callId: 'c1', remote: 'sip:+49304445556@pbx' }));
    // apply() has returned and the last subscriber has the offering; no lookup has begun yet.
    expect(seen).toEqual(['state:offering']);
    expect(gate.seenAtLookup).toEqual([]);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(gate.seenAtLookup).toEqual([['state:offering']]);
    // While the lookup hangs, the call goes on: nothing waits for it.
    model.apply(actionEvent('desk', 'connected', { callId: 'c1' }));
    expect(seen).toEqual(['state:offering', 'state:connected']);
    gate.open();
    await expect.poll(() => seen.at(-1), { timeout: 10_000 }).toBe('info:Carl Tabelle');
  });

  it('a lookup that never answers holds up no event of the call, up to its end', async () => {
    const { model, seen, gate } = setUp();
    model.apply(actionEvent('desk', 'incoming', { callId: 'c2', remote: 'sip:+49304445556@pbx' }));
    await expect.poll(() => gate.seenAtLookup.length, { timeout: 10_000 }).toBe(1);
    model.apply(actionEvent('desk', 'connected', { callId: 'c2' }));
    model.apply(actionEvent('desk', 'disconnected', { callId: 'c2' }));
    expect(seen).toEqual([
      'state:offering',
      'state:connected',
      'state:disconnected',
      'state:idle',
      'finished',
    ]);
    expect(names?.stats).toMatchObject({ found: 0 });
  });
});

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createEventHub, type SnomlinkEvent } from '@snomlink/core';
import { createEventBuffer } from '../events/event-buffer.js';
import { finishedCall } from '../testing/fixtures.js';
import { fanOutHub } from './hub-fan-out.js';

/** A logger at `level` whose lines land, parsed, in the returned array (synchronously). */
function capturingLogger(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

/** One inbound call's events as the line model publishes them: ringing, talking, finished. */
function oneCall(): SnomlinkEvent[] {
  const done = finishedCall();
  const live = { ...done, state: 'offering' as const, connectedAt: null };
  return [
    { type: 'call-state', call: live, previousState: null },
    { type: 'call-state', call: { ...live, state: 'connected' }, previousState: 'offering' },
    { type: 'call-state', call: done, previousState: 'connected' },
    { type: 'call-finished', call: done },
  ];
}

function fanOut(level: string) {
  const hub = createEventHub<SnomlinkEvent>();
  const { logger, lines } = capturingLogger(level);
  fanOutHub(hub, {
    events: createEventBuffer(),
    webhooks: { handle: () => undefined },
    logger,
  });
  return { hub, lines };
}

describe('fanOutHub logging', () => {
  it('logs a call as one info line when it finishes, with the remote party', () => {
    const { hub, lines } = fanOut('info');
    for (const event of oneCall()) hub.publish(event);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'call finished',
      phoneId: 'desk-201',
      direction: 'inbound',
      remote: '+4930123456',
      mode: 'normal',
      durationMs: 58_000,
    });
  });

  it('logs each state change at debug', () => {
    const { hub, lines } = fanOut('debug');
    for (const event of oneCall()) hub.publish(event);
    expect(lines.map((l) => [l['level'], l['msg']])).toEqual([
      [20, 'call offering'],
      [20, 'call connected'],
      [20, 'call idle'],
      [30, 'call finished'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { SnomlinkEvent } from '@snomlink/core';
import { finishedCall } from '../testing/fixtures.js';
import { createJournalledHub } from './journalled-hub.js';

/**
 * A hub over a journal whose writes are reported when the test says (`written()`), like the
 * writer thread's; what happened lands in `log`, in order.
 */
function setUp(journalled = true) {
  const log: string[] = [];
  const waiting: (() => void)[] = [];
  const hub = createJournalledHub({
    journal: {
      record: (call) => log.push(`record ${call.id}`),
      whenWritten: (written) => waiting.push(written),
    },
    journalled: () => journalled,
  });
  /** The journal reports the oldest `count` waiting calls written. */
  const written = (count = 1): void => {
    for (const callback of waiting.splice(0, count)) callback();
  };
  hub.subscribe((event) => log.push(named(event)));
  return { hub, log, written };
}

const finished = (id: string): SnomlinkEvent => ({
  type: 'call-finished',
  call: finishedCall({ id }),
});
const status = (phoneId: string): SnomlinkEvent => ({
  type: 'line-status',
  phoneId,
  status: 'reachable',
  detail: null,
  at: 0,
});

const named = (event: SnomlinkEvent): string =>
  event.type === 'call-finished' ? `deliver ${event.call.id}` : `deliver ${event.type}`;

describe('journalled hub', () => {
  it("delivers a finished call once written, and its phone's events after it behind it, in order", () => {
    const { hub, log, written } = setUp();
    hub.publish(status('desk-201'));
    hub.publish(finished('a'));
    hub.publish(status('desk-201'));
    hub.publish(finished('b'));
    hub.publish(status('desk-201'));
    expect(log).toEqual(['deliver line-status', 'record a', 'record b']);
    written();
    expect(log.slice(3)).toEqual(['deliver a', 'deliver line-status']);
    written();
    expect(log.slice(5)).toEqual(['deliver b', 'deliver line-status']);
  });

  it("does not hold another phone's events behind a call being written", () => {
    const { hub, log, written } = setUp();
    hub.publish(finished('a')); // desk-201
    hub.publish(status('desk-7'));
    hub.publish({ type: 'call-finished', call: finishedCall({ id: 'c', phoneId: 'desk-7' }) });
    hub.publish(status('desk-7'));
    hub.publish(status('desk-201'));
    expect(log).toEqual(['record a', 'deliver line-status', 'record c']);
    written(2);
    expect(log.slice(3)).toEqual([
      'deliver a',
      'deliver line-status',
      'deliver c',
      'deliver line-status',
    ]);
  });

  it('holds a call written out of turn until the one before it is written', () => {
    const log: string[] = [];
    const order: (() => void)[] = [];
    const journal = {
      record: (call: { id: string }) => log.push(`record ${call.id}`),
      whenWritten: (written: () => void) => order.push(written),
    };
    const ordered = createJournalledHub({ journal, journalled: () => true });
    ordered.subscribe((event) => log.push(`second ${named(event)}`));
    ordered.publish(finished('x'));
    ordered.publish(finished('y'));
    order[1]?.();
    expect(log).toEqual(['record x', 'record y']);
    order[0]?.();
    expect(log.slice(2)).toEqual(['second deliver x', 'second deliver y']);
  });

  it('delivers at once when the journal writes at once (the journal in the daemon thread)', () => {
    const log: string[] = [];
    const hub = createJournalledHub({
      journal: {
        record: (call) => log.push(`record ${call.id}`),
        whenWritten: (written) => {
          log.push('written');
          written();
        },
      },
      journalled: () => true,
    });
    hub.subscribe((event) => log.push(named(event)));
    hub.publish(finished('a'));
    hub.publish(status('desk-1'));
    expect(log).toEqual(['record a', 'written', 'deliver a', 'deliver line-status']);
  });

  it('delivers at once and journals nothing when not journalled (cluster mode)', () => {
    const { hub, log } = setUp(false);
    hub.publish(finished('a'));
    expect(log).toEqual(['deliver a']);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import {
  createPhoneFleet,
  defaultFleetActionUrls,
  fleetHost,
  type PhoneFleet,
} from './phone-fleet.js';
import { createActionUrlReceiver, type ActionUrlReceiver } from './testing/index.js';

let fleet: PhoneFleet | undefined;
let receiver: ActionUrlReceiver | undefined;
afterEach(async () => {
  await fleet?.close();
  await receiver?.close();
  fleet = undefined;
  receiver = undefined;
});

describe('fleetHost', () => {
  it('starts at .2 and wraps to the next /24 after .254', () => {
    expect(fleetHost('127.0.0.', 2, 0)).toBe('127.0.0.2');
    expect(fleetHost('127.0.0.', 2, 252)).toBe('127.0.0.254');
    expect(fleetHost('127.0.0.', 2, 253)).toBe('127.0.1.1');
    expect(fleetHost('127.0.0.', 2, 499)).toBe('127.0.1.247');
  });
});

describe('defaultFleetActionUrls', () => {
  it('writes the listener format, parameters only for full-class phones', () => {
    const full = defaultFleetActionUrls('http://127.0.0.1:8080/', {
      id: 'sim-1',
      secret: 's1',
      capabilities: 'full',
    });
    expect(full.action_incoming_url).toBe(
      'http://127.0.0.1:8080/snom/sim-1/incoming?k=s1&cid=$call-id&n=$nr_ongoing_calls&user=$active_user&local=$local&remote=$remote&dr=$display_remote',
    );
    expect(Object.keys(full)).toHaveLength(9);
    const bare = defaultFleetActionUrls('http://127.0.0.1:8080', {
      id: 'sim-2',
      secret: 's2',
      capabilities: 'parameterless',
    });
    expect(bare).toEqual({
      action_incoming_url: 'http://127.0.0.1:8080/snom/sim-2/incoming?k=s2',
      action_outgoing_url: 'http://127.0.0.1:8080/snom/sim-2/outgoing?k=s2',
      action_offhook_url: 'http://127.0.0.1:8080/snom/sim-2/offhook?k=s2',
      action_onhook_url: 'http://127.0.0.1:8080/snom/sim-2/onhook?k=s2',
    });
  });
});

describe('createPhoneFleet', () => {
  it('runs phones on their own addresses, provisions them and places calls that fire Action URLs', async () => {
    receiver = await createActionUrlReceiver();
    fleet = createPhoneFleet({
      count: 6,
      models: ['snom360', 'snom190'],
      callRate: 40,
      listenerBase: receiver.base,
      secretPrefix: 'sec-',
      durationMs: [10, 40],
      ringMs: [10, 30],
      firstHost: 20,
    });
    await fleet.start();
    expect(fleet.phones.map((p) => p.info.host)).toEqual([
      '127.0.0.20',
      '127.0.0.21',
      '127.0.0.22',
      '127.0.0.23',
      '127.0.0.24',
      '127.0.0.25',
    ]);
    expect(fleet.phones[1]?.info.capabilities).toBe('parameterless');
    await receiver.waitFor(60, { timeoutMs: 15_000 });
    fleet.stopCalls();
    await Promise.all(fleet.phones.map((p) => p.phone.idle()));
    const byHost = new Map(fleet.phones.map((p) => [p.info.host, p.info]));
    for (const r of receiver.received) {
      const info = byHost.get(r.remoteAddress ?? '');
      expect(info).toBeDefined();
      // each phone calls its own id with its own secret
      expect(r.target.startsWith(`/snom/${info?.id ?? ''}/`)).toBe(true);
      expect(r.target).toContain(`k=sec-${String((info?.index ?? 0) + 1)}`);
      if (info?.capabilities === 'parameterless')
        expect(r.target).toMatch(/^\/snom\/[^/]+\/(incoming|outgoing|offhook|onhook)\?k=[^&]+$/);
    }
    const stats = fleet.stats();
    expect(stats.callsStarted).toBeGreaterThan(0);
    expect(stats.internal + stats.outgoing + stats.incoming).toBeGreaterThanOrEqual(
      stats.callsStarted,
    );
    expect(stats.actionUrlsSent).toBeGreaterThanOrEqual(60);
    expect(stats.errors).toBe(0);
  });
});

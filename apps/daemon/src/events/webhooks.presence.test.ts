import { createLineModel, createEventHub, type SnomlinkEvent } from '@snomlink/core';
import { actionEvent } from '@snomlink/core/testing';
import { describe, expect, it } from 'vitest';
import { webhookEventsFor } from './webhooks.js';

describe('line-presence webhooks', () => {
  it('a presence change triggers line-presence with what changed as the state', () => {
    const hub = createEventHub<SnomlinkEvent>();
    const seen: SnomlinkEvent[] = [];
    hub.subscribe((e) => seen.push(e));
    const model = createLineModel({ hub });
    model.setForwardingTarget('desk', 'always', '555');
    model.apply(actionEvent('desk', 'redirection-on'));
    model.apply(actionEvent('desk', 'dnd-on'));
    const [, forwarding, dnd] = seen.map((e) => webhookEventsFor(e));
    expect(forwarding).toEqual([
      {
        kind: 'line-presence',
        context: expect.objectContaining({
          event: 'line-presence',
          phone: 'desk',
          state: 'forwarding-on',
          number: '555',
        }) as unknown,
      },
    ]);
    expect(dnd?.[0]?.context.state).toBe('dnd-on');
  });
});

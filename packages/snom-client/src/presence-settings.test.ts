import { createSimulatedPhone } from '@snomlink/snom-simulator';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRESENCE_SETTINGS, createSnomClient, presenceSettings } from './index.js';

describe('presenceSettings', () => {
  it('maps DND and forwarding to the (Unverified) default setting names', () => {
    expect(presenceSettings({ dnd: true })).toEqual({ dnd_mode: 'on' });
    expect(presenceSettings({ dnd: false, forwarding: { enabled: false } })).toEqual({
      dnd_mode: 'off',
      redirect_event: 'none',
    });
    expect(
      presenceSettings({ forwarding: { enabled: true, mode: 'busy', target: '0301234' } }),
    ).toEqual({ redirect_busy_number: '0301234', redirect_event: 'busy' });
    expect(presenceSettings({})).toEqual({});
  });

  it('takes other names per phone', () => {
    const names = { ...DEFAULT_PRESENCE_SETTINGS, dnd: 'dnd_on', dndValues: { on: '1', off: '0' } };
    expect(presenceSettings({ dnd: true }, names)).toEqual({ dnd_on: '1' });
  });

  it('switches a phone (the simulator) over a real socket', async () => {
    const phone = createSimulatedPhone();
    const { host, port } = await phone.listen();
    const client = createSnomClient({ host: `${host}:${String(port)}` });
    try {
      await client.writeSettings(presenceSettings({ dnd: true }));
      expect(phone.dnd).toBe(true);
      await client.writeSettings(
        presenceSettings({ forwarding: { enabled: true, mode: 'always', target: '555' } }),
      );
      expect(phone.forwarding).toEqual({ mode: 'always', target: '555' });
    } finally {
      await client.close();
      await phone.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ACTION_URL_SETTINGS } from './index.js';
import { get, phoneStarter } from './test-helpers.js';
import { createActionUrlReceiver } from './testing/index.js';

const start = phoneStarter();
const KINDS = ['incoming', 'dnd-on', 'dnd-off', 'redirection-on', 'redirection-off'] as const;

async function phoneWithReceiver(): Promise<
  Awaited<ReturnType<typeof start>> & {
    receiver: Awaited<ReturnType<typeof createActionUrlReceiver>>;
  }
> {
  const receiver = await createActionUrlReceiver();
  const settings = Object.fromEntries(
    KINDS.map((k) => [ACTION_URL_SETTINGS[k], `${receiver.base}/snom/p1/${k}`]),
  );
  const started = await start({ settings });
  return { ...started, receiver };
}

describe('DND and forwarding', () => {
  it('a DND setting written over HTTP fires dnd-on, refuses calls, and dnd-off undoes it', async () => {
    const { phone, base, receiver } = await phoneWithReceiver();
    try {
      expect((await get(`${base}/dummy.htm?settings=save&dnd_mode=on`)).status).toBe(200);
      const on = await phone.waitForActionUrl('dnd-on');
      expect(on.url).toContain('/snom/p1/dnd-on');
      expect(phone.dnd).toBe(true);
      const refusedId = await phone.ring('0301234');
      expect(phone.calls).toEqual([]);
      expect(phone.refusedCalls).toMatchObject([{ callId: refusedId, reason: 'dnd' }]);
      expect(phone.firedActionUrls.some((f) => f.kind === 'incoming')).toBe(false);
      // Writing the same value again changes nothing and fires nothing.
      await get(`${base}/dummy.htm?settings=save&dnd_mode=on`);
      await get(`${base}/dummy.htm?settings=save&dnd_mode=off`);
      await phone.waitForActionUrl('dnd-off');
      expect(
        phone.firedActionUrls.filter((f) => f.kind.startsWith('dnd')).map((f) => f.kind),
      ).toEqual(['dnd-on', 'dnd-off']);
      await phone.ring('0301234');
      expect(phone.calls).toHaveLength(1);
      expect(receiver.received.map((r) => r.target)).toContain('/snom/p1/dnd-off');
    } finally {
      await receiver.close();
    }
  });

  it('a DND setting written through settings.htm fires dnd-on like dummy.htm', async () => {
    const { phone, base, receiver } = await phoneWithReceiver();
    try {
      expect((await get(`${base}/settings.htm?settings=save&dnd_mode=on`)).status).toBe(200);
      await phone.waitForActionUrl('dnd-on');
      expect(phone.dnd).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it('forwarding always sends calls on; busy only while a call is live; clearing fires off', async () => {
    const { phone, base, receiver } = await phoneWithReceiver();
    try {
      await get(`${base}/dummy.htm?settings=save&redirect_event=all&redirect_number=555`);
      await phone.waitForActionUrl('redirection-on');
      expect(phone.forwarding).toEqual({ mode: 'always', target: '555' });
      await phone.ring('0301234');
      expect(phone.refusedCalls).toMatchObject([{ reason: 'forwarded', target: '555' }]);
      await phone.setForwarding({ mode: 'busy', target: '556' });
      await phone.ring('0301111');
      expect(phone.calls).toHaveLength(1);
      await phone.ring('0302222');
      expect(phone.refusedCalls.at(-1)).toMatchObject({ reason: 'forwarded', target: '556' });
      await get(`${base}/dummy.htm?settings=save&redirect_event=none`);
      await phone.waitForActionUrl('redirection-off');
      expect(phone.forwarding).toBeNull();
    } finally {
      await receiver.close();
    }
  });

  it('the DND key toggles DND', async () => {
    const { phone, base, receiver } = await phoneWithReceiver();
    try {
      await get(`${base}/command.htm?key=DND`);
      await phone.waitForActionUrl('dnd-on');
      expect(phone.settings.get('dnd_mode')).toBe('on');
      await phone.pressKeys(['DND']);
      await phone.waitForActionUrl('dnd-off');
      expect(phone.dnd).toBe(false);
    } finally {
      await receiver.close();
    }
  });
});

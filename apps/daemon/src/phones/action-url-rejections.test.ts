import type { ListenerRejection } from '@snomlink/listener';
import { describe, expect, it } from 'vitest';
import { createActionUrlRejections } from './action-url-rejections.js';

function setup(): {
  rejections: ReturnType<typeof createActionUrlRejections>;
  warnings: { context: Record<string, unknown>; message: string }[];
  debug: Record<string, unknown>[];
  clock: { now: number };
} {
  const warnings: { context: Record<string, unknown>; message: string }[] = [];
  const debug: Record<string, unknown>[] = [];
  const clock = { now: 1_700_000_000_000 };
  const rejections = createActionUrlRejections({
    logger: {
      warn: (context, message) => {
        warnings.push({ context: context as Record<string, unknown>, message });
      },
      debug: (context) => {
        debug.push(context as Record<string, unknown>);
      },
    },
    isConfiguredPhone: (id) => id === 'desk-1' || id === 'desk-2',
    now: () => clock.now,
  });
  return { rejections, warnings, debug, clock };
}

const wrongSecret = (phoneId: string): ListenerRejection => ({
  status: 403,
  error: 'forbidden',
  detail: `wrong or missing secret (k=) for phone "${phoneId}"; rewrite its Action URLs`,
  phoneId,
  remoteAddress: '192.168.1.50',
});

describe('createActionUrlRejections', () => {
  it('counts refusals by status and error', () => {
    const { rejections } = setup();
    rejections.record(wrongSecret('desk-1'));
    rejections.record(wrongSecret('desk-2'));
    rejections.record({ status: 404, error: 'unknown-phone', detail: 'x', phoneId: 'nobody' });
    rejections.record({
      status: 400,
      error: 'bad-request',
      detail: 'not an HTTP/1.x request line',
    });
    expect(rejections.counts()).toEqual([
      { status: 403, error: 'forbidden', count: 2 },
      { status: 404, error: 'unknown-phone', count: 1 },
      { status: 400, error: 'bad-request', count: 1 },
    ]);
  });

  it('warns about a configured phone refused with 403 at most once per 10 minutes, naming the fix', () => {
    const { rejections, warnings, debug, clock } = setup();
    rejections.record(wrongSecret('desk-1'));
    rejections.record(wrongSecret('desk-1'));
    rejections.record(wrongSecret('desk-2'));
    expect(warnings.map((w) => w.context['phoneId'])).toEqual(['desk-1', 'desk-2']);
    expect(warnings[0]?.message).toMatch(/desk-1.*provision the phone again/);
    expect(warnings[0]?.context).toMatchObject({ remoteAddress: '192.168.1.50', status: 403 });
    expect(debug).toHaveLength(1);
    clock.now += 600_000;
    rejections.record(wrongSecret('desk-1'));
    expect(warnings).toHaveLength(3);
  });

  it('logs forged or stray traffic at debug only: unknown phones, other statuses', () => {
    const { rejections, warnings, debug } = setup();
    rejections.record(wrongSecret('not-configured'));
    rejections.record({ status: 404, error: 'unknown-phone', detail: 'x', phoneId: 'desk-1' });
    rejections.record({ status: 429, error: 'too-many-requests', detail: 'x' });
    expect(warnings).toEqual([]);
    expect(debug).toHaveLength(3);
  });

  it('keeps the number of series bounded', () => {
    const { rejections } = setup();
    for (let i = 0; i < 100; i++)
      rejections.record({ status: 400, error: `e${String(i)}`, detail: '' });
    const counts = rejections.counts();
    expect(counts.length).toBeLessThanOrEqual(33);
    expect(counts.reduce((sum, row) => sum + row.count, 0)).toBe(100);
    expect(counts.find((row) => row.error === 'other')?.count).toBe(68);
  });
});

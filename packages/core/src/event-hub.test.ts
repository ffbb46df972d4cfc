import { describe, expect, it, vi } from 'vitest';
import { createEventHub, type HubItem } from './event-hub.js';

describe('createEventHub', () => {
  it('delivers to synchronous subscribers in order and stops after unsubscribe', () => {
    const hub = createEventHub<number>();
    const seen: number[] = [];
    const off = hub.subscribe((n) => seen.push(n));
    hub.publish(1);
    hub.publish(2);
    expect(hub.subscriberCount).toBe(1);
    off();
    off();
    hub.publish(3);
    expect(seen).toEqual([1, 2]);
    expect(hub.subscriberCount).toBe(0);
  });

  it('a throwing subscriber is reported, skipped, and never reaches the publisher', () => {
    const errors: unknown[] = [];
    const hub = createEventHub<string>({ onListenerError: (e) => errors.push(e) });
    const seen: string[] = [];
    hub.subscribe(() => {
      throw new Error('boom');
    });
    hub.subscribe((s) => seen.push(s));
    expect(() => {
      hub.publish('a');
    }).not.toThrow();
    expect(seen).toEqual(['a']);
    expect(errors).toHaveLength(1);
  });

  it('defaults to console.error for a throwing subscriber', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const hub = createEventHub<number>();
    hub.subscribe(() => {
      throw new Error('x');
    });
    hub.publish(1);
    expect(spy).toHaveBeenCalledOnce();
    spy.mockRestore();
  });

  it('reports a throwing subscriber to the logger option instead of the console', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const logged: { context: { readonly err?: unknown }; message: string }[] = [];
    const hub = createEventHub<number>({
      logger: {
        error: (context, message) => logged.push({ context, message }),
        warn: () => undefined,
      },
    });
    const thrown = new Error('x');
    hub.subscribe(() => {
      throw thrown;
    });
    hub.publish(1);
    expect(logged).toEqual([
      { context: { err: thrown }, message: 'snomlink event hub: a subscriber threw' },
    ]);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('unsubscribing during publish does not skip the other listeners', () => {
    const hub = createEventHub<number>();
    const seen: string[] = [];
    const offA = hub.subscribe(() => {
      seen.push('a');
      offA();
    });
    hub.subscribe(() => seen.push('b'));
    hub.publish(1);
    hub.publish(2);
    expect(seen).toEqual(['a', 'b', 'b']);
  });

  it('stream yields values published before the first next() and while waiting', async () => {
    const hub = createEventHub<number>();
    const it = hub.stream();
    hub.publish(1);
    expect(await it.next()).toEqual({ done: false, value: { type: 'value', value: 1 } });
    const pending = it.next();
    hub.publish(2);
    expect(await pending).toEqual({ done: false, value: { type: 'value', value: 2 } });
    await it.return?.();
  });

  it('a slow reader loses the oldest values and is told how many, publisher never blocks', async () => {
    const hub = createEventHub<number>({ bufferSize: 8 });
    const it = hub.stream({ bufferSize: 3 });
    for (let i = 1; i <= 10; i += 1) hub.publish(i);
    const items: HubItem<number>[] = [];
    for (let i = 0; i < 4; i += 1) {
      const r = await it.next();
      if (r.done !== true) items.push(r.value);
    }
    expect(items).toEqual([
      { type: 'dropped', count: 7 },
      { type: 'value', value: 8 },
      { type: 'value', value: 9 },
      { type: 'value', value: 10 },
    ]);
    hub.publish(11);
    expect(await it.next()).toEqual({ done: false, value: { type: 'value', value: 11 } });
    await it.return?.();
  });

  it('uses the hub default buffer size when the stream gives none', async () => {
    const hub = createEventHub<number>({ bufferSize: 2 });
    const it = hub.stream();
    for (let i = 1; i <= 5; i += 1) hub.publish(i);
    expect((await it.next()).value).toEqual({ type: 'dropped', count: 3 });
    expect((await it.next()).value).toEqual({ type: 'value', value: 4 });
    await it.return?.();
  });

  it('return() unsubscribes and ends a pending next()', async () => {
    const hub = createEventHub<number>();
    const it = hub.stream();
    expect(hub.subscriberCount).toBe(1);
    const pending = it.next();
    await it.return?.();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(hub.subscriberCount).toBe(0);
    hub.publish(1);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('an abort signal ends for-await and unsubscribes', async () => {
    const hub = createEventHub<number>();
    const controller = new AbortController();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const item of hub.stream({ signal: controller.signal })) {
        if (item.type === 'value') {
          seen.push(item.value);
          if (item.value === 2) controller.abort();
        }
      }
    })();
    hub.publish(1);
    hub.publish(2);
    hub.publish(3);
    await reading;
    expect(seen).toEqual([1, 2]);
    expect(hub.subscriberCount).toBe(0);
  });

  it('an already aborted signal gives an ended stream', async () => {
    const hub = createEventHub<number>();
    const it = hub.stream({ signal: AbortSignal.abort() });
    expect(hub.subscriberCount).toBe(0);
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  it('breaking out of for-await unsubscribes', async () => {
    const hub = createEventHub<number>();
    hub.publish(0);
    const stream = hub.stream();
    hub.publish(1);
    for await (const item of stream) {
      expect(item).toEqual({ type: 'value', value: 1 });
      break;
    }
    expect(hub.subscriberCount).toBe(0);
  });

  it('concurrent next() calls are served in order', async () => {
    const hub = createEventHub<number>();
    const it = hub.stream();
    const a = it.next();
    const b = it.next();
    hub.publish(1);
    hub.publish(2);
    expect((await a).value).toEqual({ type: 'value', value: 1 });
    expect((await b).value).toEqual({ type: 'value', value: 2 });
    const c = it.next();
    await it.return?.();
    expect((await c).done).toBe(true);
  });
});

import {
  ACTION_EVENT_KINDS,
  PARAMETERLESS_EVENT_KINDS,
  safeParseActionEvent,
} from '@snomlink/core';
import type { ActionEvent } from '@snomlink/core';
import { describe, expect, it, vi } from 'vitest';
import { ACTION_URL_SETTING_NAMES, buildActionUrls } from './action-urls.js';
import { createListenerApp } from './listener-app.js';
import type {
  ListenerBindings,
  ListenerOptions,
  ListenerPhone,
  ListenerRejection,
} from './listener-options.js';
import { expandActionUrl } from './testing/phone-request.js';

const SECRET = 's3cr3t-Token_0123456789';
const PHONES: Record<string, ListenerPhone> = {
  p1: { id: 'p1', secret: SECRET, host: '127.0.0.2' },
  p190: { id: 'p190', secret: 'other-secret', host: 'localhost:80' },
};

function setup(extra: Partial<ListenerOptions> = {}): {
  app: ReturnType<typeof createListenerApp>;
  events: ActionEvent[];
  next: () => Promise<ActionEvent>;
  onEvent: ReturnType<typeof vi.fn>;
} {
  const events: ActionEvent[] = [];
  const waiters: ((e: ActionEvent) => void)[] = [];
  const onEvent = vi.fn((event: ActionEvent) => {
    events.push(event);
    waiters.shift()?.(event);
  });
  const app = createListenerApp({
    resolvePhone: (id) => PHONES[id],
    onEvent,
    now: () => 1_700_000_000_000,
    ...extra,
  });
  return {
    app,
    events,
    onEvent,
    next: () =>
      new Promise((resolve) => {
        waiters.push(resolve);
      }),
  };
}

/** Waits until every onEvent scheduled so far has run (they are deferred with setImmediate). */
function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

const FULL = {
  callId: 'a84b4c76e66710@pbx.example',
  nrOngoingCalls: '1',
  activeUser: '201',
  local: 'sip:201@pbx.example',
  remote: 'sip:+4930123456@pbx.example',
  displayRemote: 'Anna Müller & Söhne #1 = "best"',
};

describe('every event kind', () => {
  it.each(ACTION_EVENT_KINDS)('full class: %s delivers the decoded variables', async (kind) => {
    const { app, next } = setup();
    const urls = buildActionUrls({
      publicBase: 'http://192.168.1.5:8080',
      phoneId: 'p1',
      secret: SECRET,
      capabilities: 'full',
    });
    const template = urls[ACTION_URL_SETTING_NAMES[kind]];
    expect(template).toBeDefined();
    const received = next();
    const res = await app.request(expandActionUrl(template ?? '', FULL));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    const event = await received;
    expect(event).toEqual({
      phoneId: 'p1',
      kind,
      source: 'action-url',
      receivedAt: 1_700_000_000_000,
      params: {
        callId: FULL.callId,
        nrOngoingCalls: 1,
        activeUser: '201',
        local: FULL.local,
        remote: FULL.remote,
        displayRemote: FULL.displayRemote,
      },
    });
    expect(safeParseActionEvent(event).success).toBe(true);
  });

  it.each(PARAMETERLESS_EVENT_KINDS)(
    'parameterless class: %s delivers the kind from the path, no params',
    async (kind) => {
      const { app, next } = setup();
      const urls = buildActionUrls({
        publicBase: 'http://192.168.1.5:8080/',
        phoneId: 'p190',
        secret: 'other-secret',
        capabilities: 'parameterless',
      });
      const received = next();
      const res = await app.request(
        expandActionUrl(urls[ACTION_URL_SETTING_NAMES[kind]] ?? '', FULL),
      );
      expect(res.status).toBe(200);
      expect(await received).toMatchObject({ phoneId: 'p190', kind, params: {} });
    },
  );

  it('treats unexpanded $variables (a 190 given the full template) as absent', async () => {
    const { app, next } = setup();
    const urls = buildActionUrls({
      publicBase: 'http://pc:8080',
      phoneId: 'p1',
      secret: SECRET,
      capabilities: 'full',
    });
    const received = next();
    const res = await app.request(expandActionUrl(urls.action_incoming_url ?? '', {}));
    expect(res.status).toBe(200);
    expect((await received).params).toEqual({});
  });

  it('accepts HEAD and POST as well as GET', async () => {
    const { app, events } = setup();
    for (const method of ['HEAD', 'POST']) {
      const res = await app.request(`/snom/p1/offhook?k=${SECRET}`, { method });
      expect(res.status).toBe(200);
    }
    await settled();
    expect(events.map((e) => e.kind)).toEqual(['offhook', 'offhook']);
  });
});

describe('raw values as phones send them', () => {
  it('keeps +, takes dr= to the end, decodes valid escapes and keeps invalid ones', async () => {
    const { app, next } = setup();
    const received = next();
    const res = await app.request(
      `/snom/p1/incoming?k=${SECRET}&remote=sip:+4930123456@pbx.example;user=phone&dr=100%25 A&B=C#x %zz %4`,
    );
    expect(res.status).toBe(200);
    const { params } = await received;
    expect(params.remote).toBe('sip:+4930123456@pbx.example;user=phone');
    expect(params.displayRemote).toBe('100% A&B=C#x %zz %4');
  });

  it('reads percent-encoded UTF-8 and Latin-1 bytes', async () => {
    const { app, next } = setup();
    let received = next();
    await app.request(`/snom/p1/incoming?k=${SECRET}&dr=J%C3%B6rg`);
    expect((await received).params.displayRemote).toBe('Jörg');
    received = next();
    await app.request(`/snom/p1/incoming?k=${SECRET}&dr=J%F6rg%20M%FCller`);
    expect((await received).params.displayRemote).toBe('Jörg Müller');
  });

  it('the first occurrence of a key wins, so a caller-controlled remote cannot replace k', async () => {
    const { app, next } = setup();
    const received = next();
    const res = await app.request(
      `/snom/p1/incoming?k=${SECRET}&cid=1&cid=2&remote=sip:x&k=wrong@pbx&dr=Name`,
    );
    expect(res.status).toBe(200);
    expect((await received).params).toMatchObject({ callId: '1', remote: 'sip:x' });
  });

  it('replaces control characters in values with spaces', async () => {
    const { app, next } = setup();
    const received = next();
    await app.request(`/snom/p1/incoming?k=${SECRET}&dr=Evil%0D%0AInjected%00`);
    expect((await received).params.displayRemote).toBe('Evil  Injected');
  });
});

describe('rejections never reach onEvent', () => {
  async function expectRejected(
    res: Response,
    status: number,
    error: string,
    onEvent: ReturnType<typeof vi.fn>,
  ): Promise<void> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as { error: string; detail: string };
    expect(body.error).toBe(error);
    expect(body.detail.length).toBeGreaterThan(0);
    await settled();
    expect(onEvent).not.toHaveBeenCalled();
  }

  it('403 for a wrong secret', async () => {
    const { app, onEvent } = setup();
    await expectRejected(await app.request('/snom/p1/incoming?k=wrong'), 403, 'forbidden', onEvent);
  });

  it('403 for a missing secret, and for a secret of another phone', async () => {
    const { app, onEvent } = setup();
    await expectRejected(await app.request('/snom/p1/incoming'), 403, 'forbidden', onEvent);
    await expectRejected(
      await app.request('/snom/p1/incoming?k=other-secret'),
      403,
      'forbidden',
      onEvent,
    );
    await expectRejected(await app.request('/snom/p1/incoming?k='), 403, 'forbidden', onEvent);
  });

  it('403 for a secret that is a prefix or extension of the right one', async () => {
    const { app, onEvent } = setup();
    await expectRejected(
      await app.request(`/snom/p1/incoming?k=${SECRET.slice(0, -1)}`),
      403,
      'forbidden',
      onEvent,
    );
    await expectRejected(
      await app.request(`/snom/p1/incoming?k=${SECRET}x`),
      403,
      'forbidden',
      onEvent,
    );
  });

  it('404 for an unknown phone', async () => {
    const { app, onEvent } = setup();
    await expectRejected(
      await app.request(`/snom/nobody/incoming?k=${SECRET}`),
      404,
      'unknown-phone',
      onEvent,
    );
  });

  it('404 for an unknown event', async () => {
    const { app, onEvent } = setup();
    await expectRejected(
      await app.request(`/snom/p1/ringing?k=${SECRET}`),
      404,
      'unknown-event',
      onEvent,
    );
  });

  it('404 for other paths and methods', async () => {
    const { app, onEvent } = setup();
    await expectRejected(await app.request('/'), 404, 'not-found', onEvent);
    await expectRejected(
      await app.request(`/snom/p1/incoming/extra?k=${SECRET}`),
      404,
      'not-found',
      onEvent,
    );
    await expectRejected(
      await app.request(`/snom/p1/incoming?k=${SECRET}`, { method: 'PUT' }),
      404,
      'not-found',
      onEvent,
    );
  });

  it('414 for a target longer than maxUrlLength', async () => {
    const { app, onEvent } = setup({ maxUrlLength: 200 });
    await expectRejected(
      await app.request(`/snom/p1/incoming?k=${SECRET}&dr=${'x'.repeat(200)}`),
      414,
      'uri-too-long',
      onEvent,
    );
    await expectRejected(await app.request(`/${'y'.repeat(300)}`), 414, 'uri-too-long', onEvent);
  });

  it('400 for a malformed n=', async () => {
    const { app, onEvent } = setup();
    await expectRejected(
      await app.request(`/snom/p1/incoming?k=${SECRET}&n=many`),
      400,
      'bad-request',
      onEvent,
    );
  });

  it('400 for a value longer than the event schema allows', async () => {
    const { app, onEvent } = setup();
    await expectRejected(
      await app.request(`/snom/p1/incoming?k=${SECRET}&cid=${'c'.repeat(600)}`),
      400,
      'bad-request',
      onEvent,
    );
  });

  it('429 over the per-source rate, per source, refilled over time', async () => {
    let t = 0;
    const { app, onEvent, events } = setup({ rateLimit: { perSecond: 2, burst: 3 }, now: () => t });
    const url = `/snom/p1/incoming?k=${SECRET}`;
    const from = (remoteAddress: string): Promise<Response> =>
      Promise.resolve(app.request(url, {}, { remoteAddress }));
    for (let i = 0; i < 3; i++) expect((await from('127.0.0.2')).status).toBe(200);
    await settled();
    expect(events).toHaveLength(3);
    onEvent.mockClear();
    const limited = await from('127.0.0.2');
    expect(limited.headers.get('retry-after')).toBe('1');
    await expectRejected(limited, 429, 'too-many-requests', onEvent);
    expect((await from('127.0.0.3')).status).toBe(200); // another source has its own bucket
    t += 500; // one token back
    expect((await from('127.0.0.2')).status).toBe(200);
    expect((await from('127.0.0.2')).status).toBe(429);
  });

  it('rate limiting is off by default', async () => {
    const { app } = setup();
    for (let i = 0; i < 200; i++) {
      expect((await app.request(`/snom/p1/onhook?k=${SECRET}`)).status).toBe(200);
    }
  });

  it('403 from a source address other than the phone host when checkSourceAddress is on', async () => {
    const { app, onEvent, next } = setup({ checkSourceAddress: true });
    const url = `/snom/p1/incoming?k=${SECRET}`;
    await expectRejected(
      await app.request(url, {}, { remoteAddress: '127.0.0.9' }),
      403,
      'forbidden',
      onEvent,
    );
    await expectRejected(await app.request(url), 403, 'forbidden', onEvent); // unknown source
    const received = next();
    const ok = await app.request(url, {}, { remoteAddress: '::ffff:127.0.0.2' });
    expect(ok.status).toBe(200);
    expect((await received).phoneId).toBe('p1');
  });

  it('resolves a host name for the source check (localhost:80 → 127.0.0.1)', async () => {
    const { app, onEvent, next } = setup({ checkSourceAddress: true });
    const url = '/snom/p190/incoming?k=other-secret';
    await expectRejected(
      await app.request(url, {}, { remoteAddress: '127.0.0.5' }),
      403,
      'forbidden',
      onEvent,
    );
    const received = next();
    expect((await app.request(url, {}, { remoteAddress: '127.0.0.1' })).status).toBe(200);
    expect((await received).phoneId).toBe('p190');
  });

  it('source check is off by default', async () => {
    const { app, next } = setup();
    const received = next();
    const res = await app.request(
      `/snom/p1/incoming?k=${SECRET}`,
      {},
      { remoteAddress: '10.9.9.9' },
    );
    expect(res.status).toBe(200);
    expect((await received).kind).toBe('incoming');
  });
});

describe('onEvent isolation', () => {
  it('answers before onEvent runs, and survives an onEvent that throws', async () => {
    const onCallbackError = vi.fn();
    let calls = 0;
    const { app } = setup({
      onEvent: () => {
        calls += 1;
        throw new Error('consumer bug');
      },
      onCallbackError,
    });
    const res = await app.request(`/snom/p1/incoming?k=${SECRET}`);
    expect(res.status).toBe(200);
    expect(calls).toBe(0); // not yet: deferred until after the answer
    await settled();
    expect(calls).toBe(1);
    expect(onCallbackError).toHaveBeenCalledTimes(1);
    expect((await app.request(`/snom/p1/onhook?k=${SECRET}`)).status).toBe(200);
  });

  it('reports a rejected promise from an async onEvent', async () => {
    const failed = new Promise<unknown>((resolve) => {
      const { app } = setup({
        onEvent: (() =>
          Promise.reject(new Error('async consumer bug'))) as unknown as ListenerOptions['onEvent'],
        onCallbackError: (error) => {
          resolve(error);
        },
      });
      void app.request(`/snom/p1/incoming?k=${SECRET}`);
    });
    expect(String(await failed)).toMatch(/async consumer bug/);
  });

  it('looks phones up per request, so phones can be added at run time', async () => {
    const phones = new Map<string, ListenerPhone>();
    const onEvent = vi.fn();
    const app = createListenerApp({ resolvePhone: (id) => phones.get(id), onEvent });
    expect((await app.request('/snom/new/incoming?k=abc')).status).toBe(404);
    phones.set('new', { id: 'new', secret: 'abc' });
    expect((await app.request('/snom/new/incoming?k=abc')).status).toBe(200);
    phones.delete('new');
    expect((await app.request('/snom/new/incoming?k=abc')).status).toBe(404);
  });
});

describe('onReject', () => {
  it('reports every refusal once, with status, error, phone id and address, and no acceptance', async () => {
    const rejections: ListenerRejection[] = [];
    const { app } = setup({
      onReject: (r) => rejections.push(r),
      checkSourceAddress: true,
      maxUrlLength: 200,
      rateLimit: { perSecond: 0.001, burst: 7 },
    });
    const from = (address: string): ListenerBindings => ({ remoteAddress: address });
    const here = from('127.0.0.2');
    await app.request(`/snom/p1/incoming?k=${SECRET}`, {}, here); // accepted: not reported
    await app.request('/snom/p1/incoming?k=wrong', {}, here);
    await app.request(`/snom/nobody/incoming?k=${SECRET}`, {}, here);
    await app.request(`/snom/p1/ringing?k=${SECRET}`, {}, here);
    await app.request(`/snom/p1/incoming?k=${SECRET}&n=many`, {}, here);
    await app.request(`/snom/p1/incoming?k=${SECRET}`, {}, from('10.0.0.9'));
    await app.request(`/snom/p1/incoming?k=${SECRET}&dr=${'x'.repeat(300)}`, {}, here);
    await app.request('/favicon.ico', {}, here);
    await app.request(`/snom/p1/incoming?k=${SECRET}`, {}, here); // 8th from here: over the burst
    expect(rejections.every((r) => r.detail.length > 0)).toBe(true);
    expect(rejections.map(({ detail: _detail, ...rest }) => rest)).toEqual([
      {
        status: 403,
        error: 'forbidden',
        phoneId: 'p1',
        remoteAddress: '127.0.0.2',
      },
      {
        status: 404,
        error: 'unknown-phone',
        phoneId: 'nobody',
        remoteAddress: '127.0.0.2',
      },
      {
        status: 404,
        error: 'unknown-event',
        phoneId: 'p1',
        remoteAddress: '127.0.0.2',
      },
      {
        status: 400,
        error: 'bad-request',
        phoneId: 'p1',
        remoteAddress: '127.0.0.2',
      },
      {
        status: 403,
        error: 'forbidden',
        phoneId: 'p1',
        remoteAddress: '10.0.0.9',
      },
      {
        status: 414,
        error: 'uri-too-long',
        remoteAddress: '127.0.0.2',
      },
      { status: 404, error: 'not-found', remoteAddress: '127.0.0.2' },
      {
        status: 429,
        error: 'too-many-requests',
        remoteAddress: '127.0.0.2',
      },
    ]);
  });

  it('cuts a long phone id from the path to 64 characters', async () => {
    const rejections: ListenerRejection[] = [];
    const { app } = setup({ onReject: (r) => rejections.push(r) });
    await app.request(`/snom/${'p'.repeat(500)}/incoming?k=x`);
    expect(rejections[0]?.phoneId).toBe(`${'p'.repeat(64)}…`);
  });

  it('an onReject that throws changes no answer', async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const { app } = setup({
        onReject: () => {
          throw new Error('metrics down');
        },
      });
      expect((await app.request('/snom/p1/incoming?k=wrong')).status).toBe(403);
      expect((await app.request('/nowhere')).status).toBe(404);
    } finally {
      console.error = original;
    }
    expect(errors).toHaveLength(2);
  });
});

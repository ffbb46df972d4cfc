import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActionUrlReceiver, type ActionUrlReceiver } from './testing/index.js';
import {
  ACTION_URL_SETTINGS,
  createSimulatedPhone,
  isActionUrlTimeoutError,
  type SimulatedPhone,
  type SimulatedPhoneOptions,
} from './index.js';

const KINDS = [
  'incoming',
  'outgoing',
  'offhook',
  'onhook',
  'connected',
  'disconnected',
  'missed',
  'hold',
  'unhold',
  'blind-transfer',
] as const;
const FULL_QUERY =
  'cid=$call-id&n=$nr_ongoing_calls&user=$active_user&local=$local&remote=$remote&dr=$display_remote';

function fullUrls(base: string): Record<string, string> {
  return Object.fromEntries(
    KINDS.map((k) => [ACTION_URL_SETTINGS[k], `${base}/snom/p1/${k}?k=s3cret&${FULL_QUERY}`]),
  );
}
function parameterlessUrls(base: string): Record<string, string> {
  return Object.fromEntries(
    KINDS.map((k) => [ACTION_URL_SETTINGS[k], `${base}/snom/p1/${k}?k=s3cret`]),
  );
}

/** The request target a full-class phone sends, as the latin1 view of its UTF-8 bytes. */
function full(
  kind: string,
  v: { cid: string; n: number; remote: string; dr?: string; local?: string },
): string {
  const text = `/snom/p1/${kind}?k=s3cret&cid=${v.cid}&n=${String(v.n)}&user=201&local=${v.local ?? '201@pbx.example'}&remote=${v.remote}&dr=${v.dr ?? ''}`;
  return Buffer.from(text, 'utf8').toString('latin1');
}
const bare = (kind: string): string => `/snom/p1/${kind}?k=s3cret`;

function get(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${path}`, { headers: { Connection: 'close' } }, (res) => {
        res.resume();
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
      })
      .on('error', reject);
  });
}

let receiver: ActionUrlReceiver;
const phones: SimulatedPhone[] = [];
beforeEach(async () => {
  receiver = await createActionUrlReceiver();
});
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.close()));
  await receiver.close();
});

async function phoneWith(
  kind: 'full' | 'parameterless',
  extra: SimulatedPhoneOptions = {},
): Promise<{ phone: SimulatedPhone; base: string }> {
  const phone = createSimulatedPhone({
    model: kind === 'full' ? 'snom360' : 'snom190',
    settings: kind === 'full' ? fullUrls(receiver.base) : parameterlessUrls(receiver.base),
    answerDelayMs: 20,
    ...extra,
  });
  phones.push(phone);
  const { url } = await phone.listen({ host: '127.0.0.2' });
  return { phone, base: url };
}

const targets = (): string[] => receiver.received.map((r) => r.target);
// `$remote` / `$local` arrive as user@host without `sip:` (snom-evidence.md §1).
const ANNA = '+4930123456@pbx.example';

describe('full class (snom360): Action URL sequences byte for byte', () => {
  it('incoming call answered and hung up', async () => {
    const { phone } = await phoneWith('full');
    const cid = await phone.ring('+4930123456', {
      display: 'Jörg Müller & Co #1',
      callId: 'a84b4c76e66710@pbx.example',
    });
    await phone.answer();
    await phone.hangUp();
    const v = { cid, remote: ANNA, dr: 'Jörg Müller & Co #1' };
    expect(targets()).toEqual([
      full('incoming', { ...v, n: 1 }),
      full('offhook', { ...v, n: 1 }),
      full('connected', { ...v, n: 1 }),
      full('disconnected', { ...v, n: 0 }),
      full('onhook', { ...v, n: 0 }),
    ]);
    expect(phone.firedActionUrls.map((f) => f.url)).toEqual(
      targets().map((t) => `${receiver.base}${t}`),
    );
    expect(phone.firedActionUrls.every((f) => f.status === 200 && f.error === null)).toBe(true);
    expect(receiver.received.every((r) => r.remoteAddress === '127.0.0.2')).toBe(true);
    expect(receiver.received[0]?.raw).toBe(
      `GET ${targets()[0] ?? ''} HTTP/1.1\r\nHost: 127.0.0.1:${String(receiver.port)}\r\nUser-Agent: Mozilla/4.0 (compatible; snom360-SIP 8.7.5.35 1.1.3-s)\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
    );
  });

  it('missed call: incoming then missed', async () => {
    const { phone } = await phoneWith('full');
    const cid = await phone.ring('+4930123456', { display: 'Anna' });
    await phone.remoteHangUp();
    expect(targets()).toEqual([
      full('incoming', { cid, n: 1, remote: ANNA, dr: 'Anna' }),
      full('missed', { cid, n: 0, remote: ANNA, dr: 'Anna' }),
    ]);
  });

  it('rejected with the CANCEL key: incoming and nothing after it', async () => {
    const { phone, base } = await phoneWith('full');
    const cid = await phone.ring('+4930123456');
    expect(await get(base, '/command.htm?key=CANCEL')).toBe(200);
    await phone.idle();
    expect(phone.calls).toEqual([]);
    expect(targets()).toEqual([full('incoming', { cid, n: 1, remote: ANNA })]);
  });

  it('outgoing call via command.htm, answered by the far end, ended by it', async () => {
    const { phone, base } = await phoneWith('full');
    expect(await get(base, '/command.htm?number=%2B4940555&outgoing_uri=201%40pbx.example')).toBe(
      302,
    );
    const connected = await phone.waitForActionUrl('connected');
    await phone.remoteHangUp();
    const cid = connected.callId ?? '';
    const remote = '+4940555@pbx.example';
    expect(targets()).toEqual([
      full('offhook', { cid, n: 1, remote }),
      full('outgoing', { cid, n: 1, remote }),
      full('connected', { cid, n: 1, remote }),
      full('disconnected', { cid, n: 0, remote }),
      full('onhook', { cid, n: 0, remote }),
    ]);
  });

  it('hold and unhold with the F_HOLD key, then a remote hang-up', async () => {
    const { phone, base } = await phoneWith('full');
    const cid = await phone.ring('+4930123456');
    await phone.answer();
    await get(base, '/command.htm?key=F_HOLD');
    await phone.waitForActionUrl('hold');
    await phone.unhold();
    await phone.remoteHangUp();
    const v = { cid, remote: ANNA };
    expect(targets()).toEqual([
      full('incoming', { ...v, n: 1 }),
      full('offhook', { ...v, n: 1 }),
      full('connected', { ...v, n: 1 }),
      full('hold', { ...v, n: 1 }),
      full('unhold', { ...v, n: 1 }),
      full('disconnected', { ...v, n: 0 }),
      full('onhook', { ...v, n: 0 }),
    ]);
  });

  it('call waiting: answering the second call holds the first', async () => {
    const { phone } = await phoneWith('full');
    const a = await phone.ring('+4930123456');
    await phone.answer(a);
    const b = await phone.ring('sip:202@pbx.example', { display: 'Bob' });
    await phone.answer(b);
    await phone.remoteHangUp(b);
    await phone.unhold(a);
    await phone.hangUp(a);
    const bob = '202@pbx.example';
    expect(targets()).toEqual([
      full('incoming', { cid: a, n: 1, remote: ANNA }),
      full('offhook', { cid: a, n: 1, remote: ANNA }),
      full('connected', { cid: a, n: 1, remote: ANNA }),
      full('incoming', { cid: b, n: 2, remote: bob, dr: 'Bob' }),
      full('hold', { cid: a, n: 2, remote: ANNA }),
      full('connected', { cid: b, n: 2, remote: bob, dr: 'Bob' }),
      full('disconnected', { cid: b, n: 1, remote: bob, dr: 'Bob' }),
      full('unhold', { cid: a, n: 1, remote: ANNA }),
      full('disconnected', { cid: a, n: 0, remote: ANNA }),
      full('onhook', { cid: a, n: 0, remote: ANNA }),
    ]);
  });

  it('blind transfer with TRANSFER, digits, ENTER ends the call', async () => {
    const { phone, base } = await phoneWith('full');
    const cid = await phone.ring('+4930123456');
    await get(base, '/command.htm?key=ENTER');
    await get(base, '/command.htm?key=TRANSFER;2;0;5;ENTER');
    await phone.waitForActionUrl('onhook');
    expect(phone.calls).toEqual([]);
    expect(targets().slice(3)).toEqual([
      full('blind-transfer', { cid, n: 1, remote: ANNA }),
      full('disconnected', { cid, n: 0, remote: ANNA }),
      full('onhook', { cid, n: 0, remote: ANNA }),
    ]);
  });

  it('encoded mode percent-encodes the values', async () => {
    const { phone } = await phoneWith('full', { actionUrlEncoding: 'encoded' });
    const cid = await phone.ring('+4930123456', { display: 'Jörg & Co' });
    expect(targets()).toEqual([
      `/snom/p1/incoming?k=s3cret&cid=${encodeURIComponent(cid)}&n=1&user=201&local=201%40pbx.example&remote=%2B4930123456%40pbx.example&dr=J%C3%B6rg%20%26%20Co`,
    ]);
  });

  it('addressForm sip-uri keeps the sip: prefix on $remote and $local (robustness variant)', async () => {
    const { phone } = await phoneWith('full', { addressForm: 'sip-uri' });
    const cid = await phone.ring('+4930123456', { display: 'Anna' });
    expect(targets()).toEqual([
      full('incoming', {
        cid,
        n: 1,
        remote: 'sip:+4930123456@pbx.example',
        local: 'sip:201@pbx.example',
        dr: 'Anna',
      }),
    ]);
  });

  it('the callee rejects an outgoing call: the caller fires disconnected, then onhook', async () => {
    const { phone } = await phoneWith('full');
    const cid = await phone.dial('+4940555', { autoAnswer: false });
    await phone.remoteHangUp(cid);
    await phone.waitForActionUrl('onhook');
    const remote = '+4940555@pbx.example';
    expect(cid).toMatch(/^[0-9a-f]{12}-[a-z0-9]{12}$/);
    expect(targets()).toEqual([
      full('offhook', { cid, n: 1, remote }),
      full('outgoing', { cid, n: 1, remote }),
      full('disconnected', { cid, n: 0, remote }),
      full('onhook', { cid, n: 0, remote }),
    ]);
  });

  it('latin1 charset sends one byte per character', async () => {
    const { phone } = await phoneWith('full', { actionUrlCharset: 'latin1' });
    await phone.ring('+4930123456', { display: 'Jörg' });
    expect(targets()[0]?.endsWith('&dr=J\u00f6rg')).toBe(true);
  });

  it('expands static settings and keeps unknown tokens literally', async () => {
    const { phone } = await phoneWith('full', { mac: '000413AABBCC' });
    phone.setSettings({
      action_incoming_url: `${receiver.base}/x?mac=$mac&u=$user_name1&p=$http_pass&z=$nosuch&c=$call-idX`,
      user_name1: '201',
      http_pass: 'pw',
    });
    const cid = await phone.ring('123');
    expect(targets()).toEqual([`/x?mac=000413AABBCC&u=201&p=&z=$nosuch&c=${cid}X`]);
  });

  it('records a failed send and goes on with the call', async () => {
    const { phone } = await phoneWith('full');
    await receiver.close();
    await phone.ring('123');
    await phone.answer();
    expect(phone.calls[0]?.state).toBe('connected');
    expect(phone.firedActionUrls.map((f) => [f.kind, f.status, f.error])).toEqual([
      ['incoming', null, 'ECONNREFUSED'],
      ['offhook', null, 'ECONNREFUSED'],
      ['connected', null, 'ECONNREFUSED'],
    ]);
  });

  it('blocks targets outside 127.0.0.0/8 by default', async () => {
    const { phone } = await phoneWith('full');
    phone.setSettings({ action_incoming_url: 'http://192.0.2.1/x' });
    await phone.ring('123');
    expect(phone.firedActionUrls[0]?.error).toMatch(/^blocked: /);
  });

  it('waitForActionUrl returns each URL once, in order, and times out with a typed error', async () => {
    const { phone } = await phoneWith('full');
    const seen: string[] = [];
    phone.on('action-url', (f) => seen.push(f.kind));
    const first = await phone.ring('100');
    const second = await phone.ring('101');
    expect((await phone.waitForActionUrl('incoming')).callId).toBe(first);
    expect((await phone.waitForActionUrl('incoming')).callId).toBe(second);
    const err: unknown = await phone
      .waitForActionUrl('incoming', { timeoutMs: 50 })
      .catch((e: unknown) => e);
    expect(isActionUrlTimeoutError(err)).toBe(true);
    expect(seen).toEqual(['incoming', 'incoming']);
  });
});

describe('parameterless class (snom190)', () => {
  it('incoming answered and hung up: incoming, offhook, onhook', async () => {
    const { phone } = await phoneWith('parameterless');
    await phone.ring('+4930123456', { display: 'Anna' });
    await phone.answer();
    await phone.hold();
    await phone.unhold();
    await phone.hangUp();
    expect(targets()).toEqual([bare('incoming'), bare('offhook'), bare('onhook')]);
  });

  it('missed: incoming only', async () => {
    const { phone } = await phoneWith('parameterless');
    await phone.ring('+4930123456');
    await phone.remoteHangUp();
    expect(targets()).toEqual([bare('incoming')]);
  });

  it('rejected: incoming only', async () => {
    const { phone } = await phoneWith('parameterless');
    await phone.ring('+4930123456');
    await phone.reject();
    expect(targets()).toEqual([bare('incoming')]);
  });

  it('outgoing via command.htm: offhook, outgoing, onhook', async () => {
    const { phone, base } = await phoneWith('parameterless');
    const connected = new Promise<void>((resolve) => {
      phone.on('call', (_call, change) => {
        if (change === 'connected') resolve();
      });
    });
    expect(await get(base, '/command.htm?number=0405551234')).toBe(302);
    await connected;
    await phone.remoteHangUp();
    expect(targets()).toEqual([bare('offhook'), bare('outgoing'), bare('onhook')]);
  });

  it('expands nothing: a $token goes out literally', async () => {
    const { phone } = await phoneWith('parameterless');
    phone.setSettings({
      action_incoming_url: `${receiver.base}/snom/p1/incoming?k=s3cret&remote=$remote`,
    });
    await phone.ring('+4930123456');
    expect(targets()).toEqual(['/snom/p1/incoming?k=s3cret&remote=$remote']);
  });
});

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LINEERR } from '@snomlink/tapi-bridge';
import { createTapiClient } from '@snomlink/tapi-bridge/client';
import type { TapiClient } from '@snomlink/tapi-bridge/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiCall, JournalPage } from './harness/api-types.js';
import { runSnomlink, startDaemon } from './harness/daemon-process.js';
import type { DaemonProcess } from './harness/daemon-process.js';
import { closePhones, startPhones } from './harness/phones.js';
import type { TestPhone } from './harness/phones.js';
import { callState, events, finished, provisionAll } from './harness/scenario.js';
import { connectSse } from './harness/sse-client.js';
import type { SseClient } from './harness/sse-client.js';

// Users with scoped tokens, black-box: a viewer of desk-a, an agent of desk-a, two lines
// ringing at once; what each token can see and do on REST, SSE and TAPI, the audit log, and
// that no token is stored in clear.

interface CreatedToken {
  id: string;
  userId: string;
  token: string;
}
interface AuditEntry {
  actor: string;
  action: string;
  target: string | null;
  address: string;
  outcome: string;
  detail: Record<string, unknown> | null;
}

let daemon: DaemonProcess;
let phones: TestPhone[];
let adminSse: SseClient;
const tokens: { viewer: string; agent: string; agentTokenId: string; agentUserId: string } = {
  viewer: '',
  agent: '',
  agentTokenId: '',
  agentUserId: '',
};
const clients: TapiClient[] = [];

function phone(id: string): TestPhone {
  const found = phones.find((p) => p.entry.id === id);
  if (found === undefined) throw new Error(`no phone ${id}`);
  return found;
}

/** A request with a user token (never the admin's). */
function as(token: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${daemon.adminBase}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
  });
}

async function createUser(body: object): Promise<string> {
  const user = await daemon.json<{ id: string }>('/api/users', {
    method: 'POST',
    body: JSON.stringify(body),
  });
  return user.id;
}

async function createToken(userId: string, name: string): Promise<CreatedToken> {
  return daemon.json<CreatedToken>(`/api/users/${userId}/tokens`, {
    method: 'POST',
    body: JSON.stringify({ name }),
  });
}

beforeAll(async () => {
  phones = await startPhones([
    { id: 'desk-a', model: 'snom360' },
    { id: 'desk-b', model: 'snom360' },
  ]);
  daemon = await startDaemon({ phones: phones.map((p) => p.entry) });
  await provisionAll(daemon, phones);
  adminSse = await events(daemon);
  const viewer = await createUser({ name: 'Vera Viewer', role: 'viewer', lines: ['desk-a'] });
  const agent = await createUser({
    name: 'Arne Agent',
    role: 'agent',
    lines: ['desk-a'],
    control: ['desk-a'],
  });
  tokens.viewer = (await createToken(viewer, 'screen-pop')).token;
  const agentToken = await createToken(agent, 'laptop');
  tokens.agent = agentToken.token;
  tokens.agentTokenId = agentToken.id;
  tokens.agentUserId = agent;
}, 60_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  adminSse.close();
  await daemon.stop();
  await closePhones(phones);
});

describe('a viewer token for desk-a', () => {
  it('says who it is and what it may do', async () => {
    const me = (await (await as(tokens.viewer, '/api/me')).json()) as Record<string, unknown>;
    expect(me).toMatchObject({
      kind: 'user',
      role: 'viewer',
      name: 'Vera Viewer',
      lines: ['desk-a'],
      control: [],
    });
  });

  it('gets 403 on dial and on every admin route', async () => {
    const dial = await as(tokens.viewer, '/api/phones/desk-a/dial', {
      method: 'POST',
      body: JSON.stringify({ number: '110' }),
    });
    expect(dial.status).toBe(403);
    expect(phone('desk-a').phone.calls).toHaveLength(0);
    for (const [method, path] of [
      ['POST', '/api/phones/desk-a/provision'],
      ['PUT', '/api/dialing'],
      ['GET', '/api/webhooks'],
      ['GET', '/api/users'],
      ['GET', '/api/audit'],
      ['POST', '/api/users'],
    ] as const) {
      const res = await as(tokens.viewer, path, {
        method,
        ...(method === 'GET' ? {} : { body: '{}' }),
      });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
  });

  it('sees no call of desk-b on REST, SSE and TAPI while both lines ring', async () => {
    const sse = await connectSse(`${daemon.adminBase}/api/events`, { token: tokens.viewer });
    const tapi = createTapiClient({
      url: `${daemon.adminBase.replace('http', 'ws')}/tapi`,
      token: tokens.viewer,
    });
    clients.push(tapi);
    const tapiStates: { lineId: string; callId: string }[] = [];
    tapi.on('LINE_CALLSTATE', (p) => tapiStates.push({ lineId: p.lineId, callId: p.callId }));
    await tapi.connect();
    const { lines } = await tapi.lineInitialize();
    expect(lines.map((l) => [l.lineId, l.canControl])).toEqual([['desk-a', false]]);
    await expect(tapi.lineOpen('desk-b')).rejects.toMatchObject({
      lineErrCode: LINEERR.BADDEVICEID,
    });
    await tapi.lineOpen('desk-a');

    // desk-b first: by the time desk-a's offering reaches the viewer, desk-b's would have too.
    const callB = await phone('desk-b').phone.ring('+4940111222', { display: 'Secret B' });
    await callState(adminSse, 'desk-b', 'offering');
    const callA = await phone('desk-a').phone.ring('+4940333444', { display: 'Caller A' });
    await callState(adminSse, 'desk-a', 'offering');
    await sse.waitForData<{ call: { phoneId: string } }>(
      'call',
      (d) => d.call.phoneId === 'desk-a',
    );
    await expect.poll(() => tapiStates.some((s) => s.lineId === 'desk-a')).toBe(true);

    const calls = (await (await as(tokens.viewer, '/api/calls')).json()) as { calls: ApiCall[] };
    expect(calls.calls.map((c) => c.phoneId)).toEqual(['desk-a']);
    const all = await daemon.json<{ calls: ApiCall[] }>('/api/calls');
    expect(all.calls.map((c) => c.phoneId).sort()).toEqual(['desk-a', 'desk-b']);
    const bCall = all.calls.find((c) => c.phoneId === 'desk-b');
    const aCall = all.calls.find((c) => c.phoneId === 'desk-a');

    for (const message of sse.messages) {
      expect(message.data).not.toContain('desk-b');
      expect(message.data).not.toContain('Secret B');
    }
    expect(tapiStates.every((s) => s.lineId === 'desk-a')).toBe(true);
    // Another line's call cannot be read or dropped through any surface.
    await expect(tapi.lineGetCallInfo(bCall?.id ?? '')).rejects.toMatchObject({
      lineErrCode: LINEERR.INVALCALLHANDLE,
    });
    await expect(tapi.lineDrop(aCall?.id ?? '')).rejects.toMatchObject({
      lineErrCode: LINEERR.NOTOWNER,
    });
    const dropB = await as(
      tokens.viewer,
      `/api/calls/${encodeURIComponent(bCall?.id ?? '')}/drop`,
      {
        method: 'POST',
      },
    );
    // A viewer is refused any call command by its role, before the call is even looked up.
    expect(dropB.status).toBe(403);
    const dropA = await as(
      tokens.viewer,
      `/api/calls/${encodeURIComponent(aCall?.id ?? '')}/drop`,
      {
        method: 'POST',
      },
    );
    expect(dropA.status).toBe(403);

    await phone('desk-b').phone.remoteHangUp(callB);
    await phone('desk-a').phone.remoteHangUp(callA);
    await finished(adminSse, callB);
    await finished(adminSse, callA);
    await expect
      .poll(async () => {
        const page = (await (await as(tokens.viewer, '/api/journal')).json()) as JournalPage;
        return page.entries.map((e) => e.phoneId);
      })
      .toEqual(['desk-a']);
    const other = (await (
      await as(tokens.viewer, '/api/journal?phone=desk-b')
    ).json()) as JournalPage;
    expect(other.entries).toEqual([]);
    const phonesSeen = (await (await as(tokens.viewer, '/api/phones')).json()) as {
      phones: { id: string }[];
    };
    expect(phonesSeen.phones.map((p) => p.id)).toEqual(['desk-a']);
    expect((await as(tokens.viewer, '/api/phones/desk-b')).status).toBe(404);
    sse.close();
  });
});

describe('an agent token for desk-a', () => {
  it('dials from desk-a, not from desk-b, and cannot provision or configure', async () => {
    expect(phone('desk-a').phone.calls).toHaveLength(0);
    const dial = await as(tokens.agent, '/api/phones/desk-a/dial', {
      method: 'POST',
      body: JSON.stringify({ number: '110' }),
    });
    expect(dial.status).toBe(200);
    await expect.poll(() => phone('desk-a').phone.calls.length).toBe(1);
    await phone('desk-a').phone.releaseAllCalls();
    const fromB = await as(tokens.agent, '/api/phones/desk-b/dial', {
      method: 'POST',
      body: JSON.stringify({ number: '110' }),
    });
    expect(fromB.status).toBe(404);
    expect(
      (await as(tokens.agent, '/api/phones/desk-a/provision', { method: 'POST' })).status,
    ).toBe(403);
    expect(
      (await as(tokens.agent, '/api/dialing', { method: 'PUT', body: JSON.stringify({}) })).status,
    ).toBe(403);
  });

  it('dials with snomlink dial and the user token', async () => {
    const result = await runSnomlink(
      ['dial', '--phone', 'desk-a', '--url', daemon.adminBase, '112'],
      20_000,
      {
        SNOMLINK_TOKEN: tokens.agent,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    await expect.poll(() => phone('desk-a').phone.calls.length).toBe(1);
    await phone('desk-a').phone.releaseAllCalls();
  });

  it('is in the audit log as the one who dialled, with its address', async () => {
    const page = await daemon.json<{ entries: AuditEntry[] }>('/api/audit?limit=50');
    const dial = page.entries.find(
      (e) => e.action === 'dial' && e.detail?.['number'] === '110' && e.outcome === 'ok',
    );
    expect(dial).toMatchObject({ actor: 'Arne Agent', target: 'desk-a' });
    expect(dial?.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(
      page.entries.some(
        (e) => e.action === 'dial' && e.actor === 'Vera Viewer' && e.outcome === 'denied',
      ),
    ).toBe(true);
    expect(page.entries.some((e) => e.action === 'user.create' && e.actor === 'admin')).toBe(true);
  });

  it('gets 401 at once after its token is revoked', async () => {
    expect((await as(tokens.agent, '/api/me')).status).toBe(200);
    const revoke = await daemon.api(
      `/api/users/${tokens.agentUserId}/tokens/${tokens.agentTokenId}`,
      {
        method: 'DELETE',
      },
    );
    expect(revoke.status).toBe(204);
    expect((await as(tokens.agent, '/api/me')).status).toBe(401);
    expect((await as(tokens.agent, '/api/calls')).status).toBe(401);
    const audit = await daemon.json<{ entries: AuditEntry[] }>('/api/audit?limit=5');
    expect(audit.entries[0]).toMatchObject({ action: 'token.revoke', actor: 'admin' });
  });
});

describe('storage', () => {
  it('keeps no token in clear in the config file or the journal database', async () => {
    await daemon.stop();
    const files = (await readdir(daemon.dataDir)).filter(
      (f) => f.startsWith('journal.sqlite') || f === 'config.json',
    );
    expect(files).toContain('config.json');
    expect(files).toContain('journal.sqlite');
    const config = JSON.parse(await readFile(daemon.configFile, 'utf8')) as {
      users: { tokens: { hash: { alg: string } }[] }[];
    };
    expect(config.users.flatMap((u) => u.tokens.map((t) => t.hash.alg))).toEqual(['scrypt']);
    for (const file of files) {
      const bytes = await readFile(join(daemon.dataDir, file));
      for (const token of [tokens.viewer, tokens.agent]) {
        expect(bytes.includes(token), file).toBe(false);
        expect(bytes.includes(token.slice(token.indexOf('_', 4) + 1)), file).toBe(false);
      }
    }
  });
});

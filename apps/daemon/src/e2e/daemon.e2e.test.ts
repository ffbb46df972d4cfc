/**
 * Black-box tests: spawn the BUILT `snomlink` (node apps/daemon/dist/cli.js) with a temp data
 * dir and ephemeral ports, and drive it only through HTTP, SSE and simulated phones.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulatedPhone } from '@snomlink/snom-simulator';
import { createTapiClient } from '@snomlink/tapi-bridge/client';
import type { SimulatedPhone } from '@snomlink/snom-simulator';
import type {
  CallList,
  DialResult,
  JournalPage,
  ListenerUpdateResult,
  PhoneList,
  ProvisionResult,
  RecentEvents,
  SseCallEvent,
} from '../api/schemas.js';
import { openSse, runCli, killIfRunning, startLoopbackDaemon } from '../testing/daemon-process.js';
import { parsePrometheusText } from '../testing/prometheus.js';
import { promtoolCheckMetrics } from '../testing/promtool.js';
import type { DaemonProcess, SseMessage } from '../testing/daemon-process.js';

const PASSWORD = 'pw-never-shown-7731';
let dir: string;
let daemon: DaemonProcess;
let desk: SimulatedPhone;
let old: SimulatedPhone;
/** Every API response body, to check that no password or secret ever leaves. */
const bodies: { path: string; text: string }[] = [];

async function api(
  method: string,
  path: string,
  body?: unknown,
  token = daemon.token,
): Promise<Response> {
  const res = await fetch(`${daemon.adminBase}${path}`, {
    method,
    headers: {
      ...(token === '' ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.clone().text();
  bodies.push({ path, text });
  return res;
}

async function apiJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await api(method, path, body);
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function callEvent(m: SseMessage): SseCallEvent | null {
  return m.event === 'call' ? (JSON.parse(m.data) as SseCallEvent) : null;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-e2e-'));
  desk = createSimulatedPhone({
    model: 'snom360',
    auth: 'digest',
    username: 'admin',
    password: PASSWORD,
    identity: { user: '201', host: 'pbx.example', displayName: 'Front Desk' },
  });
  old = createSimulatedPhone({ model: 'snom190', identity: { user: '202', host: 'pbx.example' } });
  await desk.listen({ host: '127.0.0.1', port: 0 });
  await old.listen({ host: '127.0.0.1', port: 0 });
  daemon = await startLoopbackDaemon(dir);
}, 60_000);

afterAll(async () => {
  await killIfRunning(daemon);
  await desk.close();
  await old.close();
  await rm(dir, { recursive: true, force: true });
});

describe('snomlink (built binary)', () => {
  it('answers 401 without the token', async () => {
    const res = await api('GET', '/api/phones', undefined, '');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unauthorized' });
  });

  it('adds a phone and provisions it: the phone really stores the Action URLs', async () => {
    await apiJson('POST', '/api/phones', {
      id: 'desk',
      host: `127.0.0.1:${desk.address!.port}`,
      model: 'snom360',
      username: 'admin',
      password: PASSWORD,
    });
    const result = await apiJson<ProvisionResult>('POST', '/api/phones/desk/provision');
    expect(result.ok).toBe(true);
    const url = desk.settings.get('action_incoming_url');
    expect(url).toContain(`http://127.0.0.1:${daemon.listenerPort}/snom/desk/incoming?k=`);
    expect(url).toContain('remote=$remote');
    expect(desk.storedSettings.has('action_incoming_url')).toBe(true);
  });

  it('shows an incoming call in /api/calls and SSE, and journals it after hang-up', async () => {
    const sse = await openSse(`${daemon.adminBase}/api/events`, {
      authorization: `Bearer ${daemon.token}`,
    });
    try {
      const callId = await desk.ring('sip:+4930123456@pbx.example', { display: 'Anna Müller' });
      const offering = await sse.waitFor((m) => {
        const e = callEvent(m);
        return e?.type === 'call-state' && e.call.phoneId === 'desk' && e.call.state === 'offering';
      });
      expect(offering.id).toMatch(/^\d+$/);
      const live = await apiJson<CallList>('GET', '/api/calls');
      const call = live.calls.find((c) => c.phoneId === 'desk');
      expect(call?.callerId.displayName).toBe('Anna Müller');
      expect(call?.callerId.e164).toBe('+4930123456');

      await desk.answer(callId);
      await sse.waitFor((m) => callEvent(m)?.call.state === 'connected');
      await desk.hangUp(callId);
      const finished = await sse.waitFor((m) => callEvent(m)?.type === 'call-finished');
      expect(callEvent(finished)?.call.disconnectMode).toBe('normal');

      const journal = await apiJson<JournalPage>('GET', '/api/journal?phone=desk');
      expect(journal.entries).toHaveLength(1);
      expect(journal.entries[0]).toMatchObject({
        phoneId: 'desk',
        direction: 'inbound',
        remoteNumber: '+4930123456',
        remoteName: 'Anna Müller',
        missed: false,
      });
      expect((await apiJson<CallList>('GET', '/api/calls')).calls).toHaveLength(0);
    } finally {
      sse.close();
    }
  });

  it('resumes the SSE stream after Last-Event-ID', async () => {
    const first = await openSse(`${daemon.adminBase}/api/events`, {
      authorization: `Bearer ${daemon.token}`,
    });
    // A second client stays connected, so the test knows when the daemon saw the end.
    const watcher = await openSse(`${daemon.adminBase}/api/events`, {
      authorization: `Bearer ${daemon.token}`,
    });
    const callId = await desk.ring('sip:+4940555123@pbx.example');
    const offering = await first.waitFor((m) => callEvent(m)?.call.state === 'offering');
    first.close();
    await desk.remoteHangUp(callId); // missed, while the first client is away
    await watcher.waitFor((m) => callEvent(m)?.type === 'call-finished');
    watcher.close();
    const resumed = await openSse(`${daemon.adminBase}/api/events`, {
      authorization: `Bearer ${daemon.token}`,
      'last-event-id': offering.id!,
    });
    try {
      const finished = await resumed.waitFor((m) => callEvent(m)?.type === 'call-finished');
      expect(Number(finished.id)).toBeGreaterThan(Number(offering.id));
      expect(callEvent(finished)?.call.id).toBe(callEvent(offering)?.call.id);
      expect(resumed.messages.some((m) => m.id === offering.id)).toBe(false);
    } finally {
      resumed.close();
    }
  });

  it('dials through the dial rules; the phone gets the command', async () => {
    const outgoing = desk.waitForActionUrl('outgoing', { timeoutMs: 20_000 });
    const result = await apiJson<DialResult>('POST', '/api/phones/desk/dial', {
      number: '+49 30 9876543',
    });
    expect(result.dialed).toBe('0309876543');
    expect((await outgoing).url).toContain('0309876543');
    await desk.releaseAllCalls();
  });

  it('answers 502 with a reason for a phone that is not there', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => {
          resolve(p);
        });
      });
    });
    await apiJson('POST', '/api/phones', { id: 'gone', host: `127.0.0.1:${port}` });
    const res = await api('POST', '/api/phones/gone/dial', { number: '201' });
    expect([502, 504]).toContain(res.status);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/gone/);
    expect((await api('DELETE', '/api/phones/gone')).status).toBe(204);
  });

  it('provisions a 190-class phone with parameterless URLs and follows its calls', async () => {
    await apiJson('POST', '/api/phones', {
      id: 'old',
      host: `127.0.0.1:${old.address!.port}`,
      model: 'snom190',
    });
    const result = await apiJson<ProvisionResult>('POST', '/api/phones/old/provision');
    expect(result.written.map((w) => w.setting).sort()).toEqual([
      'action_incoming_url',
      'action_offhook_url',
      'action_onhook_url',
      'action_outgoing_url',
    ]);
    expect(old.settings.get('action_incoming_url')).toMatch(/\/snom\/old\/incoming\?k=[^&$]+$/);
    const sse = await openSse(`${daemon.adminBase}/api/events`, {
      authorization: `Bearer ${daemon.token}`,
    });
    try {
      const callId = await old.ring('sip:+4989123@pbx.example', { display: 'Bäcker' });
      await sse.waitFor((m) => callEvent(m)?.call.phoneId === 'old');
      await old.answer(callId);
      await old.hangUp(callId);
      await sse.waitFor((m) => {
        const e = callEvent(m);
        return e?.type === 'call-finished' && e.call.phoneId === 'old';
      });
    } finally {
      sse.close();
    }
  });

  it('serves the TAPI WebSocket at /tapi: lines, and LINE_CALLSTATE for a call', async () => {
    const wsBase = daemon.adminBase.replace(/^http/, 'ws');
    const refused = createTapiClient({ url: `${wsBase}/tapi`, token: 'wrong', reconnect: false });
    await expect(refused.connect()).rejects.toThrow();
    const tapi = createTapiClient({ url: `${wsBase}/tapi`, token: daemon.token, reconnect: false });
    try {
      await tapi.connect();
      const init = await tapi.lineInitialize();
      expect(init.lines.map((l) => l.lineId)).toEqual(expect.arrayContaining(['desk', 'old']));
      await tapi.lineOpen('desk');
      const state = tapi.waitFor('LINE_CALLSTATE', undefined, 20_000);
      const callId = await desk.ring('sip:+4930111@pbx.example');
      expect((await state).lineId).toBe('desk');
      await desk.remoteHangUp(callId);
    } finally {
      await tapi.close();
    }
  });

  it('serves Prometheus metrics behind the token; the calls above are counted, no names or numbers', async () => {
    expect((await api('GET', '/api/metrics', undefined, '')).status).toBe(401);
    const res = await api('GET', '/api/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    const m = parsePrometheusText(text);
    expect(
      m.value('snomlink_action_events_total', { source: 'action-url', kind: 'incoming' }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      m.value('snomlink_calls_finished_total', { direction: 'inbound', missed: 'false' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      m.value('snomlink_calls_finished_total', { direction: 'inbound', missed: 'true' }),
    ).toBeGreaterThanOrEqual(1);
    expect(m.value('snomlink_call_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(m.value('snomlink_journal_ok')).toBe(1);
    expect(m.value('snomlink_listener_up')).toBe(1);
    expect(m.has('snomlink_tapi_clients')).toBe(true);
    expect(m.samples.filter((s) => s.name === 'snomlink_phone_up').map((s) => s.labels)).toEqual(
      expect.arrayContaining([{ phone: 'desk' }, { phone: 'old' }]),
    );
    expect(m.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(m.value('snomlink_event_loop_delay_p99_seconds')).toBeGreaterThanOrEqual(0);
    for (const forbidden of [daemon.token, PASSWORD, 'Anna', '4930123456', 'Front'])
      expect(text).not.toContain(forbidden);
    // Prometheus's own parser and linter accept the scrape (null: promtool missing, warned).
    const checked = promtoolCheckMetrics(text);
    if (checked !== null) expect(checked).toEqual({ status: 0, output: '' });
  });

  it('never returns a password or an Action URL secret', async () => {
    const phones = await apiJson<PhoneList>('GET', '/api/phones');
    expect(phones.phones.find((p) => p.id === 'desk')?.hasPassword).toBe(true);
    await api('GET', '/api/phones/desk');
    await api('PUT', '/api/phones/desk', { name: 'Front desk' });
    await api('GET', '/api/health');
    await api('GET', '/api/openapi.json');
    const all = bodies.map((b) => b.text).join('\n');
    expect(all).not.toContain(PASSWORD);
    expect(daemon.output()).not.toContain(PASSWORD);
    // The Action URL secret is part of what provisioning writes (and of /action-urls, for
    // phones configured by hand); no other answer and no log line carries it.
    const secret = /k=([^&]+)/.exec(desk.settings.get('action_incoming_url') ?? '')?.[1];
    expect(secret).toBeDefined();
    const others = bodies
      .filter((b) => !/\/(provision|action-urls)$/.test(b.path))
      .map((b) => b.text)
      .join('\n');
    expect(others).not.toContain(secret);
    expect(daemon.output()).not.toContain(secret);
  });

  it('signs out: 204 and a Set-Cookie that clears the session cookie', async () => {
    const login = await fetch(`${daemon.adminBase}/api/health?token=${daemon.token}`);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toBe(`snomlink_token=${daemon.token}`);
    const res = await fetch(`${daemon.adminBase}/api/sign-out`, {
      method: 'POST',
      headers: { cookie },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toBe(
      'snomlink_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
    );
    expect((await api('POST', '/api/sign-out', undefined, '')).status).toBe(401);
  });

  it('lists recent events, and the stream resumed from lastId continues without a gap', async () => {
    const recent = await apiJson<RecentEvents>('GET', '/api/events/recent?limit=300');
    expect(recent.events.length).toBeGreaterThan(5);
    expect(recent.events.length).toBeLessThanOrEqual(300);
    const ids = recent.events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(recent.lastId).toBe(ids.at(-1));
    expect(recent.events.some((e) => e.event === 'call' && e.data.type === 'call-finished')).toBe(
      true,
    );
    const raw = await apiJson<RecentEvents>('GET', '/api/events/recent?limit=3&event=action-event');
    expect(raw.events.map((e) => e.event)).toEqual([
      'action-event',
      'action-event',
      'action-event',
    ]);

    const sse = await openSse(`${daemon.adminBase}/api/events?lastEventId=${recent.lastId}`, {
      authorization: `Bearer ${daemon.token}`,
    });
    try {
      const callId = await desk.ring('sip:+4930777888@pbx.example');
      await sse.waitFor((m) => callEvent(m)?.call.state === 'offering');
      await desk.remoteHangUp(callId);
      await sse.waitFor((m) => callEvent(m)?.type === 'call-finished');
      const got = sse.messages.map((m) => Number(m.id));
      // Consecutive ids starting right after lastId: nothing repeated, nothing missing.
      expect(got).toEqual(got.map((_, i) => recent.lastId + 1 + i));
    } finally {
      sse.close();
    }
  });

  it('moves the listener with PUT /api/listener; a taken port is refused with 409', async () => {
    const oldPort = daemon.listenerPort;
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const refused = await api('PUT', '/api/listener', { port: taken });
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as { detail: string }).detail).toContain(`port ${taken}`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    // The port is free again now; move there.
    const moved = await apiJson<ListenerUpdateResult>('PUT', '/api/listener', { port: taken });
    expect(moved).toMatchObject({ state: 'active', port: taken, reprovisionNeeded: true });
    expect(moved.phonesToReprovision).toContain('desk');
    await expect(fetch(`http://127.0.0.1:${oldPort}/`)).rejects.toThrow();

    // The phone still calls the old port until it is provisioned again; then calls arrive.
    expect((await apiJson<ProvisionResult>('POST', '/api/phones/desk/provision')).ok).toBe(true);
    expect(desk.settings.get('action_incoming_url')).toContain(`http://127.0.0.1:${taken}/`);
    const sse = await openSse(`${daemon.adminBase}/api/events`, {
      authorization: `Bearer ${daemon.token}`,
    });
    try {
      const callId = await desk.ring('sip:+4930111222@pbx.example');
      await sse.waitFor((m) => callEvent(m)?.call.state === 'offering');
      await desk.remoteHangUp(callId);
      await sse.waitFor((m) => callEvent(m)?.type === 'call-finished');
    } finally {
      sse.close();
    }
  });

  it('exits 0 on SIGTERM and keeps config and journal across a restart', async () => {
    const before = await apiJson<JournalPage>('GET', '/api/journal');
    // An open event stream must not hold the shutdown up.
    const sse = await openSse(`${daemon.adminBase}/api/events`, {
      authorization: `Bearer ${daemon.token}`,
    });
    expect(await daemon.stop('SIGTERM')).toBe(0);
    sse.close();
    daemon = await startLoopbackDaemon(dir, { webUi: true });
    const phones = await apiJson<PhoneList>('GET', '/api/phones');
    expect(phones.phones.map((p) => p.id).sort()).toEqual(['desk', 'old']);
    expect(phones.phones.find((p) => p.id === 'desk')?.name).toBe('Front desk');
    const after = await apiJson<JournalPage>('GET', '/api/journal');
    expect(after.entries.map((e) => e.id)).toEqual(before.entries.map((e) => e.id));
    expect(after.entries.length).toBeGreaterThanOrEqual(3);
  });

  it('names the port and the flag when the listener port is taken', async () => {
    const result = await runCli([
      '--data-dir',
      join(dir, 'second'),
      '--listen',
      `127.0.0.1:${daemon.listenerPort}`,
      '--admin',
      '127.0.0.1:0',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(String(daemon.listenerPort));
    expect(result.stderr).toContain('--listen');
  });
});

describe('snomlink with a bad config', () => {
  it('exits 2 naming the file, the field and the problem', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'snomlink-bad-'));
    try {
      const file = join(bad, 'config.json');
      await writeFile(
        file,
        JSON.stringify({
          admin: { token: 'a-long-enough-token-123' },
          phones: [{ id: 'x', host: 'http://nope/', secret: 'abcdefgh12' }],
        }),
      );
      const result = await runCli(['--config', file, '--data-dir', bad]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(file);
      expect(result.stderr).toContain('phones.0.host');
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });

  it('prints --help and --version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--listen HOST:PORT');
    const bad = await runCli(['--nope']);
    expect(bad.code).toBe(2);
  });
});

import { mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ApiCall,
  JournalEntry,
  PhoneView,
  SseActionEvent,
  SseCall,
} from './harness/api-types.js';
import { freePort, randomSecret, startDaemon, tempDir } from './harness/daemon-process.js';
import type { DaemonProcess } from './harness/daemon-process.js';
import { closePhones, startPhones } from './harness/phones.js';
import type { TestPhone } from './harness/phones.js';
import { rawGet } from './harness/raw-http.js';
import { events, finished, journal, provisionAll } from './harness/scenario.js';
import type { SseClient } from './harness/sse-client.js';

// One daemon (at trace level, source-address check on, a web UI build of our own) serves
// every test in this file; the secret-leak sweep at the end reads everything the others
// made it say.

const PASSWORDS = {
  a: `pw-A-${randomSecret(9)}`,
  b: `pw-B-${randomSecret(9)}`,
  c: `pw-C-${randomSecret(9)}`,
  wrong: `pw-WRONG-${randomSecret(9)}`,
};

let daemon: DaemonProcess;
let phones: TestPhone[];
let sse: SseClient;
let webUi: string;
let outsideSecret: string;
/** Every API answer body the tests saw, for the leak sweep. */
const seenBodies: { path: string; body: string }[] = [];

async function apiText(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; text: string }> {
  const response = await daemon.api(path, init);
  const text = await response.text();
  seenBodies.push({ path, body: text });
  return { status: response.status, text };
}

function phone(id: string): TestPhone {
  const found = phones.find((p) => p.entry.id === id);
  if (found === undefined) throw new Error(`no phone ${id}`);
  return found;
}

/** No lone UTF-16 surrogates (String.prototype.isWellFormed is ES2024). */
function wellFormed(value: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);
}

/** The phone's own loopback address (for raw requests "from the phone"). */
function addressOf(id: string): string {
  return phone(id).entry.host.split(':')[0]!;
}

beforeAll(async () => {
  phones = await startPhones([
    { id: 'desk-a', model: 'snom360', auth: 'digest', password: PASSWORDS.a },
    { id: 'desk-b', model: 'snom360', auth: 'basic', password: PASSWORDS.b },
    { id: 'old-c', model: 'snom190', auth: 'digest', password: PASSWORDS.c },
    { id: 'wrong-pw', model: 'snom360', auth: 'digest', password: `${PASSWORDS.wrong}-real` },
  ]);
  // wrong-pw is configured with a password the phone does not accept.
  const entries = phones.map((p) =>
    p.entry.id === 'wrong-pw' ? { ...p.entry, password: PASSWORDS.wrong } : p.entry,
  );
  const root = await tempDir('snomlink-webui-');
  webUi = join(root, 'dist');
  await mkdir(join(webUi, 'assets'), { recursive: true });
  await writeFile(join(webUi, 'index.html'), '<!doctype html><title>snomlink test ui</title>');
  await writeFile(join(webUi, 'assets', 'app-12345678.js'), 'console.log("ui")');
  outsideSecret = `OUTSIDE-${randomSecret()}`;
  await writeFile(join(root, 'secret.txt'), outsideSecret);
  await writeFile(join(root, 'dist-secret.txt'), outsideSecret);
  daemon = await startDaemon({
    phones: entries,
    logLevel: 'trace',
    webUiDir: webUi,
    // This suite sends hundreds of wrong tokens on purpose (every route × every spelling);
    // the per-address limit on them has its own test (auth-throttle.test.ts).
    config: { listener: { checkSourceAddress: true }, admin: { maxFailedLogins: 100_000 } },
  });
  sse = await events(daemon);
  await provisionAll(
    daemon,
    phones.filter((p) => p.entry.id !== 'wrong-pw'),
  );
}, 60_000);

afterAll(async () => {
  sse.close();
  await daemon.stop();
  await closePhones(phones);
});

describe('admin API and /tapi authentication', () => {
  it('answers 401 on every documented route without a token or with a wrong one, and changes nothing', async () => {
    const doc = await daemon.json<{ paths: Record<string, Record<string, unknown>> }>(
      '/api/openapi.json',
    );
    const routes: { method: string; path: string }[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        if (['get', 'post', 'put', 'delete', 'patch'].includes(method))
          routes.push({ method: method.toUpperCase(), path });
      }
    }
    // Routes the README documents that must be in the list too.
    for (const path of ['/api/events', '/api/calls/{callId}/drop', '/api/phones/{id}/dial'])
      expect(routes.map((r) => r.path)).toContain(path);
    routes.push({ method: 'GET', path: '/api/openapi.json' });
    expect(routes.length).toBeGreaterThanOrEqual(24);

    const wrongs: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${randomSecret(24)}` },
      { authorization: `Bearer ${daemon.token}x` },
      { authorization: `Bearer ${daemon.token.slice(0, -1)}` },
      { authorization: `Basic ${Buffer.from(`admin:${daemon.token}`).toString('base64')}` },
      { cookie: `snomlink_token=${randomSecret(24)}` },
    ];
    for (const route of routes) {
      const path = route.path.replace('{id}', 'desk-a').replace('{callId}', 'some-call');
      for (const headers of wrongs) {
        const response = await fetch(`${daemon.adminBase}${path}`, {
          method: route.method,
          headers: { ...headers, 'content-type': 'application/json' },
          ...(route.method === 'GET' || route.method === 'DELETE'
            ? {}
            : { body: JSON.stringify({ id: 'intruder', host: '127.0.0.1', number: '110' }) }),
        });
        const text = await response.text();
        expect(response.status, `${route.method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(JSON.parse(text)).toMatchObject({ error: 'unauthorized' });
      }
      const query = await fetch(`${daemon.adminBase}${path}?token=${randomSecret(24)}`, {
        method: route.method,
      });
      expect(query.status, `${route.method} ${path}?token=wrong`).toBe(401);
      await query.arrayBuffer();
    }
    // /tapi: the WebSocket upgrade is refused before it happens.
    for (const headers of wrongs) {
      const answer = await rawGet(daemon.adminBase, '/tapi', {
        headers: {
          ...headers,
          upgrade: 'websocket',
          connection: 'Upgrade',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'sec-websocket-version': '13',
        },
      });
      expect(answer.status, `/tapi ${JSON.stringify(headers)}`).toBe(401);
    }
    const subprotocol = await rawGet(daemon.adminBase, '/tapi', {
      headers: {
        upgrade: 'websocket',
        connection: 'Upgrade',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
        'sec-websocket-protocol': `token.${randomSecret(24)}`,
      },
    });
    expect(subprotocol.status).toBe(401);

    // Spellings that must not reach a handler without a token either.
    for (const target of [
      '/API/phones',
      '/api//phones',
      '/api/phones/',
      '/%61pi/phones',
      '/api/./phones',
      '/x/../api/phones',
    ]) {
      const answer = await rawGet(daemon.adminBase, target);
      expect(answer.body.toString('utf8'), target).not.toContain(phone('desk-a').entry.host);
      if (answer.status === 200) {
        // Not an API route: the web UI's client-side route fallback.
        expect(answer.body.toString('utf8'), target).toBe(
          '<!doctype html><title>snomlink test ui</title>',
        );
      } else expect([401, 404], target).toContain(answer.status);
    }

    // Nothing changed: no intruder phone, desk-a still there, listener still active.
    const list = await daemon.json<{ phones: PhoneView[] }>('/api/phones');
    expect(list.phones.map((p) => p.id).sort()).toEqual(['desk-a', 'desk-b', 'old-c', 'wrong-pw']);
    const listener = await daemon.json<{ state: string }>('/api/listener');
    expect(listener.state).toBe('active');
  }, 120_000);

  it('keeps CORS closed: no Access-Control-Allow-* headers, preflights not granted, cross-site writes refused', async () => {
    const origin = 'http://evil.example';
    const get = await daemon.api('/api/phones', { headers: { origin } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
    expect(get.headers.get('access-control-allow-credentials')).toBeNull();
    await get.arrayBuffer();
    for (const path of ['/api/phones', '/api/phones/desk-a/dial', '/api/listener/stop']) {
      const preflight = await fetch(`${daemon.adminBase}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      await preflight.arrayBuffer();
      expect(preflight.headers.get('access-control-allow-origin'), path).toBeNull();
      expect(preflight.headers.get('access-control-allow-methods'), path).toBeNull();
      expect(preflight.headers.get('access-control-allow-headers'), path).toBeNull();
    }
    // A browser page elsewhere that somehow holds the cookie still cannot change state.
    const stop = await daemon.api('/api/listener/stop', { method: 'POST', headers: { origin } });
    expect(stop.status).toBe(403);
    expect(stop.headers.get('access-control-allow-origin')).toBeNull();
    await stop.arrayBuffer();
    expect((await daemon.json<{ state: string }>('/api/listener')).state).toBe('active');
  });

  it('binds the admin API to loopback when the config does not say otherwise', async () => {
    const dir = await tempDir();
    const adminPort = await freePort();
    const listenerPort = await freePort();
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({
        listener: { host: '127.0.0.1', port: listenerPort },
        admin: { port: adminPort, token: randomSecret(24) },
      }),
      { mode: 0o600 },
    );
    const other = await startDaemon({ dataDir: dir, keepConfig: true });
    try {
      // The listening socket as the kernel sees it: 127.0.0.1 (0100007F), not 0.0.0.0. The
      // table lists the whole network namespace (other tests' phones on 127.0.x.y may use the
      // same port number), so only the daemon's own sockets (inodes of its fds) count.
      const inodes = new Set<string>();
      for (const fd of await readdir(`/proc/${other.pid}/fd`)) {
        const target = await readlink(`/proc/${other.pid}/fd/${fd}`).catch(() => '');
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode !== undefined) inodes.add(inode);
      }
      const table = await readFile(`/proc/${other.pid}/net/tcp`, 'utf8');
      const hex = adminPort.toString(16).toUpperCase().padStart(4, '0');
      const listening = table
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter(
          (f) =>
            f[1]?.endsWith(`:${hex}`) === true &&
            f[3] === '0A' &&
            f[9] !== undefined &&
            inodes.has(f[9]),
        )
        .map((f) => f[1]);
      expect(listening).toEqual([`0100007F:${hex}`]);
      // From another loopback address it is not there at all (an address no simulated phone
      // of any test uses, so nothing else can be listening there).
      const refused = await new Promise<string>((resolve) => {
        const socket = connect({ host: '127.86.0.1', port: adminPort });
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => {
          resolve(error.code ?? 'error');
        });
      });
      expect(refused).toBe('ECONNREFUSED');
    } finally {
      await other.stop();
    }
  });
});

describe('listener: secrets and source addresses', () => {
  it('ignores requests without the secret, with another phone’s secret or from another address', async () => {
    const a = phone('desk-a').entry;
    const b = phone('desk-b').entry;
    const attempts: { target: string; from: string; expect: number }[] = [
      {
        target: `/snom/desk-a/incoming?cid=x1@evil&n=1&remote=sip:110@evil`,
        from: addressOf('desk-a'),
        expect: 403,
      },
      {
        target: `/snom/desk-a/incoming?k=&cid=x2@evil&n=1`,
        from: addressOf('desk-a'),
        expect: 403,
      },
      {
        target: `/snom/desk-a/incoming?k=${randomSecret()}&cid=x3@evil&n=1`,
        from: addressOf('desk-a'),
        expect: 403,
      },
      {
        target: `/snom/desk-a/incoming?k=${b.secret}&cid=x4@evil&n=1`,
        from: addressOf('desk-a'),
        expect: 403,
      },
      {
        target: `/snom/desk-a/incoming?k=${a.secret}x&cid=x5@evil&n=1`,
        from: addressOf('desk-a'),
        expect: 403,
      },
      {
        target: `/snom/desk-a/incoming?k=${a.secret}&cid=x6@evil&n=1`,
        from: '127.0.0.1',
        expect: 403,
      },
      {
        target: `/snom/desk-a/incoming?k=${a.secret}&cid=x7@evil&n=1`,
        from: addressOf('desk-b'),
        expect: 403,
      },
      { target: `/snom/desk-a/setup?k=${a.secret}`, from: addressOf('desk-b'), expect: 403 },
      {
        target: `/snom/nobody/incoming?k=${a.secret}&cid=x8@evil`,
        from: addressOf('desk-a'),
        expect: 404,
      },
    ];
    for (const attempt of attempts) {
      const answer = await rawGet(daemon.listenerBase, attempt.target, {
        localAddress: attempt.from,
      });
      expect(answer.status, `${attempt.target} from ${attempt.from}`).toBe(attempt.expect);
      expect(answer.body.toString('latin1')).not.toContain(a.secret);
      expect(answer.body.toString('latin1')).not.toContain(b.secret);
    }
    // Barrier: a real call from desk-b after the attempts; once it is through, any effect of
    // the attempts would have been published before it.
    const id = await phone('desk-b').phone.ring('+4930333333', { display: 'Barrier' });
    await phone('desk-b').phone.remoteHangUp(id);
    await finished(sse, id);
    const aEvents = sse.messages.filter(
      (m) =>
        (m.event === 'action-event' &&
          (JSON.parse(m.data) as SseActionEvent).event.phoneId === 'desk-a') ||
        (m.event === 'call' && (JSON.parse(m.data) as SseCall).call.phoneId === 'desk-a'),
    );
    expect(aEvents).toEqual([]);
    expect((await daemon.json<{ calls: ApiCall[] }>('/api/calls')).calls).toEqual([]);
    expect((await journal(daemon, '&phone=desk-a')).length).toBe(0);
  });
});

describe('hostile display names and numbers', () => {
  const sendFrom = (id: string, target: Buffer | string): ReturnType<typeof rawGet> =>
    rawGet(daemon.listenerBase, target, { localAddress: addressOf(id) });

  it('stores and returns HTML, control characters, invalid UTF-8 and SSE/log injection attempts safely', async () => {
    const a = phone('desk-a').entry;
    const base = `/snom/desk-a`;
    const cases: { cid: string; remote: Buffer; display: Buffer }[] = [
      {
        cid: 'html-1@pbx',
        remote: Buffer.from('sip:+4930123456@pbx.example'),
        display: Buffer.from('<script>alert(1)</script> "><img src=x onerror=alert(2)> & Co'),
      },
      {
        cid: 'ctrl-1@pbx',
        remote: Buffer.from('sip:+4930123457@pbx.example'),
        display: Buffer.concat([
          Buffer.from('Ctrl'),
          Buffer.from([0x01, 0x07, 0x1b]),
          Buffer.from('[31mRed'),
          Buffer.from([0x7f]),
        ]),
      },
      {
        cid: 'utf8-1@pbx',
        remote: Buffer.from('sip:+4930123458@pbx.example'),
        display: Buffer.concat([
          Buffer.from('Bad '),
          Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]),
          Buffer.from(' Bytes'),
        ]),
      },
      {
        cid: 'inject-1@pbx',
        remote: Buffer.from('sip:+4930123459@pbx.example'),
        display: Buffer.from(
          'x%0D%0A%0D%0Aevent: line%0D%0Adata: {"type":"line-status","phoneId":"evil","status":"removed"}%0A%0A{"level":60,"msg":"forged"}',
        ),
      },
      {
        cid: 'number-1@pbx',
        remote: Buffer.from('sip:<b>+49301234</b>"\'%00@pbx.example'),
        display: Buffer.from('Number Test'),
      },
      {
        cid: 'long-1@pbx',
        remote: Buffer.from('sip:+4930123460@pbx.example'),
        display: Buffer.from('L'.repeat(3000)),
      },
    ];
    for (const c of cases) {
      const target = Buffer.concat([
        Buffer.from(`${base}/incoming?k=${a.secret}&cid=${c.cid}&n=1&remote=`),
        c.remote,
        Buffer.from('&dr='),
        c.display,
      ]);
      const answer = await sendFrom('desk-a', target);
      expect(answer.status, c.cid).toBe(200);
      const missed = await sendFrom('desk-a', `${base}/missed?k=${a.secret}&cid=${c.cid}&n=0`);
      expect(missed.status).toBe(200);
      await finished(sse, c.cid);
    }
    // 10 kB in one Action URL: refused as too long, nothing stored, the daemon carries on.
    const huge = await sendFrom(
      'desk-a',
      `${base}/incoming?k=${a.secret}&cid=huge-1@pbx&n=1&remote=sip:+4930999@pbx&dr=${'H'.repeat(10_240)}`,
    );
    expect([400, 414, 431]).toContain(huge.status);
    const hugeNumber = await sendFrom(
      'desk-a',
      `${base}/incoming?k=${a.secret}&cid=huge-2@pbx&n=1&remote=sip:+49${'9'.repeat(10_240)}@pbx&dr=x`,
    );
    expect([400, 414, 431]).toContain(hugeNumber.status);

    // SSE: every data line is one JSON document; the injection made no event of its own.
    for (const message of sse.messages)
      expect(() => JSON.parse(message.data) as unknown).not.toThrow();
    expect(sse.messages.filter((m) => m.event === 'line' && m.data.includes('"evil"'))).toEqual([]);

    // API: valid UTF-8 JSON with the names as data (verbatim or with bad bytes replaced).
    const journalAnswer = await daemon.api('/api/journal?limit=500&phone=desk-a');
    expect(journalAnswer.headers.get('content-type')).toMatch(/^application\/json/);
    const bytes = new Uint8Array(await journalAnswer.arrayBuffer());
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    seenBodies.push({ path: '/api/journal', body: text });
    const rows = (JSON.parse(text) as { entries: JournalEntry[] }).entries;
    const byCid = (cid: string): JournalEntry => {
      const row = rows.find((r) => r.sipCallId === cid);
      if (row === undefined) throw new Error(`no journal row for ${cid}`);
      return row;
    };
    expect(byCid('html-1@pbx').remoteName).toBe(
      '<script>alert(1)</script> "><img src=x onerror=alert(2)> & Co',
    );
    expect(byCid('html-1@pbx').remoteNumber).toBe('+4930123456');
    const ctrl = byCid('ctrl-1@pbx').remoteName ?? '';
    expect(ctrl).toContain('Ctrl');
    expect(ctrl).toContain('Red');
    const bad = byCid('utf8-1@pbx').remoteName ?? '';
    expect(wellFormed(bad)).toBe(true);
    expect(bad).toMatch(/^Bad .* Bytes$/);
    expect(byCid('long-1@pbx').remoteName?.length).toBeGreaterThanOrEqual(3000);
    expect(rows.some((r) => r.sipCallId === 'huge-1@pbx' || r.sipCallId === 'huge-2@pbx')).toBe(
      false,
    );
    expect(byCid('number-1@pbx').remoteName).toBe('Number Test');
    for (const row of rows) {
      for (const value of [row.remoteName, row.remoteNumber, row.callerName, row.calledNumber]) {
        if (value !== null) expect(wellFormed(value)).toBe(true);
      }
    }
    // Journal search with LIKE wildcards finds only literal matches.
    const search = await daemon.json<{ entries: JournalEntry[] }>(
      `/api/journal?phone=desk-a&q=${encodeURIComponent('<script>')}`,
    );
    expect(search.entries.map((e) => e.sipCallId)).toEqual(['html-1@pbx']);
    expect((await daemon.json<{ entries: JournalEntry[] }>('/api/journal?q=%25')).entries).toEqual(
      [],
    );

    // Logs: every line is the banner or one JSON object, so no name forged a log line.
    const lines = daemon
      .output()
      .split('\n')
      .filter((l) => l.trim() !== '');
    for (const line of lines) {
      if (/^\s*(─|snomlink |Action URL listener:|Admin panel:|Config:)/.test(line)) continue;
      expect(() => JSON.parse(line) as unknown, line.slice(0, 200)).not.toThrow();
    }
    expect(lines.filter((l) => l.startsWith('{"level":60'))).toEqual([]);
  });
});

describe('static web UI files', () => {
  it('serves the build and nothing outside it, whatever the path spelling', async () => {
    const ok = await rawGet(daemon.adminBase, '/assets/app-12345678.js');
    expect(ok.status).toBe(200);
    expect(ok.body.toString()).toBe('console.log("ui")');
    const targets = [
      '/../secret.txt',
      '/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/..%2fsecret.txt',
      '/..%2Fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/.%2e/secret.txt',
      '/assets/../../secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%5c..%5csecret.txt',
      '/..\\secret.txt',
      '/%2e%2e%5csecret.txt',
      '/..%252fsecret.txt',
      '/%252e%252e/secret.txt',
      '/%c0%ae%c0%ae/secret.txt',
      '/....//secret.txt',
      '/..;/secret.txt',
      `/${join(webUi, '..', 'secret.txt')}`,
      `//${join(webUi, '..', 'secret.txt')}`,
      `/%2f${encodeURIComponent(join(webUi, '..', 'secret.txt'))}`,
      '/../dist-secret.txt',
      '/%2e%2e/dist-secret.txt',
      '/etc/passwd',
      '/../../../../../../etc/passwd',
      '/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/%00/../secret.txt',
      '/index.html%00.txt',
      join(webUi, '..', 'secret.txt'),
      `file://${join(webUi, '..', 'secret.txt')}`,
      `http://127.0.0.1/../secret.txt`,
    ];
    for (const target of targets) {
      const answer = await rawGet(daemon.adminBase, target);
      const body = answer.body.toString('latin1');
      expect(body, target).not.toContain(outsideSecret);
      expect(body, target).not.toMatch(/root:.*:0:0:/);
      if (/\.txt|passwd/.test(target) && !target.endsWith('passwd')) {
        expect([400, 404], target).toContain(answer.status);
      } else {
        // Extension-less paths are client-side routes: the UI's index.html, or a 4xx.
        if (answer.status === 200)
          expect(body).toBe('<!doctype html><title>snomlink test ui</title>');
        else expect([400, 404]).toContain(answer.status);
      }
    }
  });
});

describe('secrets', () => {
  it('never appear in API answers, error messages, the OpenAPI document or any log line; config stays 0600', async () => {
    // Make the daemon talk about every phone, including failures.
    await apiText('/api/phones/wrong-pw/test', { method: 'POST' });
    await apiText('/api/phones/wrong-pw/provision', { method: 'POST' });
    await apiText('/api/phones/wrong-pw/dial', { method: 'POST', body: '{"number":"+4930111"}' });
    await phone('desk-b').phone.setFault({ offline: true });
    await apiText('/api/phones/desk-b/dial', { method: 'POST', body: '{"number":"+4930111"}' });
    await apiText('/api/phones/desk-b/test', { method: 'POST' });
    await phone('desk-b').phone.setFault({});
    await apiText('/api/phones/desk-a/dial', { method: 'POST', body: '{"number":"+4930111"}' });
    await apiText('/api/phones', {
      method: 'POST',
      body: JSON.stringify({ id: 'added', host: '127.0.0.1:9', password: 'pw-added-0123456789' }),
    });
    await apiText('/api/phones/added', {
      method: 'PUT',
      body: JSON.stringify({ password: 'pw-changed-0123456789' }),
    });
    await apiText('/api/phones', {
      method: 'POST',
      body: '{"id":"bad id","password":"pw-invalid-0123456789"}',
    });
    for (const path of [
      '/api/health',
      '/api/phones',
      '/api/phones/desk-a',
      '/api/phones/wrong-pw',
      '/api/phones/added',
      '/api/calls',
      '/api/journal',
      '/api/dialing',
      '/api/webhooks',
      '/api/listener',
      '/api/openapi.json',
    ]) {
      const { status } = await apiText(path);
      expect(status, path).toBe(200);
    }
    const passwords = [
      ...Object.values(PASSWORDS),
      'pw-added-0123456789',
      'pw-changed-0123456789',
      'pw-invalid-0123456789',
      `${PASSWORDS.wrong}-real`,
    ];
    const phoneSecrets = phones.map((p) => p.entry.secret);
    for (const { path, body } of seenBodies) {
      for (const secret of passwords) expect(body, path).not.toContain(secret);
      expect(body, path).not.toContain(daemon.token);
      // The Action URL secrets are shown only where the admin needs them to set up a phone.
      if (!/\/action-urls$|\/provision$/.test(path)) {
        for (const secret of phoneSecrets) expect(body, path).not.toContain(secret);
      }
    }
    const view = await daemon.json<PhoneView>('/api/phones/added');
    expect(view.hasPassword).toBe(true);

    // Logs at trace level: the banner prints the admin URL with its token on purpose; no other
    // line may carry any secret.
    const logLines = daemon
      .output()
      .split('\n')
      .filter((line) => !/Admin panel:/.test(line));
    expect(logLines.length).toBeGreaterThan(50);
    const all = logLines.join('\n');
    for (const secret of [...passwords, daemon.token, ...phoneSecrets]) {
      expect(all.includes(secret), `log leaks ${secret.slice(0, 6)}…`).toBe(false);
    }
    expect((await stat(daemon.configFile)).mode & 0o777).toBe(0o600);
    const config = await readFile(daemon.configFile, 'utf8');
    expect(config).toContain('pw-changed-0123456789');
  });
});

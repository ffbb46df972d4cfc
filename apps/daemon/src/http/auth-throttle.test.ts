import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../audit/audit-log.js';
import type { AuditLog } from '../audit/audit-log.js';
import { openConfigStore } from '../config/config-store.js';
import type { ConfigStore } from '../config/config-store.js';
import { isApiError } from '../errors.js';
import { parseUserToken } from '../users/token-hash.js';
import { createTokenUsage } from '../users/token-usage.js';
import { createTokenVerifier } from '../users/token-verifier.js';
import type { TokenVerifier } from '../users/token-verifier.js';
import { createUserStore } from '../users/user-store.js';
import type { UserStore } from '../users/user-store.js';
import { mountAccess } from './access.js';
import type { MountAccessOptions } from './access.js';
import { createAuthThrottle, throttleKey } from './auth-throttle.js';

// Real sockets, so the middleware sees real client addresses: 127.0.0.1 is the attacker,
// 127.0.0.2 (also loopback on Linux) the legitimate client.
let config: ConfigStore;
let audit: AuditLog;
let users: UserStore;
let server: ReturnType<typeof createAdaptorServer> | null = null;
let base: { host: string; port: number };
/** How many tokens reached the (scrypt) verifier. */
let verified = 0;

interface Answer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: unknown;
}

function get(path: string, token: string, from: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.host,
        port: base.port,
        path,
        localAddress: from,
        headers: { authorization: `Bearer ${token}` },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          const retry = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: typeof retry === 'string' ? retry : undefined,
            body: text === '' ? null : (JSON.parse(text) as unknown),
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function start(options?: MountAccessOptions): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'snomlink-throttle-'));
  config = await openConfigStore({ file: join(dir, 'config.json') });
  audit = createAuditLog();
  audit.open({ file: ':memory:', retentionDays: () => 0 });
  const real = createTokenVerifier({ users: () => config.current.users });
  const verifier: TokenVerifier = {
    verify(token) {
      verified++;
      return real.verify(token);
    },
    forget() {
      real.forget();
    },
    get cacheSize() {
      return real.cacheSize;
    },
  };
  const usage = createTokenUsage({
    save: (rows) => {
      audit.saveTokenUsage(rows);
    },
  });
  users = createUserStore({ config, verifier, usage });
  const app = new Hono();
  app.onError((error, c) =>
    c.json(
      { error: isApiError(error) ? error.code : 'internal', detail: error.message },
      isApiError(error) ? error.status : 500,
    ),
  );
  mountAccess(app, () => config.current.admin.token, { verifier, usage, users, audit }, options);
  server = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  base = { host: '127.0.0.1', port: address.port };
}

beforeEach(() => {
  verified = 0;
});

afterEach(async () => {
  await new Promise<void>((resolve) => {
    if (server === null) resolve();
    else
      server.close(() => {
        resolve();
      });
  });
  server = null;
});

/** A token with a real token id and a wrong secret: the kind that costs a scrypt. */
function wrongTokenFor(token: string, n: number): string {
  const id = parseUserToken(token)?.id ?? '';
  return `slu_${id}_${`wrong${String(n)}`.padEnd(43, 'x')}`;
}

describe('failed authentications are limited per source address', () => {
  it('answers 429 with Retry-After after a trickle of wrong tokens, without scrypt, audited; other addresses still sign in', async () => {
    await start();
    const agent = await users.create({ name: 'Ag', role: 'agent', lines: ['a'], control: ['a'] });
    const { token } = await users.createToken(agent.id, 'pc');

    const statuses: number[] = [];
    for (let i = 0; i < 30; i++)
      statuses.push((await get('/api/me', wrongTokenFor(token, i), '127.0.0.1')).status);
    // Some are refused with 401 (checked), then every further one with 429 (not checked).
    const firstLimited = statuses.indexOf(429);
    expect(firstLimited).toBeGreaterThan(0);
    expect(statuses.slice(0, firstLimited).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(firstLimited).every((s) => s === 429)).toBe(true);
    // Only the requests before the limit reached the verifier.
    expect(verified).toBe(firstLimited);

    const limited = await get('/api/me', wrongTokenFor(token, 99), '127.0.0.1');
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({ error: 'too-many-failed-logins' });
    // The limited address is refused even with the right token (or it could keep guessing).
    expect((await get('/api/me', token, '127.0.0.1')).status).toBe(429);
    expect((await get('/api/me', config.current.admin.token, '127.0.0.1')).status).toBe(429);

    // Another address is not affected.
    const other = await get('/api/me', token, '127.0.0.2');
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ role: 'agent' });

    const entries = audit.query().entries.filter((e) => e.action === 'auth.rate-limited');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ address: '127.0.0.1', outcome: 'denied', status: 429 });
    expect(JSON.stringify(audit.query())).not.toContain(token.slice(-20));
  });

  it('lifts the limit after Retry-After and does not let a valid token reset the count', async () => {
    let now = 1_000_000;
    const throttle = createAuthThrottle({
      maxFailures: 3,
      windowMs: 60_000,
      blockMs: 30_000,
      now: () => now,
    });
    await start({ throttle });
    const agent = await users.create({ name: 'Ag', role: 'agent', lines: ['a'], control: ['a'] });
    const { token } = await users.createToken(agent.id, 'pc');

    expect((await get('/api/me', wrongTokenFor(token, 1), '127.0.0.1')).status).toBe(401);
    expect((await get('/api/me', wrongTokenFor(token, 2), '127.0.0.1')).status).toBe(401);
    // A valid token in between does not wipe the failures (or guessing could go on forever).
    expect((await get('/api/me', token, '127.0.0.1')).status).toBe(200);
    expect((await get('/api/me', wrongTokenFor(token, 3), '127.0.0.1')).status).toBe(401);
    const limited = await get('/api/me', wrongTokenFor(token, 4), '127.0.0.1');
    expect(limited.status).toBe(429);
    expect(limited.retryAfter).toBe('30');
    now += 10_000;
    expect((await get('/api/me', token, '127.0.0.1')).retryAfter).toBe('20');
    now += 20_001;
    expect((await get('/api/me', token, '127.0.0.1')).status).toBe(200);
    // The next failure starts a new count.
    expect((await get('/api/me', wrongTokenFor(token, 5), '127.0.0.1')).status).toBe(401);
  });

  it('does not count requests without a token (the sign-in page) as failures', async () => {
    await start();
    for (let i = 0; i < 40; i++) {
      const res = await new Promise<number>((resolve, reject) => {
        const req = request(
          { host: base.host, port: base.port, path: '/api/me', agent: false },
          (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(res).toBe(401);
    }
    expect(verified).toBe(0);
  });
});

describe('throttleKey', () => {
  it('drops the port, keeps IPv4 addresses apart and groups IPv6 by /64', () => {
    expect(throttleKey('192.0.2.7:51234')).toBe('192.0.2.7');
    expect(throttleKey('192.0.2.8:51234')).not.toBe(throttleKey('192.0.2.7:1'));
    expect(throttleKey('[2001:db8:1:2::5]:443')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('[2001:0db8:0001:0002:ffff::9]:1')).toBe('2001:db8:1:2::/64');
    expect(throttleKey('[2001:db8:1:3::5]:443')).toBe('2001:db8:1:3::/64');
    expect(throttleKey('[::ffff:10.0.0.1]:80')).toBe('10.0.0.1');
    expect(throttleKey('[::1]:80')).toBe('0:0:0:0::/64');
    expect(throttleKey('unknown')).toBe('unknown');
  });

  it('has no limit when maxFailures is 0, read again at every failure (a config change applies)', () => {
    let max = 0;
    const throttle = createAuthThrottle({ maxFailures: () => max });
    for (let i = 0; i < 100; i++) expect(throttle.failed('10.0.0.1:1').blocked).toBe(false);
    expect(throttle.retryAfter('10.0.0.1:1')).toBe(0);
    max = 2;
    expect(throttle.failed('10.0.0.1:1').blocked).toBe(false);
    expect(throttle.failed('10.0.0.1:1').blocked).toBe(true);
    expect(throttle.retryAfter('10.0.0.1:2')).toBe(60);
  });

  it('forgets old sources instead of growing without bound', () => {
    let now = 0;
    const throttle = createAuthThrottle({ maxSources: 100, now: () => now });
    for (let i = 0; i < 1000; i++) throttle.failed(`10.0.${String(i >> 8)}.${String(i & 255)}:1`);
    expect(throttle.size).toBeLessThanOrEqual(100);
    now += 120_000;
    throttle.failed('10.9.9.9:1');
    expect(throttle.size).toBe(1);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseAuthParams } from './digest-auth.js';
import { get, phoneStarter, type Answer } from './test-helpers.js';

const start = phoneStarter();

function digestHeader(
  challenge: string,
  opts: { user: string; pass: string; uri: string; nc: number; algorithm?: string },
): string {
  const p = parseAuthParams(challenge.replace(/^Digest\s+/i, ''));
  const algorithm = opts.algorithm ?? p.get('algorithm') ?? 'MD5';
  const h = (s: string): string =>
    createHash(algorithm === 'SHA-256' ? 'sha256' : 'md5')
      .update(s)
      .digest('hex');
  const realm = p.get('realm') ?? '';
  const nonce = p.get('nonce') ?? '';
  const nc = opts.nc.toString(16).padStart(8, '0');
  const cnonce = 'abcdef0123456789';
  const response = h(
    `${h(`${opts.user}:${realm}:${opts.pass}`)}:${nonce}:${nc}:${cnonce}:auth:${h(`GET:${opts.uri}`)}`,
  );
  return `Digest username="${opts.user}", realm="${realm}", nonce="${nonce}", uri="${opts.uri}", algorithm=${algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}", opaque="${p.get('opaque') ?? ''}"`;
}

function challenges(answer: Answer): string[] {
  return answer.rawHeaders.filter(
    (_, i, all) => i % 2 === 1 && all[i - 1]?.toLowerCase() === 'www-authenticate',
  );
}

describe('auth', () => {
  it('Basic: 401 with a Basic challenge, 200 with the right credentials', async () => {
    const { base } = await start({ auth: 'basic', username: 'admin', password: 'pw' });
    const denied = await get(`${base}/info.htm`);
    expect(denied.status).toBe(401);
    expect(challenges(denied)).toEqual(['Basic realm="snom"']);
    const wrong = await get(`${base}/info.htm`, {
      Authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}`,
    });
    expect(wrong.status).toBe(401);
    const ok = await get(`${base}/info.htm`, {
      Authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}`,
    });
    expect(ok.status).toBe(200);
  });

  it.each(['MD5', 'SHA-256'] as const)(
    'Digest %s: challenge, answer, nonce count and replay',
    async (algorithm) => {
      const { base } = await start({
        auth: 'digest',
        username: 'admin',
        password: 'pw',
        digestAlgorithm: algorithm,
      });
      const uri = '/command.htm?key=ENTER';
      const first = await get(`${base}${uri}`);
      expect(first.status).toBe(401);
      const [challenge] = challenges(first);
      expect(challenge).toMatch(
        new RegExp(`^Digest realm="snom", qop="auth", algorithm=${algorithm}, nonce="[0-9a-f]+"`),
      );
      const c = challenge ?? '';
      expect(
        (
          await get(`${base}${uri}`, {
            Authorization: digestHeader(c, { user: 'admin', pass: 'pw', uri, nc: 1 }),
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await get(`${base}${uri}`, {
            Authorization: digestHeader(c, { user: 'admin', pass: 'pw', uri, nc: 2 }),
          })
        ).status,
      ).toBe(200);
      // the same nonce count again is a replay
      expect(
        (
          await get(`${base}${uri}`, {
            Authorization: digestHeader(c, { user: 'admin', pass: 'pw', uri, nc: 2 }),
          })
        ).status,
      ).toBe(401);
      expect(
        (
          await get(`${base}${uri}`, {
            Authorization: digestHeader(c, { user: 'admin', pass: 'bad', uri, nc: 3 }),
          })
        ).status,
      ).toBe(401);
    },
  );

  it('Digest both: offers SHA-256 first, then MD5', async () => {
    const { base } = await start({ auth: 'digest', digestAlgorithm: 'both' });
    const list = challenges(await get(`${base}/info.htm`));
    expect(list.map((c) => /algorithm=([\w-]+)/.exec(c)?.[1])).toEqual(['SHA-256', 'MD5']);
  });

  it('Digest: an expired nonce gets 401 with stale=true', async () => {
    const { phone, base } = await start({ auth: 'digest', username: 'u', password: 'p' });
    const uri = '/info.htm';
    const [c] = challenges(await get(`${base}${uri}`));
    expect(
      (
        await get(`${base}${uri}`, {
          Authorization: digestHeader(c ?? '', { user: 'u', pass: 'p', uri, nc: 1 }),
        })
      ).status,
    ).toBe(200);
    phone.expireNonces();
    const stale = await get(`${base}${uri}`, {
      Authorization: digestHeader(c ?? '', { user: 'u', pass: 'p', uri, nc: 2 }),
    });
    expect(stale.status).toBe(401);
    expect(challenges(stale)[0]).toMatch(/stale=true/);
    const [fresh] = challenges(stale);
    expect(
      (
        await get(`${base}${uri}`, {
          Authorization: digestHeader(fresh ?? '', { user: 'u', pass: 'p', uri, nc: 1 }),
        })
      ).status,
    ).toBe(200);
  });
});

describe('https', () => {
  it('serves https with a self-signed certificate and redirects http with 307', async () => {
    const { base } = await start({ https: true });
    expect(base).toMatch(/^https:/);
    const ok = await get(`${base}/info.htm`);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('Hardware: snom360');
    const plain = await get(`${base.replace('https:', 'http:')}/info.htm`);
    expect(plain.status).toBe(307);
    expect(plain.headers.location).toBe(`${base}/info.htm`);
  });
});

describe('faults', () => {
  it('requireHttps answers 307 to https on the same port, which works', async () => {
    const { phone, base } = await start();
    await phone.setFault({ requireHttps: true });
    const res = await get(`${base}/settings.htm`);
    expect(res.status).toBe(307);
    const location = res.headers.location ?? '';
    expect(location).toBe(`${base.replace('http:', 'https:')}/settings.htm`);
    expect((await get(location)).status).toBe(200);
  });

  it('status500 answers 500', async () => {
    const { phone, base } = await start();
    await phone.setFault({ status500: true });
    expect((await get(`${base}/info.htm`)).status).toBe(500);
    await phone.setFault({});
    expect((await get(`${base}/info.htm`)).status).toBe(200);
  });

  it('garbage answers 200 with junk instead of the page', async () => {
    const { phone, base } = await start();
    await phone.setFault({ garbage: true });
    const res = await get(`${base}/info.htm`);
    expect(res.status).toBe(200);
    expect(res.body).not.toMatch(/Mac: [0-9A-F]{12}/);
  });

  it('delayMs holds the answer back', async () => {
    const { phone, base } = await start();
    await phone.setFault({ delayMs: 300 });
    const before = Date.now();
    const res = await get(`${base}/info.htm`);
    expect(res.status).toBe(200);
    // a lower bound only: a loaded machine can make it slower, never faster
    expect(Date.now() - before).toBeGreaterThanOrEqual(290);
  });

  it('offline refuses connections and comes back on the same port', async () => {
    const { phone, base } = await start();
    await phone.setFault({ offline: true });
    await expect(get(`${base}/info.htm`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await phone.setFault({});
    expect((await get(`${base}/info.htm`)).status).toBe(200);
  });
});

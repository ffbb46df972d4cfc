import type { LookupFunction } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFixture, type FixtureServer } from './__fixtures__/fixture-server.js';
import {
  isSnomClientError,
  isSnomConnectionError,
  isSnomHttpError,
  isSnomProtocolError,
  type SnomProtocolError,
} from './errors.js';
import { createSnomClient } from './snom-client.js';

// Edge cases the simulator does not script: raw resets, DNS, header details, retry counts.
let fixture: FixtureServer | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('snom-client against a node:http fixture', () => {
  it('sends Connection: close by default and not with keepAlive', async () => {
    fixture = await startFixture((_req, res) => res.end('ok'));
    const client = createSnomClient({ host: fixture.host });
    await client.answer();
    expect(fixture.requests[0]?.url).toBe('/command.htm?key=ENTER');
    expect(fixture.requests[0]?.headers.connection).toBe('close');
    const keepAlive = createSnomClient({ host: fixture.host, keepAlive: true });
    await keepAlive.answer();
    expect(fixture.requests[1]?.headers.connection).not.toBe('close');
    await keepAlive.close();
  });

  it('treats a reset connection as SnomConnectionError code reset', async () => {
    fixture = await startFixture((req) => req.socket.destroy());
    const client = createSnomClient({ host: fixture.host });
    const error = await rejection(client.hangUp());
    expect(isSnomConnectionError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('reset');
    expect(fixture.requests).toHaveLength(1); // a command is never retried
  });

  it('retries an idempotent read once after a 503, but never a command', async () => {
    let calls = 0;
    fixture = await startFixture((_req, res) => {
      calls++;
      res.statusCode = calls === 1 ? 503 : 200;
      res.end('Hardware: snom360\nMac: 000413000001\nFirmware: 8.7.5.17');
    });
    const client = createSnomClient({ host: fixture.host });
    await expect(client.info()).resolves.toEqual({
      model: 'snom360',
      mac: '000413000001',
      firmware: '8.7.5.17',
    });
    expect(fixture.requests).toHaveLength(2);

    calls = 0;
    const error = await rejection(client.releaseAllCalls());
    expect(isSnomHttpError(error)).toBe(true);
    expect((error as { status: number }).status).toBe(503);
    expect(fixture.requests).toHaveLength(3);
    expect(fixture.requests[2]?.url).toBe('/command.htm?RELEASE_ALL_CALLS');
  });

  it('maps a DNS failure to code dns (custom lookup, no real DNS traffic)', async () => {
    const lookup = ((_host: string, _opts: unknown, cb: (err: Error) => void) => {
      cb(Object.assign(new Error('getaddrinfo ENOTFOUND phone.invalid'), { code: 'ENOTFOUND' }));
    }) as unknown as LookupFunction;
    const client = createSnomClient({ host: 'phone.invalid', lookup, retries: 0 });
    const error = await rejection(client.info());
    expect(isSnomConnectionError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('dns');
    expect((error as Error).message).toContain('could not be resolved');
  });

  it('rejects invalid input before touching the phone', async () => {
    fixture = await startFixture((_req, res) => res.end('ok'));
    const client = createSnomClient({ host: fixture.host });
    for (const attempt of [
      client.dial('12 34'),
      client.dial('1&key=ENTER'),
      client.sendDtmf('1;2'),
      client.pressKeys([]),
      client.pressKeys(['ENTER&x=1']),
      client.blindTransfer('+49301'),
      client.writeSettings({ 'bad name': 'x' }),
      client.writeSettings({ big: 'x'.repeat(5000) }),
    ]) {
      const error = await rejection(attempt);
      expect(isSnomClientError(error)).toBe(true);
      expect((error as { code: string }).code).toBe('invalid-argument');
    }
    expect(fixture.requests).toHaveLength(0);
    expect(() => createSnomClient({ host: 'http://admin:pw@10.0.0.1' })).toThrow(
      /address\[:port\]/,
    );
  });

  it('sends one key per request on snom 1xx/2xx and uses RECALL for hold there', async () => {
    fixture = await startFixture((_req, res) => res.end('ok'));
    const client = createSnomClient({ host: fixture.host, model: 'snom190' });
    await client.hold();
    await client.blindTransfer('12#');
    expect(fixture.requests.map((r) => r.url)).toEqual([
      '/command.htm?key=RECALL',
      '/command.htm?key=TRANSFER',
      '/command.htm?key=1',
      '/command.htm?key=2',
      '/command.htm?key=%23',
      '/command.htm?key=ENTER',
    ]);
  });

  it('refuses commands up front for a D8xx model', async () => {
    fixture = await startFixture((_req, res) => res.end('ok'));
    const client = createSnomClient({ host: fixture.host, model: 'D865' });
    const error = await rejection(client.dial('201'));
    expect((error as Error).name).toBe('SnomUnsupportedModelError');
    expect(fixture.requests).toHaveLength(0);
  });

  it('dial: a 302 anywhere is success; a 2xx only when it looks like a snom page', async () => {
    let answer: { status: number; body: string; location?: string } = { status: 200, body: '' };
    fixture = await startFixture((_req, res) => {
      res.statusCode = answer.status;
      if (answer.location !== undefined) res.setHeader('location', answer.location);
      res.end(answer.body);
    });
    const client = createSnomClient({ host: fixture.host });
    const lenient = createSnomClient({ host: fixture.host, strictResponses: false });
    const accepted = [
      { status: 302, body: '', location: 'http://192.0.2.1/elsewhere.htm' },
      { status: 302, body: '', location: '/index.htm' },
      { status: 200, body: '<html><head><title>snom 320</title></head><body></body></html>' },
      { status: 200, body: '<html><head><title>D785</title></head><body>ok</body></html>' },
    ];
    for (const next of accepted) {
      answer = next;
      await expect(client.dial('201')).resolves.toBeUndefined();
    }
    const rejected = [
      { status: 200, body: 'ok' },
      { status: 200, body: '<html><head><title>Welcome to nginx!</title></head></html>' },
      { status: 204, body: '' },
    ];
    for (const next of rejected) {
      answer = next;
      const error = await rejection(client.dial('201'));
      expect(isSnomProtocolError(error)).toBe(true);
      expect((error as SnomProtocolError).status).toBe(next.status);
      expect((error as SnomProtocolError).url).toBe(
        `http://${fixture.host}/command.htm?number=201`,
      );
      if (next.body === '') expect((error as Error).message).toContain('an empty body');
      await expect(lenient.dial('201')).resolves.toBeUndefined();
    }
    await client.close();
    await lenient.close();
  });

  it('info: a 200 page without model, MAC or firmware is a SnomProtocolError; any one field passes', async () => {
    let body = '';
    fixture = await startFixture((_req, res) => res.end(body));
    const client = createSnomClient({ host: fixture.host });
    body = '<html><body>It works!</body></html>';
    const error = await rejection(client.info());
    expect(isSnomProtocolError(error)).toBe(true);
    expect((error as SnomProtocolError).excerpt).toBe('<html><body>It works!</body></html>');
    expect((error as Error).message).toContain('"<html><body>It works!</body></html>"');
    body = 'Mac: 000413000001';
    await expect(client.info()).resolves.toEqual({
      model: null,
      mac: '000413000001',
      firmware: null,
    });
    await client.close();
  });

  it('a page that echoes the password never puts it into a SnomProtocolError', async () => {
    const password = 'S3cret!pw#42';
    const bodies = [
      (url: string) => `<html><body>you asked ${url} as admin/${password}</body></html>`,
      () => `<p>${password.split('').join('\u0000')}</p>`,
      () => `<p>${password.replace('!', '&#33;')}</p>`,
      () => `${'y'.repeat(110)}${password}${'z'.repeat(100)}`,
    ];
    let index = 0;
    fixture = await startFixture((req, res) => {
      const render = bodies[index % bodies.length];
      res.end(render === undefined ? '' : render(req.url ?? ''));
    });
    const client = createSnomClient({ host: fixture.host, username: 'admin', password });
    const texts: string[] = [];
    for (index = 0; index < bodies.length; index++) {
      for (const attempt of [client.info(), client.dial('201')]) {
        const error = (await rejection(attempt)) as SnomProtocolError;
        expect(isSnomProtocolError(error)).toBe(true);
        texts.push(error.message, String(error.stack), error.excerpt, error.url ?? '');
      }
    }
    for (const text of texts) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(encodeURIComponent(password));
      expect(text).not.toContain('S3cret');
      expect(text).not.toContain('\u0000');
    }
    await client.close();
  });
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventHub } from '@snomlink/core';
import type { SnomlinkEvent } from '@snomlink/core';
import pino from 'pino';
import type {
  DirectorySearchResult,
  DirectoryTestResultView,
  DirectoryView,
} from '../api/directory-schemas.js';
import { openConfigStore } from '../config/config-store.js';
import type { ConfigStore } from '../config/config-store.js';
import { createCallerNames } from '../directory/caller-names.js';
import type { CallerNames } from '../directory/caller-names.js';
import { Hono } from 'hono';
import { createLineModel } from '@snomlink/core';
import { Validator } from '@seriousme/openapi-schema-validator';
import { directoryRoutes } from './directory-routes.js';
import { buildOpenApiDocument, routeCoverage } from './openapi-document.js';
import { mountPresenceRoutes } from './presence-routes.js';

let dir: string;
let config: ConfigStore;
let callerNames: CallerNames;
const logger = pino({ level: 'silent' });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-dir-routes-'));
  await writeFile(
    join(dir, 'crm.csv'),
    'Name;Telefon;Firma\nJörg Müller;030 1234567;Müller GmbH\nAnna Schmidt;+49 89 555123;\n',
  );
  config = await openConfigStore({ file: join(dir, 'config.json') });
  await config.update((c) => ({
    ...c,
    directory: {
      ...c.directory,
      sources: [
        { type: 'csv', id: 'crm', path: join(dir, 'crm.csv') },
        {
          type: 'ldap',
          id: 'ad',
          url: 'ldap://127.0.0.1:1',
          baseDN: 'dc=example,dc=com',
          bindDN: 'cn=cti,dc=example,dc=com',
          password: 'bind-secret-1',
        },
      ],
    },
  }));
  callerNames = createCallerNames({
    config,
    hub: createEventHub<SnomlinkEvent>(),
    logger,
    isLive: () => true,
    annotate: () => undefined,
  });
  callerNames.start();
});

afterEach(async () => {
  await callerNames.close();
  await rm(dir, { recursive: true, force: true });
});

const app = (): ReturnType<typeof directoryRoutes> =>
  directoryRoutes({ config, callerNames, logger });

const json = (body: unknown): RequestInit => ({
  method: 'PUT',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('/api/directory', () => {
  it('GET lists the sources without passwords, with health', async () => {
    const res = await app().request('/');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('bind-secret-1');
    const view = JSON.parse(text) as DirectoryView;
    expect(view.sources.map((s) => [s.id, s.hasPassword])).toEqual([
      ['crm', undefined],
      ['ad', true],
    ]);
    expect(view.overridePhoneName).toBe(false);
    expect(view.health.map((h) => h.id)).toEqual(['crm', 'ad']);
  });

  it('PUT keeps a stored password the client did not send, and "" removes it', async () => {
    const view = (await (await app().request('/')).json()) as DirectoryView;
    const res = await app().request('/', json({ ...view, timeoutMs: 1500 }));
    expect(res.status).toBe(200);
    const stored = JSON.parse(await readFile(config.file, 'utf8')) as {
      directory: { timeoutMs: number; sources: { password?: string }[] };
    };
    expect(stored.directory.timeoutMs).toBe(1500);
    expect(stored.directory.sources[1]?.password).toBe('bind-secret-1');

    // Anonymous bind: no bind DN, and "" drops the stored password.
    const cleared = view.sources.map((s) => {
      if (s.id !== 'ad') return s;
      const { bindDN: _b, ...rest } = s;
      return { ...rest, password: '' };
    });
    const res2 = await app().request('/', json({ ...view, sources: cleared }));
    expect(res2.status).toBe(200);
    const after = (await res2.json()) as DirectoryView;
    expect(after.sources[1]?.hasPassword).toBe(false);
    expect(config.current.directory.sources[1]).not.toHaveProperty('password');
  });

  it('PUT refuses a bad filter template and leaves the config as it was', async () => {
    const before = JSON.stringify(config.current.directory);
    const res = await app().request(
      '/',
      json({
        sources: [{ type: 'ldap', url: 'ldap://x', baseDN: 'dc=x', filter: '(cn={nope})' }],
      }),
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/nope/);
    expect(JSON.stringify(config.current.directory)).toBe(before);
  });

  it('POST /test says what each source answered', async () => {
    const res = await app().request('/test', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ number: '+49 (30) 1234567' }),
    });
    expect(res.status).toBe(200);
    const result = (await res.json()) as DirectoryTestResultView;
    expect(result.key).toBe('+49301234567');
    expect(result.sources[0]).toMatchObject({ id: 'crm', outcome: 'match' });
    expect(result.sources[0]?.match?.name).toBe('Jörg Müller');
    expect(result.sources[1]?.outcome).toBe('error');
  });

  it('GET /search finds entries by name for the dial box, and checks q', async () => {
    const res = await app().request('/search?q=muller');
    const body = (await res.json()) as DirectorySearchResult;
    expect(body.hits.map((h) => h.name)).toEqual(['Jörg Müller']);
    expect(body.hits[0]?.numbers[0]?.key).toBe('+49301234567');
    expect((await app().request('/search?q=x')).status).toBe(400);
  });

  it('answers bad bodies and queries with { error, detail } naming the field', async () => {
    const cases: [string, RequestInit, string, RegExp][] = [
      ['/', json({ sources: [{ type: 'ftp' }] }), 'validation', /^sources\.0\.type: /],
      ['/', { ...json({}), body: '{nope' }, 'invalid-json', /not valid JSON/],
      [
        '/test',
        { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"number":"1"}' },
        'invalid-json',
        /application\/json/,
      ],
      [
        '/test',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
        'validation',
        /^number: /,
      ],
      ['/search?q=x', {}, 'validation', /^q: /],
      ['/search?q=anna&limit=abc', {}, 'validation', /^limit: /],
    ];
    for (const [path, init, error, detail] of cases) {
      const res = await app().request(path, init);
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as { error: string; detail: string };
      expect(Object.keys(body).sort(), path).toEqual(['detail', 'error']);
      expect(body.error, path).toBe(error);
      expect(body.detail, path).toMatch(detail);
    }
  });

  it('documents request bodies, queries and path parameters of the directory and presence routes', async () => {
    const api = new Hono();
    api.route('/api/directory', app());
    mountPresenceRoutes(api, {
      config,
      phones: { get: () => undefined },
      lineModel: createLineModel(),
      logger,
    });
    const doc = await buildOpenApiDocument(api, 'test');
    expect(routeCoverage(api, doc)).toEqual({ undocumented: [], unserved: [] });
    const validation = await new Validator().validate(doc);
    expect(validation.errors ?? []).toEqual([]);
    type Op = {
      requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
      parameters?: { name: string; in: string }[];
      responses: Record<string, unknown>;
    };
    const op = (path: string, method: string): Op =>
      (doc.paths[path] as Record<string, Op> | undefined)?.[method] as Op;
    const bodyRef = (o: Op): string | undefined =>
      o.requestBody?.content['application/json']?.schema.$ref;
    expect(bodyRef(op('/api/directory', 'put'))).toBe('#/components/schemas/DirectorySection');
    expect(bodyRef(op('/api/directory/test', 'post'))).toBe(
      '#/components/schemas/DirectoryTestRequest',
    );
    expect(bodyRef(op('/api/phones/{id}/presence', 'put'))).toBe(
      '#/components/schemas/PresenceUpdate',
    );
    expect(op('/api/directory/search', 'get').parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['query:q', 'query:limit']),
    );
    for (const method of ['get', 'put'])
      expect(op('/api/phones/{id}/presence', method).parameters).toEqual(
        expect.arrayContaining([expect.objectContaining({ in: 'path', name: 'id' })]),
      );
    expect(Object.keys(op('/api/phones/{id}/presence', 'put').responses).sort()).toEqual([
      '202',
      '400',
      '401',
      '403',
      '404',
      '429',
      '502',
      '503',
      '504',
    ]);
  });
});

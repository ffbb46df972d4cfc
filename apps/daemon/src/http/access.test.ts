import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../audit/audit-log.js';
import type { AuditLog } from '../audit/audit-log.js';
import { openConfigStore } from '../config/config-store.js';
import type { ConfigStore } from '../config/config-store.js';
import { isApiError } from '../errors.js';
import { createTokenUsage } from '../users/token-usage.js';
import { createTokenVerifier } from '../users/token-verifier.js';
import { createUserStore } from '../users/user-store.js';
import type { UserStore } from '../users/user-store.js';
import { mountAccess } from './access.js';
import { principalOf } from './principal-auth.js';
import { requireControlledLine } from './scope.js';

let config: ConfigStore;
let audit: AuditLog;
let users: UserStore;
let app: Hono;
let admin: string;

beforeEach(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'snomlink-access-'));
  config = await openConfigStore({ file: join(dir, 'config.json') });
  admin = config.current.admin.token;
  audit = createAuditLog();
  audit.open({ file: ':memory:', retentionDays: () => 0 });
  const verifier = createTokenVerifier({ users: () => config.current.users });
  const usage = createTokenUsage({
    save: (rows) => {
      audit.saveTokenUsage(rows);
    },
  });
  users = createUserStore({ config, verifier, usage });
  app = new Hono();
  app.onError((error, c) =>
    c.json(
      { error: isApiError(error) ? error.code : 'internal' },
      isApiError(error) ? error.status : 500,
    ),
  );
  mountAccess(app, () => admin, { verifier, usage, users, audit });
  // Stand-ins for a scoped route and an admin route.
  app.post('/api/phones/:id/dial', (c) => {
    requireControlledLine(c, c.req.param('id'));
    return c.json({ dialled: c.req.param('id'), by: principalOf(c).name });
  });
  app.put('/api/dialing', (c) => c.json({ ok: true }));
});

function req(
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  return Promise.resolve(
    app.request(path, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
}

describe('authentication, route policy and audit in front of the admin API', () => {
  it('admits the admin token everywhere and a user token only where the policy allows', async () => {
    const viewer = await users.create({ name: 'Vi', role: 'viewer', lines: ['a'], control: [] });
    const { token } = await users.createToken(viewer.id, 'pc');
    expect((await req(null, 'GET', '/api/me')).status).toBe(401);
    expect((await req('slu_0123abcd_wrongwrongwrongwrong', 'GET', '/api/me')).status).toBe(401);
    expect(await (await req(admin, 'GET', '/api/me')).json()).toMatchObject({
      role: 'admin',
      lines: null,
    });
    expect(await (await req(token, 'GET', '/api/me')).json()).toMatchObject({
      role: 'viewer',
      lines: ['a'],
    });
    expect((await req(token, 'PUT', '/api/dialing', {})).status).toBe(403);
    expect((await req(token, 'GET', '/api/users')).status).toBe(403);
    expect((await req(admin, 'PUT', '/api/dialing', {})).status).toBe(200);
  });

  it('sets the session cookie for a user token given once as ?token=', async () => {
    const agent = await users.create({ name: 'Ag', role: 'agent', lines: [], control: ['a'] });
    const { token } = await users.createToken(agent.id, 'pc');
    const res = await app.request(`/api/me?token=${encodeURIComponent(token)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toContain('snomlink_token=');
  });

  it('audits state changes of every principal with the outcome, never the body secrets', async () => {
    await req(admin, 'PUT', '/api/dialing', { password: 'hunter2' });
    const page = audit.query();
    expect(page.entries[0]).toMatchObject({
      action: 'config.dialing',
      actor: 'admin',
      outcome: 'ok',
      status: 200,
    });
    expect(JSON.stringify(page)).not.toContain('hunter2');
  });
});

import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { partitionOf } from '@snomlink/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterCommand, ClusterCommandResult } from './cluster-types.js';
import { createCommandClient, createCommandServer, type CommandServer } from './command-bus.js';
import { commandDigest } from './command-wire.js';
import { isClusterUnavailableError } from './errors.js';
import { clusterNames } from './names.js';
import { hasNatsServer, startNatsCluster, type NatsTestCluster } from './testing/nats-server.js';
import { ensureSharedLayout, openSharedLayout } from './testing/shared-layout.js';

const missing = !hasNatsServer();
if (missing && process.env['CI'] !== undefined) {
  throw new Error(
    'nats-server is missing under CI: scripts/ensure-nats.sh should have installed it',
  );
}
if (missing) console.warn('SKIPPING command-bus tests: nats-server is not installed');

const names = clusterNames('cbt');

function command(phoneId: string, args: unknown = { to: '100' }, name = 'dial'): ClusterCommand {
  return { id: randomUUID(), phoneId, name, args };
}

/** A handler that counts runs per command id and can be held until released. */
function countingHandler(node: string): {
  runs: Map<string, number>;
  started: Promise<void>;
  release: () => void;
  hold: boolean;
  handle: (c: ClusterCommand) => Promise<ClusterCommandResult>;
} {
  let release = (): void => undefined;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let markStarted = (): void => undefined;
  const started = new Promise<void>((r) => {
    markStarted = r;
  });
  const h = {
    runs: new Map<string, number>(),
    started,
    release: () => {
      release();
    },
    hold: false,
    handle: async (c: ClusterCommand): Promise<ClusterCommandResult> => {
      h.runs.set(c.id, (h.runs.get(c.id) ?? 0) + 1);
      markStarted();
      if (h.hold) await gate;
      if (c.name === 'boom') throw new Error('phone said no');
      return { ok: true, value: { node, args: c.args } };
    },
  };
  return h;
}

function totalRuns(...hs: { runs: Map<string, number> }[]): number {
  return hs.reduce((n, h) => n + [...h.runs.values()].reduce((a, b) => a + b, 0), 0);
}

describe.skipIf(missing)('command bus on one nats-server', () => {
  let cluster: NatsTestCluster;
  let nc: NatsConnection;
  const servers: CommandServer[] = [];
  beforeAll(async () => {
    cluster = await startNatsCluster(1);
    nc = await connect({ servers: [...cluster.servers] });
    await ensureSharedLayout(nc, names);
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await nc.close();
    await cluster.dispose();
  });

  async function serving(
    handle: (c: ClusterCommand) => Promise<ClusterCommandResult>,
    phoneId: string,
  ) {
    const { commands } = await openSharedLayout(nc, names);
    const server = createCommandServer({ nc, commands, names, nodeId: 'n1', onCommand: handle });
    server.serve(partitionOf(phoneId));
    servers.push(server);
    await nc.flush();
    return server;
  }

  it('runs a command once on the owner and returns the stored result to a retry', async () => {
    const h = countingHandler('n1');
    const server = await serving(h.handle, 'desk-1');
    const client = createCommandClient({ nc, names });
    const cmd = command('desk-1');
    const first = await client.send(cmd);
    expect(first).toEqual({ ok: true, value: { node: 'n1', args: { to: '100' } } });
    const again = await client.send(cmd);
    expect(again).toEqual(first);
    expect(h.runs.get(cmd.id)).toBe(1);
    expect(server.commandsServed()).toBe(1);
    expect(server.served()).toEqual([partitionOf('desk-1')]);
  });

  it('runs a command once when 20 copies arrive at the same time', async () => {
    const h = countingHandler('n1');
    h.hold = true;
    await serving(h.handle, 'desk-2');
    const client = createCommandClient({ nc, names });
    const cmd = command('desk-2');
    const answers = Promise.all(Array.from({ length: 20 }, () => client.send(cmd, 30_000)));
    await h.started;
    h.release();
    const results = await answers;
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(h.runs.get(cmd.id)).toBe(1);
  });

  it('keeps retrying while a slow command runs, then returns its one result', async () => {
    const h = countingHandler('n1');
    h.hold = true;
    await serving(h.handle, 'desk-3');
    const cmd = command('desk-3');
    // Count the attempts on the wire: a plain subscriber sees every request.
    const seen = nc.subscribe(names.commandSubject(partitionOf('desk-3'), 'desk-3'));
    await nc.flush();
    const client = createCommandClient({ nc, names, attemptTimeoutMs: 400 });
    const answer = client.send(cmd, 30_000);
    let attempts = 0;
    for await (const _ of seen) {
      attempts += 1;
      if (attempts === 3) break;
    }
    h.release();
    await expect(answer).resolves.toMatchObject({ ok: true });
    expect(h.runs.get(cmd.id)).toBe(1);
  });

  it('stores a thrown handler error as a 500 result and never reruns it', async () => {
    const h = countingHandler('n1');
    await serving(h.handle, 'desk-4');
    const client = createCommandClient({ nc, names });
    const cmd = command('desk-4', {}, 'boom');
    const first = await client.send(cmd);
    expect(first).toEqual({ ok: false, status: 500, error: 'phone said no' });
    await expect(client.send(cmd)).resolves.toEqual(first);
    expect(h.runs.get(cmd.id)).toBe(1);
  });

  it('refuses an id reused for a different command (409) instead of returning its result', async () => {
    const h = countingHandler('n1');
    await serving(h.handle, 'desk-5');
    const client = createCommandClient({ nc, names });
    const cmd = command('desk-5', { to: '100' });
    await client.send(cmd);
    const forged = await client.send({ ...cmd, args: { to: '0900666' } });
    expect(forged).toMatchObject({ ok: false, status: 409 });
    expect(h.runs.get(cmd.id)).toBe(1);
  });

  it('answers 400 for a command whose phone is not the one of its subject, without running it', async () => {
    const h = countingHandler('n1');
    await serving(h.handle, 'desk-6');
    const cmd = command('desk-7');
    // An attacker (or a bug) publishes desk-7's command on desk-6's subject.
    const reply = await nc.request(
      names.commandSubject(partitionOf('desk-6'), 'desk-6'),
      JSON.stringify({ v: 1, waitMs: 0, command: cmd }),
      { timeout: 5_000 },
    );
    expect(reply.json()).toMatchObject({ kind: 'result', result: { ok: false, status: 400 } });
    const junk = await nc.request(names.commandSubject(partitionOf('desk-6'), 'desk-6'), '{"v":1', {
      timeout: 5_000,
    });
    expect(junk.json()).toMatchObject({ kind: 'result', result: { ok: false, status: 400 } });
    expect(totalRuns(h)).toBe(0);
  });

  it('rejects with ClusterUnavailableError when nobody owns the partition', async () => {
    const client = createCommandClient({ nc, names });
    const error = await client.send(command('desk-8'), 800).catch((e: unknown) => e);
    expect(isClusterUnavailableError(error)).toBe(true);
  });

  it('stops answering a partition at once when it is unserved', async () => {
    const h = countingHandler('n1');
    const server = await serving(h.handle, 'desk-9');
    server.unserve(partitionOf('desk-9'));
    await nc.flush();
    const client = createCommandClient({ nc, names });
    const error = await client.send(command('desk-9'), 800).catch((e: unknown) => e);
    expect(isClusterUnavailableError(error)).toBe(true);
    expect(totalRuns(h)).toBe(0);
  });

  it('never reruns a command claimed by a node that died while running it (409 at the deadline)', async () => {
    const h = countingHandler('n1');
    await serving(h.handle, 'desk-10');
    const cmd = command('desk-10');
    const { commands } = await openSharedLayout(nc, names);
    // What a node leaves behind when it dies between its claim and its result.
    await commands.create(
      cmd.id,
      JSON.stringify({
        state: 'running',
        claimer: 'dead/1',
        node: 'dead',
        digest: commandDigest(cmd),
        at: Date.now(),
      }),
    );
    const client = createCommandClient({ nc, names, attemptTimeoutMs: 400 });
    const result = await client.send(cmd, 1_500);
    expect(result).toMatchObject({ ok: false, status: 409 });
    expect(result.ok ? '' : result.error).toMatch(/dead.*will not be run again/);
    expect(totalRuns(h)).toBe(0);
  });

  it('runs its own claim whose create was stored but never acknowledged (it never ran)', async () => {
    const h = countingHandler('n1');
    const { commands } = await openSharedLayout(nc, names);
    const server = createCommandServer({
      nc,
      commands,
      names,
      nodeId: 'n1',
      onCommand: h.handle,
      instanceId: 'n1/me',
    });
    server.serve(partitionOf('desk-11'));
    servers.push(server);
    await nc.flush();
    const cmd = command('desk-11');
    await commands.create(
      cmd.id,
      JSON.stringify({
        state: 'running',
        claimer: 'n1/me',
        node: 'n1',
        digest: commandDigest(cmd),
        at: 1,
      }),
    );
    const client = createCommandClient({ nc, names });
    await expect(client.send(cmd)).resolves.toMatchObject({ ok: true });
    expect(h.runs.get(cmd.id)).toBe(1);
    expect((await commands.get(cmd.id))?.json()).toMatchObject({ state: 'done', node: 'n1' });
  });

  it('answers 500 without running when the stored record is not ours (planted junk)', async () => {
    const h = countingHandler('n1');
    await serving(h.handle, 'desk-12');
    const cmd = command('desk-12');
    const { commands } = await openSharedLayout(nc, names);
    await commands.create(cmd.id, '{"state":"done","result":"pwned"}');
    const client = createCommandClient({ nc, names });
    await expect(client.send(cmd)).resolves.toMatchObject({ ok: false, status: 500 });
    expect(totalRuns(h)).toBe(0);
  });

  it('refuses an invalid command id before sending anything', async () => {
    const client = createCommandClient({ nc, names });
    await expect(client.send({ ...command('desk-1'), id: 'a.b>' })).rejects.toThrow(/command id/);
  });
});

describe.skipIf(missing)('command bus on three nats-servers with two owners answering', () => {
  let cluster: NatsTestCluster;
  const conns: NatsConnection[] = [];
  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    const admin = await connect({ servers: [...cluster.servers] });
    conns.push(admin);
    await ensureSharedLayout(admin, names, 3);
  });
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close()));
    await cluster.dispose();
  });

  it('runs each command exactly once under retries while two servers serve its partition', async () => {
    // Two "owners" (a hand-over overlap or a zombie), each on its own nats-server, and a caller
    // on the third; each command is sent three times at once.
    const [a, b, caller] = await Promise.all(
      cluster.servers.map((url) => connect({ servers: url })),
    );
    if (a === undefined || b === undefined || caller === undefined)
      throw new Error('no connection');
    conns.push(a, b, caller);
    const ha = countingHandler('a');
    const hb = countingHandler('b');
    const phones = ['desk-1', 'desk-2', 'desk-3', 'desk-4'];
    const owners = await Promise.all(
      [
        [a, ha, 'a'],
        [b, hb, 'b'],
      ].map(async ([nc, h, node]) => {
        const conn = nc as NatsConnection;
        const { commands } = await openSharedLayout(conn, names);
        const s = createCommandServer({
          nc: conn,
          commands,
          names,
          nodeId: node as string,
          onCommand: (h as typeof ha).handle,
        });
        for (const p of phones) s.serve(partitionOf(p));
        await conn.flush();
        return s;
      }),
    );
    const client = createCommandClient({ nc: caller, names, attemptTimeoutMs: 1_500 });
    const cmds = Array.from({ length: 40 }, (_, i) =>
      command(phones[i % phones.length] ?? 'desk-1', { i }),
    );
    // Routes between servers may take a moment after start: the client's retries absorb that.
    const results = await Promise.all(
      cmds.flatMap((c) => [client.send(c, 30_000), client.send(c, 30_000), client.send(c, 30_000)]),
    );
    for (let i = 0; i < cmds.length; i += 1) {
      const three = results.slice(i * 3, i * 3 + 3).map((r) => JSON.stringify(r));
      expect(new Set(three).size).toBe(1);
      expect(results[i * 3]).toMatchObject({ ok: true, value: { args: { i } } });
    }
    for (const c of cmds) {
      expect((ha.runs.get(c.id) ?? 0) + (hb.runs.get(c.id) ?? 0)).toBe(1);
    }
    expect(totalRuns(ha, hb)).toBe(cmds.length);
    // The queue group spread the work: both owners ran some.
    expect(ha.runs.size).toBeGreaterThan(0);
    expect(hb.runs.size).toBeGreaterThan(0);
    await Promise.all(owners.map((s) => s.close()));
  });

  it('runs each command once while a nats-server is killed and restarted mid-way', async () => {
    // Every connection knows all servers, so it reconnects elsewhere when its server dies.
    const all = { servers: [...cluster.servers], reconnectTimeWait: 100, maxReconnectAttempts: -1 };
    const [a, b, caller] = await Promise.all([connect(all), connect(all), connect(all)]);
    conns.push(a, b, caller);
    const ha = countingHandler('a');
    const hb = countingHandler('b');
    const phones = ['desk-5', 'desk-6', 'desk-7'];
    const owners = await Promise.all(
      [
        [a, ha, 'a'],
        [b, hb, 'b'],
      ].map(async ([nc, h, node]) => {
        const conn = nc as NatsConnection;
        const { commands } = await openSharedLayout(conn, names);
        const s = createCommandServer({
          nc: conn,
          commands,
          names,
          nodeId: node as string,
          onCommand: (h as typeof ha).handle,
        });
        for (const p of phones) s.serve(partitionOf(p));
        await conn.flush();
        return s;
      }),
    );
    const client = createCommandClient({ nc: caller, names, attemptTimeoutMs: 1_500 });
    const cmds = Array.from({ length: 30 }, (_, i) =>
      command(phones[i % phones.length] ?? 'desk-5', { i }),
    );
    const victim = cluster.nodes[0];
    if (victim === undefined) throw new Error('no node');
    const send = (c: ClusterCommand) =>
      Promise.all([client.send(c, 60_000), client.send(c, 60_000)]);
    const before = await Promise.all(cmds.slice(0, 10).map(send));
    // The rest go out while the server dies: some in flight at the kill, some during fail-over.
    const inFlight = Promise.all(cmds.slice(10, 20).map(send));
    await victim.kill('SIGKILL');
    const started = Date.now();
    const afterKill = await Promise.all(cmds.slice(20).map(send));
    console.info(
      `commands sent right after the kill answered in ${String(Date.now() - started)} ms`,
    );
    const results = [...before, ...(await inFlight), ...afterKill];
    await victim.start();
    for (const [i, [first, second]] of results.entries()) {
      expect(first).toEqual(second);
      expect(first).toMatchObject({ ok: true, value: { args: { i } } });
    }
    for (const c of cmds) {
      expect((ha.runs.get(c.id) ?? 0) + (hb.runs.get(c.id) ?? 0)).toBe(1);
    }
    await Promise.all(owners.map((s) => s.close()));
  });
});

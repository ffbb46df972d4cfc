/**
 * `snomlink dial` end to end: the BUILT cli (node apps/daemon/dist/cli.js dial …) against the
 * built daemon and a simulated phone, as a browser's tel: handler would run it.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulatedPhone } from '@snomlink/snom-simulator';
import type { SimulatedPhone } from '@snomlink/snom-simulator';
import { runCli, killIfRunning, startLoopbackDaemon } from '../testing/daemon-process.js';
import type { DaemonProcess } from '../testing/daemon-process.js';

let dir: string;
let daemon: DaemonProcess;
let desk: SimulatedPhone;
let lobby: SimulatedPhone;

/** A clean environment: no token or client file of the user running the tests leaks in. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    SNOMLINK_TOKEN: '',
    SNOMLINK_URL: '',
    SNOMLINK_PHONE: '',
    SNOMLINK_CLIENT_CONFIG: '',
    XDG_CONFIG_HOME: join(dir, 'xdg'),
    ...extra,
  };
}

async function addPhone(id: string, phone: SimulatedPhone): Promise<void> {
  const res = await fetch(`${daemon.adminBase}/api/phones`, {
    method: 'POST',
    headers: { authorization: `Bearer ${daemon.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id, host: `127.0.0.1:${phone.address!.port}` }),
  });
  expect(res.status).toBe(201);
}

function outgoingTo(phone: SimulatedPhone, digits: string): boolean {
  return phone.calls.some((c) => c.direction === 'outgoing' && c.remote.includes(digits));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snomlink-dial-'));
  desk = createSimulatedPhone({ model: 'snom360', identity: { user: '201', host: 'pbx.example' } });
  lobby = createSimulatedPhone({
    model: 'snom360',
    identity: { user: '202', host: 'pbx.example' },
  });
  await desk.listen({ host: '127.0.0.1', port: 0 });
  await lobby.listen({ host: '127.0.0.1', port: 0 });
  daemon = await startLoopbackDaemon(dir);
  await addPhone('desk', desk);
}, 60_000);

afterAll(async () => {
  await killIfRunning(daemon);
  await desk.close();
  await lobby.close();
  await rm(dir, { recursive: true, force: true });
});

describe('snomlink dial (built binary)', () => {
  it('dials a tel: link on the only phone: the simulated phone dials the dialable number', async () => {
    const r = await runCli(['dial', 'tel:+49-30-9876543', '--url', daemon.adminBase], {
      env: env({ SNOMLINK_TOKEN: daemon.token }),
    });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('dialling 0309876543 on desk\n');
    expect(outgoingTo(desk, '0309876543')).toBe(true);
    await desk.releaseAllCalls();
  });

  it('takes url, token and phone from the client file and unwraps callto: links', async () => {
    await addPhone('lobby', lobby);
    const file = join(dir, 'xdg', 'snomlink', 'client.json');
    await mkdir(join(dir, 'xdg', 'snomlink'), { recursive: true });
    await writeFile(
      file,
      JSON.stringify({ url: daemon.adminBase, token: daemon.token, phone: 'lobby' }),
    );
    await chmod(file, 0o600);
    const r = await runCli(['dial', 'callto://+4930%20555%2001'], { env: env() });
    expect(r).toMatchObject({ code: 0, stdout: 'dialling 03055501 on lobby\n', stderr: '' });
    expect(outgoingTo(lobby, '03055501')).toBe(true);
    expect(outgoingTo(desk, '03055501')).toBe(false);
    await lobby.releaseAllCalls();
    await rm(file);
  });

  it('with two phones and no --phone, names them and exits 2', async () => {
    const r = await runCli(['dial', '201', '--url', daemon.adminBase], {
      env: env({ SNOMLINK_TOKEN: daemon.token }),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/2 phones \(desk, lobby\); choose one with --phone ID/);
  });

  it("exits 1 with the daemon's message when it refuses the number or the token", async () => {
    const bad = await runCli(['dial', 'tel:abc', '--phone', 'desk', '--url', daemon.adminBase], {
      env: env({ SNOMLINK_TOKEN: daemon.token }),
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/cannot dial "tel:abc": .*\(HTTP 422\)/);

    const unknown = await runCli(['dial', '201', '--phone', 'nope', '--url', daemon.adminBase], {
      env: env({ SNOMLINK_TOKEN: daemon.token }),
    });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/nope.*\(HTTP 404\)/);

    const denied = await runCli(['dial', '201', '--phone', 'desk', '--url', daemon.adminBase], {
      env: env({ SNOMLINK_TOKEN: 'not-the-token-0000' }),
    });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/HTTP 401\) — check SNOMLINK_TOKEN/);
    expect(outgoingTo(desk, '201')).toBe(false);
  }, 90_000); // three CLI runs: each is a node start, seconds on a loaded machine

  it('never reads the token from argv, and says where to put it', async () => {
    const r = await runCli(['dial', '201', '--url', daemon.adminBase, '--token', daemon.token], {
      env: env(),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--token'/);
    const none = await runCli(['dial', '201', '--url', daemon.adminBase], { env: env() });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no admin token: set SNOMLINK_TOKEN or "token" in .*client\.json/);
  });
});

import { describe, expect, it } from 'vitest';
import { createSimulatedPhone, isSimulatorListenError } from './index.js';
import { get, phoneStarter } from './test-helpers.js';

const start = phoneStarter();

describe('HTTP surface', () => {
  it('writes percent-encoded settings with dummy.htm and lists them on settings.htm', async () => {
    const { phone, base } = await start();
    const url = 'http://127.0.0.1:8080/snom/p1/incoming?k=s&remote=$remote';
    const res = await get(
      `${base}/dummy.htm?settings=save&action_incoming_url=${encodeURIComponent(url)}&user_name1=Anna%20M%C3%BCller&store_settings=save`,
    );
    expect(res.status).toBe(200);
    expect(phone.settings.get('action_incoming_url')).toBe(url);
    expect(phone.settings.get('user_name1')).toBe('Anna Müller');
    expect([...phone.storedSettings].sort()).toEqual(['action_incoming_url', 'user_name1']);
    const page = await get(`${base}/settings.htm`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<pre>');
    expect(page.body).toContain(`action_incoming_url: ${url.replace(/&/g, '&amp;')}\n`);
    expect(page.body).toContain('user_name1: Anna Müller\n');
  });

  it('keeps settings without store_settings out of the stored set', async () => {
    const { phone, base } = await start();
    await get(`${base}/dummy.htm?settings=save&a=1&b=2`);
    expect(phone.settings.get('a')).toBe('1');
    expect(phone.settings.get('b')).toBe('2');
    expect(phone.storedSettings.size).toBe(0);
  });

  it('command.htm?number= answers 302 to index.htm and places a call', async () => {
    const { phone, base } = await start({ answerDelayMs: 60_000 });
    const res = await get(
      `${base}/command.htm?number=%2B4930123456&outgoing_uri=201%40pbx.example`,
    );
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/index.htm');
    expect(phone.calls).toHaveLength(1);
    expect(phone.calls[0]?.remote).toBe('sip:+4930123456@pbx.example');
    expect(phone.calls[0]?.state).toBe('dialing');
  });

  it('command.htm keys answer, hold, send DTMF and end calls', async () => {
    const { phone, base } = await start();
    await phone.ring('+4930123456');
    expect((await get(`${base}/command.htm?key=ENTER`)).status).toBe(200);
    expect(phone.calls[0]?.state).toBe('connected');
    await get(`${base}/command.htm?key=F_HOLD`);
    expect(phone.calls[0]?.state).toBe('held');
    await get(`${base}/command.htm?key=F_HOLD`);
    expect(phone.calls[0]?.state).toBe('connected');
    await get(`${base}/command.htm?key_dtmf=12%23`);
    await get(`${base}/command.htm?key=4;5`);
    expect(phone.calls[0]?.dtmf).toBe('12#45');
    await get(`${base}/command.htm?key=CANCEL`);
    expect(phone.calls).toHaveLength(0);
  });

  it('RELEASE_ALL_CALLS ends every call', async () => {
    const { phone, base } = await start({ answerDelayMs: 60_000 });
    await phone.dial('300');
    await phone.ring('301');
    expect(phone.calls).toHaveLength(2);
    expect((await get(`${base}/command.htm?RELEASE_ALL_CALLS`)).status).toBe(200);
    expect(phone.calls).toHaveLength(0);
  });

  it('info.htm shows model, MAC and firmware', async () => {
    const { base } = await start({ model: 'snom360', mac: '000413aabbcc', firmware: '8.7.5.35' });
    const res = await get(`${base}/info.htm`);
    expect(res.body).toMatch(/Hardware: snom360/);
    expect(res.body).toMatch(/Mac: 000413AABBCC/);
    expect(res.body).toMatch(/Firmware: snom360-SIP 8\.7\.5\.35/);
    expect(res.body).not.toContain('Phone Manager');
  });

  it('a D8xx shows a Phone Manager page and takes no commands', async () => {
    const { base } = await start({ model: 'D865' });
    const info = await get(`${base}/info.htm`);
    expect(info.body).toContain('<title>Phone Manager</title>');
    expect(info.body).toContain('Hardware: D865');
    expect((await get(`${base}/command.htm?number=123`)).status).toBe(404);
    expect((await get(`${base}/dummy.htm?settings=save&a=1`)).status).toBe(404);
  });

  it('serves index.htm and answers 404 for unknown pages', async () => {
    const { base } = await start();
    expect((await get(`${base}/index.htm`)).status).toBe(200);
    expect((await get(`${base}/nope.htm`)).status).toBe(404);
  });

  it('records every request with its raw query and status', async () => {
    const { phone, base } = await start();
    const seen: string[] = [];
    phone.on('request', (r) => seen.push(r.path));
    await get(`${base}/command.htm?key=ENTER`);
    await get(`${base}/missing`);
    expect(phone.requests.map((r) => [r.path, r.query, r.status])).toEqual([
      ['/command.htm', 'key=ENTER', 200],
      ['/missing', '', 404],
    ]);
    expect(seen).toEqual(['/command.htm', '/missing']);
  });

  it('serves and clears log.htm', async () => {
    const { phone, base } = await start({ model: 'snom190' });
    await phone.ring('+4930123456', { display: 'Anna <Müller>' });
    const page = await get(`${base}/log.htm`);
    // The public SIP-trace intro line (snom-evidence.md §4) opens the log of a fresh phone.
    expect(page.body).toMatch(
      /^<html><head><title>Log<\/title><\/head><body><pre>Received from udp:127\.0\.0\.1:5060 at /,
    );
    expect(page.body).toContain(
      'From: &quot;Anna &lt;Müller&gt;&quot; &lt;sip:+4930123456@pbx.example&gt;',
    );
    const cleared = await get(`${base}/log.htm?clear_log=1`);
    expect(cleared.body).toBe(
      '<html><head><title>Log</title></head><body><pre></pre></body></html>\n',
    );
    expect(phone.logText).toBe('');
  });

  it('listens on other 127.0.0.x addresses and refuses addresses outside 127.0.0.0/8', async () => {
    const { host } = await start({}, { host: '127.0.0.7' });
    expect(host).toBe('127.0.0.7');
    await expect(createSimulatedPhone().listen({ host: '0.0.0.0' })).rejects.toThrow(
      /127\.0\.0\.0\/8/,
    );
  });

  it('a taken port gives a SimulatorListenError with the code', async () => {
    const { phone } = await start();
    const port = phone.address?.port ?? 0;
    const err: unknown = await createSimulatedPhone()
      .listen({ port })
      .catch((e: unknown) => e);
    expect(isSimulatorListenError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'EADDRINUSE', port, host: '127.0.0.1' });
  });

  it('OFFHOOK, digits and ENTER dial from the keypad', async () => {
    const { phone, base } = await start({ answerDelayMs: 60_000 });
    await get(`${base}/command.htm?key=OFFHOOK;0;3;0;ENTER`);
    expect(phone.calls.map((c) => [c.remote, c.state])).toEqual([
      ['sip:030@pbx.example', 'dialing'],
    ]);
  });
});

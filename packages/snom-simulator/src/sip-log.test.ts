import { afterEach, describe, expect, it } from 'vitest';
import { createSimulatedPhone, type SimulatedPhone } from './index.js';
import { SipLog } from './sip-log.js';

const phones: SimulatedPhone[] = [];
async function phone190(): Promise<SimulatedPhone> {
  const phone = createSimulatedPhone({ model: 'snom190', answerDelayMs: 10 });
  phones.push(phone);
  await phone.listen({ host: '127.0.0.3' });
  return phone;
}
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.close()));
});

/** The SIP messages in the log: [direction, start line, headers by name]. */
function messages(text: string): { dir: string; start: string; headers: Map<string, string> }[] {
  const out: { dir: string; start: string; headers: Map<string, string> }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const intro = /(Received from|Sent to) udp:/.exec(lines[i] ?? '');
    if (intro === null) continue;
    let j = i + 1;
    while ((lines[j] ?? '') === '') j += 1;
    const headers = new Map<string, string>();
    const start = lines[j] ?? '';
    for (j += 1; j < lines.length && (lines[j] ?? '') !== ''; j += 1) {
      const l = lines[j] ?? '';
      const k = l.indexOf(': ');
      headers.set(l.slice(0, k), l.slice(k + 2));
    }
    out.push({ dir: intro[1] === 'Received from' ? 'in' : 'out', start, headers });
    i = j;
  }
  return out;
}

/** The public intro line (snom-evidence.md §4): `Received from udp:… at 2/12/2026 08:31:02:770 (425 bytes):`. */
const HEADER_LINE =
  /^(Received from|Sent to) udp:127\.0\.0\.1:5060 at \d{1,2}\/\d{1,2}\/\d{4} \d\d:\d\d:\d\d:\d{3} \(\d+ bytes\):$/m;

describe('190-class SIP-trace-like log', () => {
  it('incoming answered and hung up: INVITE, 180, 200, ACK, BYE, 200', async () => {
    const phone = await phone190();
    const cid = await phone.ring('+4930123456', {
      display: 'Anna Müller',
      callId: 'a84b4c76e66710@pbx.example',
    });
    await phone.answer();
    await phone.hangUp();
    const text = phone.logText;
    expect(text).toMatch(HEADER_LINE);
    // Firmware 6/7 log line head (snom wiki FAQ), the era of the 190's 3.x firmware.
    expect(text).toMatch(/^\[5\] \d{1,2}\/\d{1,2}\/\d{4} \d\d:\d\d:\d\d: PHN: Ringing line 1$/m);
    const m = messages(text);
    expect(
      m.map((x) => [
        x.dir,
        x.start
          .replace(/;line=[a-z0-9]+/, ';line=')
          .split(' ')
          .slice(0, 3)
          .join(' '),
        x.headers.get('CSeq')?.split(' ')[1],
      ]),
    ).toEqual([
      ['in', 'INVITE sip:201@127.0.0.3:5060;line= SIP/2.0', 'INVITE'],
      ['out', 'SIP/2.0 180 Ringing', 'INVITE'],
      ['out', 'SIP/2.0 200 OK', 'INVITE'],
      ['in', 'ACK sip:201@127.0.0.3:5060;line= SIP/2.0', 'ACK'],
      ['out', 'BYE sip:+4930123456@pbx.example SIP/2.0', 'BYE'],
      ['in', 'SIP/2.0 200 OK', 'BYE'],
    ]);
    const invite = m[0];
    expect(invite?.headers.get('From')).toMatch(
      /^"Anna Müller" <sip:\+4930123456@pbx\.example>;tag=[0-9a-f]+$/,
    );
    expect(invite?.headers.get('To')).toBe('<sip:201@pbx.example>');
    expect(invite?.headers.get('Call-ID')).toBe(cid);
    expect(m.every((x) => x.headers.get('Call-ID') === cid)).toBe(true);
    expect(m[2]?.headers.get('CSeq')).toBe(invite?.headers.get('CSeq'));
    // the byte count in the header line matches the message
    const first = /\((\d+) bytes\):\n\n([\s\S]*?)\n\n/.exec(text);
    expect(Number(first?.[1])).toBe(
      Buffer.byteLength(`${(first?.[2] ?? '').split('\n').join('\r\n')}\r\n\r\n`),
    );
  });

  it('caller gives up: CANCEL, 200 OK (CANCEL), 487 (INVITE)', async () => {
    const phone = await phone190();
    await phone.ring('+4930123456');
    await phone.remoteHangUp();
    const m = messages(phone.logText).slice(2);
    expect(
      m.map((x) => [
        x.dir,
        x.start.split(' ')[0] === 'SIP/2.0' ? x.start : x.start.split(' ')[0],
        x.headers.get('CSeq')?.split(' ')[1],
      ]),
    ).toEqual([
      ['in', 'CANCEL', 'CANCEL'],
      ['out', 'SIP/2.0 200 OK', 'CANCEL'],
      ['out', 'SIP/2.0 487 Request Terminated', 'INVITE'],
    ]);
  });

  it('reject: 486 Busy Here', async () => {
    const phone = await phone190();
    await phone.ring('+4930123456');
    await phone.reject();
    expect(messages(phone.logText)[2]?.start).toBe('SIP/2.0 486 Busy Here');
  });

  it('outgoing: sent INVITE to the callee, 100, 180, 200, ACK, then BYE', async () => {
    const phone = await phone190();
    const connected = new Promise<void>((resolve) => {
      phone.on('call', (_c, change) => {
        if (change === 'connected') resolve();
      });
    });
    await phone.dial('+4940555');
    await connected;
    await phone.hangUp();
    const m = messages(phone.logText);
    expect(m.map((x) => [x.dir, x.start])).toEqual([
      ['out', 'INVITE sip:+4940555@pbx.example SIP/2.0'],
      ['in', 'SIP/2.0 100 Trying'],
      ['in', 'SIP/2.0 180 Ringing'],
      ['in', 'SIP/2.0 200 OK'],
      ['out', 'ACK sip:+4940555@pbx.example SIP/2.0'],
      ['out', 'BYE sip:+4940555@pbx.example SIP/2.0'],
      ['in', 'SIP/2.0 200 OK'],
    ]);
    expect(m[0]?.headers.get('To')).toBe('<sip:+4940555@pbx.example>');
    expect(m[0]?.headers.get('From')).toMatch(/^<sip:201@pbx\.example>;tag=/);
  });

  it('a 360-class phone writes no log unless asked to', async () => {
    const quiet = createSimulatedPhone({ model: 'snom360' });
    const chatty = createSimulatedPhone({ model: 'snom360', sipLog: true });
    phones.push(quiet, chatty);
    await quiet.ring('1');
    await chatty.ring('1');
    expect(quiet.logText).toBe('');
    expect(chatty.logText).toContain('INVITE sip:201@');
  });

  it('drops the oldest text when the buffer is full', () => {
    const log = new SipLog(100, () => 0);
    for (let i = 0; i < 10; i += 1) log.line('PHN', `line ${String(i)}`);
    expect(log.read().length).toBe(100);
    expect(log.read().endsWith('PHN: line 9\n')).toBe(true);
  });

  it('the sent messages carry a ;line= Contact and the snom SIP User-Agent', async () => {
    const phone = await phone190();
    await phone.ring('+4930123456');
    const ringing = messages(phone.logText)[1];
    expect(ringing?.headers.get('Contact')).toMatch(
      /^<sip:201@127\.0\.0\.3:5060;line=[a-z0-9]{8}>$/,
    );
    expect(ringing?.headers.get('User-Agent')).toBe('snom190/3.60s');
  });
});

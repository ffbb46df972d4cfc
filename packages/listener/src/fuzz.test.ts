import { ACTION_EVENT_KINDS, safeParseActionEvent } from '@snomlink/core';
import type { ActionEvent } from '@snomlink/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createListener } from './create-listener.js';
import type { Listener } from './create-listener.js';
import type { ListenerPhone } from './listener-options.js';
import { sendRawRequest } from './testing/send-raw-request.js';

// Seeded PRNG (mulberry32) so a failure is reproducible: change SEED to explore.
const SEED = 0x5eed_2026;
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(SEED);
const int = (n: number): number => Math.floor(random() * n);
function pick<T>(items: readonly T[]): T {
  const item = items[int(items.length)];
  if (item === undefined) throw new Error('empty');
  return item;
}

const SECRET = 'fuzz-secret-0123456789abcdef';
const PHONES: Record<string, ListenerPhone> = { p1: { id: 'p1', secret: SECRET } };
const TOTAL = 20_000;
const OVER_TCP = 1_500;

// Display names: no `%` (a `%XX` in a name is indistinguishable from an escape), no controls.
const chars = (s: string): string[] => Array.from(s); // code points: fine for these alphabets
const NAME_CHARS = [
  ...chars('ABCXYZabcxyz0129 .,-_+&#=?/:;@!*()[]\'"<>{}|^`~\\$'),
  ...chars('äöüÄÖÜßéèçñøåæ'),
  ...chars('ĞŁŒŠŽΣДЖ山田太郎'),
  '📞',
  '👩‍💻',
];
const LATIN1_CHARS = [...chars('ABCabc xyz&#=+-.'), ...chars('äöüÄÖÜßéèçñ')];

function randomName(latin1: boolean): string {
  const chars = latin1 ? LATIN1_CHARS : NAME_CHARS;
  let name = '';
  const length = 1 + int(40);
  for (let i = 0; i < length; i++) name += pick(chars);
  if (latin1 && !/[^\x20-\x7e]/.test(name)) name += 'ö'; // make sure the bytes are not UTF-8
  return name;
}

function randomBytesString(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(int(256));
  return s;
}

const JUNK = [
  '%',
  '%%',
  '%G1',
  '%4',
  '%zz',
  '%00',
  '%0D%0A',
  '%C3',
  '%C3%28',
  '%FF%FE',
  '+',
  '&',
  '&&',
  '=',
  '==',
  '#',
  '?',
  '$remote',
  '$display_remote',
  '$call-id',
  ' ',
  '\\',
  '..',
  '/../',
];

function randomValue(): string {
  switch (int(6)) {
    case 0:
      return '';
    case 1:
      return pick(JUNK) + pick(JUNK);
    case 2:
      return randomBytesString(int(30));
    case 3:
      return 'x'.repeat(int(12_000)); // huge: often over maxUrlLength
    case 4:
      return String(int(5000));
    default:
      return randomName(false);
  }
}

const KEYS = ['k', 'cid', 'n', 'user', 'local', 'remote', 'dr', 'x', '', 'K', 'k ', 'dr%3D'];

function randomQuery(): string {
  const parts: string[] = [];
  const count = int(8);
  for (let i = 0; i < count; i++) {
    const key = int(5) === 0 ? pick(['k', 'dr', 'n']) : pick(KEYS); // repeated keys often
    const value = key === 'k' && int(2) === 0 ? SECRET : randomValue();
    parts.push(int(10) === 0 ? key : `${key}=${value}`);
  }
  return parts.join(pick(['&', '&', '&', '&&', ';']));
}

function randomPath(): string {
  switch (int(6)) {
    case 0:
      return `/snom/p1/${pick(ACTION_EVENT_KINDS)}`;
    case 1:
      return `/snom/${pick(['p2', 'P1', '', '%70%31', 'p1%00', randomBytesString(5)])}/${pick(ACTION_EVENT_KINDS)}`;
    case 2:
      return `/snom/p1/${pick(['ring', 'INCOMING', '', randomBytesString(6), 'incoming/x'])}`;
    case 3:
      return '/' + randomBytesString(int(40));
    case 4:
      return pick(['/', '//', '/snom', '/snom/', '/snom//incoming', '/%2e%2e/snom/p1/incoming']);
    default:
      return `/snom/p1/${pick(ACTION_EVENT_KINDS)}/${randomBytesString(3)}`;
  }
}

interface Case {
  target: string;
  /** Set for cases that must be delivered: the expected event. */
  expect?: { kind: string; callId: string; displayRemote: string | undefined };
  latin1: boolean;
}

function makeCase(index: number): Case {
  const latin1 = int(3) === 0;
  if (int(4) === 0) {
    // A valid event as a phone sends it, with a unique call id to find it again.
    const kind = pick(ACTION_EVENT_KINDS);
    const callId = `fuzz-${String(index)}@pbx.example`;
    const name = randomName(latin1);
    const expected = name.trim(); // values are trimmed (raw trailing spaces are ambiguous)
    const extra = int(2) === 0 ? `&n=${String(int(5))}&remote=sip:+49${String(int(1e9))}@pbx` : '';
    return {
      target: `/snom/p1/${kind}?k=${SECRET}&cid=${callId}${extra}&dr=${name}`,
      expect: { kind, callId, displayRemote: expected === '' ? undefined : expected },
      latin1,
    };
  }
  const query = int(8) === 0 ? '' : '?' + randomQuery();
  return { target: randomPath() + query, latin1: true };
}

/** The bytes of a request line for a case (UTF-8, or Latin-1 when the case asks for it). */
function requestBytes(c: Case): Buffer {
  return Buffer.concat([
    Buffer.from('GET ', 'latin1'),
    Buffer.from(c.target, c.latin1 ? 'latin1' : 'utf8'),
    Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 'latin1'),
  ]);
}

describe(`fuzz: ${String(TOTAL)} random paths and raw queries (seed ${String(SEED)})`, () => {
  const delivered = new Map<string, ActionEvent>();
  const invalidEvents: ActionEvent[] = [];
  let listener: Listener;
  let port = 0;

  beforeAll(async () => {
    listener = createListener({
      resolvePhone: (id) => PHONES[id],
      onEvent: (event) => {
        if (!safeParseActionEvent(event).success) invalidEvents.push(event);
        if (event.params.callId !== undefined) delivered.set(event.params.callId, event);
      },
      onCallbackError: () => undefined,
    });
    ({ port } = await listener.start({ host: '127.0.0.1', port: 0 }));
  });
  afterAll(async () => {
    await listener.stop();
  });

  // About 5 s on an idle 2-core machine; the generous timeout is for a loaded CI machine.
  it(
    'never answers 5xx, delivers every valid event intact, and keeps serving',
    { timeout: 180_000 },
    async () => {
      const cases = Array.from({ length: TOTAL }, (_, i) => makeCase(i));
      const statuses = new Map<number, number>();
      const serverErrors: string[] = [];
      const notDelivered: Case[] = [];

      // Most cases in process through app.request (the URL parser encodes what needs encoding).
      const inProcess = cases.slice(OVER_TCP);
      for (const c of inProcess) {
        let request: Request;
        try {
          // Latin-1 cases: bytes as the string's code units, percent-encoded the way a front would.
          const target = c.latin1
            ? [...Buffer.from(c.target, 'latin1')]
                .map((b) =>
                  b > 0x20 && b < 0x7f && b !== 0x23
                    ? String.fromCharCode(b)
                    : `%${b.toString(16).padStart(2, '0')}`,
                )
                .join('')
            : c.target;
          request = new Request(`http://localhost${target}`);
        } catch {
          continue; // not a URL at all: nothing to send
        }
        const res = await listener.app.request(request);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) serverErrors.push(c.target);
        if (c.expect !== undefined && res.status !== 200) notDelivered.push(c);
      }

      // A share as raw bytes over a real socket, 16 at a time.
      const overTcp = cases.slice(0, OVER_TCP);
      for (let i = 0; i < overTcp.length; i += 16) {
        const batch = overTcp.slice(i, i + 16);
        const answers = await Promise.all(
          batch.map((c) =>
            sendRawRequest('127.0.0.1', port, requestBytes(c), { timeoutMs: 20_000 }),
          ),
        );
        answers.forEach((res, j) => {
          const c = batch[j];
          if (c === undefined) return;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500 || res.status < 200)
            serverErrors.push(`${String(res.status)} ${c.target}`);
          if (c.expect !== undefined && res.status !== 200) notDelivered.push(c);
        });
      }

      await new Promise((resolve) => setImmediate(resolve));
      expect(serverErrors).toEqual([]);
      expect(invalidEvents).toEqual([]); // everything delivered matches core's event schema
      expect(notDelivered.map((c) => c.target)).toEqual([]);
      const valid = cases.filter((c) => c.expect !== undefined);
      expect(valid.length).toBeGreaterThan(TOTAL / 5);
      const wrong: string[] = [];
      for (const c of valid) {
        const event = delivered.get(c.expect?.callId ?? '');
        if (
          event?.kind !== c.expect?.kind ||
          event?.params.displayRemote !== c.expect?.displayRemote
        ) {
          wrong.push(`${c.target} → ${JSON.stringify(event?.params.displayRemote)}`);
        }
      }
      expect(wrong.slice(0, 10)).toEqual([]);
      // Rejections of every class were exercised.
      for (const status of [200, 403, 404, 414])
        expect(statuses.get(status) ?? 0).toBeGreaterThan(0);

      // Still serving afterwards, on both paths.
      const after = await sendRawRequest(
        '127.0.0.1',
        port,
        Buffer.from(`GET /snom/p1/onhook?k=${SECRET}&cid=after&dr=Jörg Müller HTTP/1.1\r\n\r\n`),
      );
      expect(after.status).toBe(200);
      const plain = await fetch(`http://127.0.0.1:${String(port)}/snom/p1/onhook?k=${SECRET}`);
      expect(plain.status).toBe(200);
    },
  );
});

import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasRadicale,
  hasSlapd,
  makePeople,
  startHangingServer,
  startRadicale,
  startSlapd,
  toLdif,
  toVCard,
} from '@snomlink/directory/testing';
import type {
  HangingServer,
  TestPerson,
  TestRadicale,
  TestSlapd,
} from '@snomlink/directory/testing';
import { createTapiClient } from '@snomlink/tapi-bridge/client';
import type { TapiClient } from '@snomlink/tapi-bridge/client';
import type { SseCall } from './harness/api-types.js';
import { randomSecret, startDaemon, tempDir } from './harness/daemon-process.js';
import type { DaemonProcess } from './harness/daemon-process.js';
import { events, journal } from './harness/scenario.js';
import type { SseClient } from './harness/sse-client.js';

// Acceptance of issue 17 (directories) through the built daemon: a call from a number only a
// directory knows gains the directory's name on /api/calls, SSE and TAPI within 200 ms, and in
// the journal; a hanging directory delays no event and shows as failing in /api/health.

const available = hasSlapd() && hasRadicale();
if (!available && process.env.CI === undefined) {
  console.warn(
    '\n!!! SKIPPING the directory system tests: slapd or radicale is missing. Run scripts/ensure-directory-servers.sh !!!\n',
  );
}

const BERLIN = {
  countryCode: '49',
  areaCode: '30',
  internationalPrefix: '00',
  nationalPrefix: '0',
  outsideLine: '',
  internalMaxLength: 4,
};

/** Only in CardDAV / only in the CSV file (LDAP has makePeople's Jörg Müller, +49 30 1234567). */
const CARD_PERSON: TestPerson = {
  uid: 'cclara',
  givenName: 'Clara',
  sn: 'Kartei',
  organization: 'Radicale GmbH',
  telephone: '+49 (30) 222 3334',
  mobile: null,
};

const PHONE = 'desk';
const SECRET = randomSecret();

interface NamedCall {
  /** ms from sending the Action URL to the SSE call-info carrying the directory name. */
  readonly sseMs: number;
  readonly tapiMs: number;
  readonly apiMs: number;
  /** ms from the call's first SSE event (offering) to the SSE call-info with the name. */
  readonly afterOfferingMs: number;
  readonly name: string | null;
}

let slapd: TestSlapd;
let radicale: TestRadicale;
let hanging: HangingServer;
let dir: string;
let daemon: DaemonProcess;
let sse: SseClient;
let tapi: TapiClient;
let seq = 0;

async function fire(kind: string, cid: string, extra = ''): Promise<void> {
  const res = await fetch(
    `${daemon.listenerBase}/snom/${PHONE}/${kind}?k=${SECRET}&cid=${encodeURIComponent(cid)}${extra}`,
  );
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${kind} answered ${String(res.status)}`);
}

/** An incoming call from `remote` (as the phone reports it); waits until its name shows everywhere. */
async function ringAndName(remote: string): Promise<NamedCall & { cid: string }> {
  seq += 1;
  const cid = `dir-${String(seq)}@pbx.example`;
  const hasName = (d: SseCall): boolean =>
    d.call.sipCallId === cid && d.type === 'call-info' && d.call.callerId.directoryName !== null;
  const sseNamed = sse.waitForData<SseCall>('call', hasName, 5000);
  const tapiNamed = tapi.waitFor(
    'LINE_CALLINFO',
    (p) => p.info.sipCallId === cid && p.info.callerId.directoryName !== null,
    5000,
  );
  const sent = Date.now();
  await fire('incoming', cid, `&n=1&remote=${encodeURIComponent(`sip:${remote}@pbx.example`)}`);
  const [sseEvent, tapiEvent] = await Promise.all([sseNamed, tapiNamed]);
  const index = (pattern: string): number =>
    sse.messages.findIndex((m) => m.data.includes(cid) && m.data.includes(pattern));
  const at = (pattern: string): number => sse.messages[index(pattern)]?.receivedAt ?? Date.now();
  // The promise is "the lookup never delays an event", so the call's offering comes first on
  // the stream and its name follows as a call-info (ordering, not wall time).
  expect(index('"offering"')).toBeGreaterThanOrEqual(0);
  expect(index('"offering"')).toBeLessThan(index('directoryName":"'));
  const namedAt = at('directoryName":"');
  const sseMs = namedAt - sent;
  const afterOfferingMs = namedAt - at('"offering"');
  const tapiMs = Date.now() - sent;
  // /api/calls has it by now (the hub published it before SSE saw it).
  const { calls } = await daemon.json<{ calls: SseCall['call'][] }>('/api/calls');
  const apiMs = Date.now() - sent;
  const live = calls.find((c) => c.sipCallId === cid);
  expect(live?.callerId.directoryName).toBe(sseEvent.call.callerId.directoryName);
  expect(tapiEvent.info.callerId.name).toBe(sseEvent.call.callerId.directoryName);
  expect(tapiEvent.infoState & 0x8000).toBe(0x8000); // LINECALLINFOSTATE_CALLERID
  return { cid, sseMs, tapiMs, apiMs, afterOfferingMs, name: sseEvent.call.callerId.directoryName };
}

async function hangUp(cid: string): Promise<void> {
  const done = sse.waitForData<SseCall>(
    'call',
    (d) => d.type === 'call-finished' && d.call.sipCallId === cid,
    5000,
  );
  await fire('missed', cid, '&n=0');
  await done;
}

/** Latency of the first SSE event (offering) of a call, from sending its Action URL. */
async function offeringLatency(remote: string): Promise<{ ms: number; cid: string }> {
  seq += 1;
  const cid = `lat-${String(seq)}@pbx.example`;
  const offering = sse.waitFor(
    (m) => m.event === 'call' && m.data.includes(cid) && m.data.includes('"offering"'),
    5000,
  );
  const sent = Date.now();
  await fire('incoming', cid, `&n=1&remote=${encodeURIComponent(`sip:${remote}@pbx.example`)}`);
  const message = await offering;
  return { ms: message.receivedAt - sent, cid };
}

/** The lookup timeout while the hanging source is configured. */
const LOOKUP_TIMEOUT_MS = 3000;

const max = (xs: readonly number[]): number => Math.max(...xs);
const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

describe.runIf(available || process.env.CI !== undefined)('caller names from directories', () => {
  beforeAll(async () => {
    const people = makePeople(60);
    [slapd, radicale, hanging, dir] = await Promise.all([
      startSlapd({ ldif: toLdif(people, 'dc=example,dc=com') }),
      startRadicale({ cards: [toVCard(CARD_PERSON)] }),
      startHangingServer(),
      tempDir('snomlink-dir-system-'),
    ]);
    await writeFile(join(dir, 'crm.csv'), 'Name;Telefon\nCarl Tabelle;030 444-5556\n');
    daemon = await startDaemon({
      phones: [{ id: PHONE, host: '127.0.0.1:9', secret: SECRET }],
      config: {
        dialing: BERLIN,
        directory: {
          sources: [
            {
              type: 'ldap',
              id: 'ad',
              url: slapd.url,
              baseDN: slapd.suffix,
              bindDN: slapd.rootDN,
              password: slapd.rootPassword,
            },
            { type: 'carddav', id: 'cloud', url: radicale.url, username: radicale.username },
            { type: 'csv', id: 'crm', path: join(dir, 'crm.csv') },
          ],
          timeoutMs: 1000,
        },
      },
    });
    sse = await events(daemon);
    tapi = createTapiClient({
      url: `${daemon.adminBase.replace(/^http/, 'ws')}/tapi`,
      token: daemon.token,
      reconnect: false,
    });
    await tapi.connect();
    await tapi.lineInitialize();
    await tapi.lineOpen(PHONE);
  });

  afterAll(async () => {
    sse.close();
    await tapi.close();
    await daemon.stop();
    await Promise.all([slapd.close(), radicale.close(), hanging.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('names calls from LDAP, CardDAV and CSV on /api/calls, SSE and TAPI (200 ms target, printed), and in the journal', async () => {
    const rows: string[] = [];
    const cases = [
      // LDAP stores "+49 30 1234567"; the phone reports the national form.
      { source: 'LDAP', remote: '0301234567', name: 'Jörg Müller' },
      // CardDAV stores "+49 (30) 222 3334"; the phone reports 0049…
      { source: 'CardDAV', remote: '0049302223334', name: 'Clara Kartei' },
      // The CSV stores "030 444-5556"; the phone reports E.164.
      { source: 'CSV', remote: '+49304445556', name: 'Carl Tabelle' },
    ];
    // One call from an unknown number first: the daemon's first call pays for JIT warm-up of
    // the whole event path (about 1 s on the shared CI machine), which is not the directory's.
    await hangUp((await offeringLatency('+4930999999')).cid);
    for (const c of cases) {
      const named = await ringAndName(c.remote);
      expect(named.name, c.source).toBe(c.name);
      rows.push(
        `${c.source.padEnd(8)} event→SSE name ${named.sseMs} ms (offering→name ${named.afterOfferingMs} ms), →TAPI ${named.tapiMs} ms, →/api/calls ${named.apiMs} ms`,
      );
      // Target (issue 17): the name within 200 ms of the event; the numbers are printed, not
      // asserted: the shared 2-core CI machine stalls whole processes for 100-300 ms under load,
      // so no wall-time bound there is both honest and stable. What is asserted is the promise
      // itself, by ordering: the offering comes before the name (ringAndName), and the lookup
      // starts only after every subscriber has the event (apps/daemon caller-names.test.ts).
      await hangUp(named.cid);
      const [row] = await journal(daemon, `&q=${encodeURIComponent(c.remote)}`);
      expect(row?.callerNumber).toBe(c.remote);
      expect((row as unknown as { remoteDirectoryName: string }).remoteDirectoryName).toBe(c.name);
    }
    console.log(`\ndirectory names (name arrives as call-info):\n  ${rows.join('\n  ')}\n`);
  });

  it('finds nothing for an LDAP filter-injection attempt in the number', async () => {
    for (const number of ['*', '0301234567)(cn=*', '*)(|(telephoneNumber=*', '030*']) {
      const res = await daemon.api('/api/directory/test', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ number }),
      });
      expect(res.status).toBe(200);
      const result = (await res.json()) as { sources: { id: string; match: unknown }[] };
      expect(
        result.sources.every((s) => s.match === null),
        number,
      ).toBe(true);
    }
    // And through a call: no directory name arrives (the call itself does).
    const { cid } = await offeringLatency('*)(telephoneNumber=*');
    await hangUp(cid);
    const named = sse
      .dataOf<SseCall>('call')
      .filter((d) => d.call.sipCallId === cid && d.call.callerId.directoryName !== null);
    expect(named).toEqual([]);
  });

  it('a hanging directory delays no event and shows as failing in /api/health', async () => {
    const N = 12;
    const before: number[] = [];
    for (let i = 0; i < N; i += 1) {
      const { ms, cid } = await offeringLatency(`+4930509${String(i).padStart(4, '0')}`);
      before.push(ms);
      await hangUp(cid);
    }
    // A hanging LDAP server first, the CSV after it.
    const current = await daemon.json<{ sources: Record<string, unknown>[] }>('/api/directory');
    const put = await daemon.api('/api/directory', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        sources: [
          {
            type: 'ldap',
            id: 'hung',
            url: `ldap://127.0.0.1:${String(hanging.port)}`,
            baseDN: 'dc=example,dc=com',
          },
          current.sources.find((s) => s.id === 'crm'),
        ],
        timeoutMs: LOOKUP_TIMEOUT_MS,
      }),
    });
    expect(put.status).toBe(200);
    const after: number[] = [];
    const cids: string[] = [];
    for (let i = 0; i < N; i += 1) {
      // Different unknown numbers, so every call asks the hanging server (no cache hit).
      const { ms, cid } = await offeringLatency(`+4930519${String(i).padStart(4, '0')}`);
      after.push(ms);
      cids.push(cid);
    }
    for (const cid of cids) await hangUp(cid);
    console.log(
      `\nevent→SSE (offering), ${N} calls each: without hanging source median ${median(before)} ms / max ${max(before)} ms; ` +
        `with a hanging source first median ${median(after)} ms / max ${max(after)} ms\n`,
    );
    // The hanging source can only end its lookup by the timeout, so an offering that arrives
    // sooner did not wait for it (a relative bound: the lookup's own timeout, not a guess at
    // how fast a loaded machine is). The medians above are the measurement.
    expect(max(after)).toBeLessThan(LOOKUP_TIMEOUT_MS);
    // The CSV after the hanging source still names the call, once the timeout passed.
    const named = await ringAndNameSlow('+49304445556');
    expect(named).toBe('Carl Tabelle');
    const health = await daemon.json<{
      directory?: { id: string; state: string; healthy: boolean; lastError: string | null }[];
    }>('/api/health');
    const hung = health.directory?.find((s) => s.id === 'hung');
    expect(hung).toMatchObject({ state: 'failing', healthy: false });
    expect(hanging.connections).toBeGreaterThan(0);
  });
});

/** A call whose name may take up to the lookup timeout; returns the name SSE showed. */
async function ringAndNameSlow(remote: string): Promise<string | null> {
  seq += 1;
  const cid = `slow-${String(seq)}@pbx.example`;
  const named = sse.waitForData<SseCall>(
    'call',
    (d) =>
      d.call.sipCallId === cid && d.type === 'call-info' && d.call.callerId.directoryName !== null,
    LOOKUP_TIMEOUT_MS + 10_000,
  );
  await fire('incoming', cid, `&n=1&remote=${encodeURIComponent(`sip:${remote}@pbx.example`)}`);
  const event = await named;
  await hangUp(cid);
  return event.call.callerId.directoryName;
}

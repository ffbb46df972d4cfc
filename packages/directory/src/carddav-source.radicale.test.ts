import { DEFAULT_DIAL_RULES, type DialRules } from '@snomlink/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectory } from './directory.js';
import { createCardDavSource } from './sources/carddav-source.js';
import {
  hasRadicale,
  makePeople,
  startHangingServer,
  startRadicale,
  toVCard,
  type TestRadicale,
} from './testing/index.js';

const BERLIN: DialRules = { ...DEFAULT_DIAL_RULES, areaCode: '30' };
const missing = !hasRadicale() && process.env.CI === undefined;
if (missing) {
  console.warn(
    '\n*** SKIPPED: the CardDAV tests need Debian radicale; run `bash scripts/ensure-directory-servers.sh` (CI installs it) ***\n',
  );
}

/** A vCard 4.0 with a tel: URI value, as Nextcloud writes them. */
const VCARD4 = [
  'BEGIN:VCARD',
  'VERSION:4.0',
  'UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1',
  'FN:Zoë Çelik',
  'N:Çelik;Zoë;;;',
  'TEL;VALUE=uri;TYPE="work,voice":tel:+49-89-1234567',
  'END:VCARD',
  '',
].join('\r\n');

describe.skipIf(missing)('CardDAV source against a real radicale', () => {
  const people = makePeople(120);
  let radicale: TestRadicale;

  beforeAll(async () => {
    radicale = await startRadicale({ cards: [...people.map(toVCard), VCARD4] });
  }, 30_000);
  afterAll(async () => {
    await radicale.close();
  });

  const config = (): {
    type: 'carddav';
    id: string;
    url: string;
    username: string;
    password: string;
  } => ({
    type: 'carddav',
    id: 'book',
    url: radicale.url,
    username: radicale.username,
    password: radicale.password,
  });

  it('loads the whole address book with one REPORT and matches numbers in any format', async () => {
    // Radicale builds its item cache on the first REPORT (about 1.5 s for 120 cards here).
    const directory = createDirectory({ sources: [config()], dialing: BERLIN, timeoutMs: 20_000 });
    expect(await directory.lookup('+49 (30) 1234567')).toMatchObject({
      name: 'Jörg Müller',
      organization: 'Müller & Söhne GmbH',
      number: '+49 30 1234567',
      label: 'work',
      source: 'book',
      sourceKind: 'carddav',
    });
    expect(await directory.lookup('0049301234567')).toMatchObject({ name: 'Jörg Müller' });
    expect(await directory.lookup('+49 30 7654321')).toMatchObject({ name: 'Anna Schmidt' }); // stored "030 7654321"
    expect(await directory.lookup('015123456789')).toMatchObject({
      name: 'Björn Weiß',
      label: 'mobile',
    });
    expect(await directory.lookup('2001')).toMatchObject({
      name: 'Empfang Zentrale',
      key: 'ext:2001',
    });
    expect(await directory.lookup('089 1234567')).toMatchObject({ name: 'Zoë Çelik' }); // vCard 4 tel: URI
    expect(await directory.lookup('+4930 5000119')).toMatchObject({ name: 'Person 119' });
    expect(await directory.lookup('+49 30 9999999')).toBeUndefined();
    expect(directory.health()[0]).toMatchObject({ healthy: true, state: 'ok' });
    await directory.close();
  });

  it('searches names accent-insensitively (muller, mueller, MÜLLER)', async () => {
    const directory = createDirectory({ sources: [config()], dialing: BERLIN });
    for (const q of ['muller', 'Mueller', 'MÜLLER', 'jörg mü', 'söhne']) {
      expect(
        (await directory.search(q)).map((h) => h.name),
        q,
      ).toEqual(['Jörg Müller']);
    }
    expect((await directory.search('zoe celik'))[0]?.numbers[0]).toMatchObject({
      key: '+49891234567',
    });
    expect(await directory.search('Person', 7)).toHaveLength(7);
    await directory.close();
  });

  it('a wrong address book URL makes the source unhealthy with the HTTP status', async () => {
    const directory = createDirectory({
      sources: [{ ...config(), url: `${radicale.origin}/nobody/nothing/` }],
      dialing: BERLIN,
    });
    expect(await directory.lookup('030 1234567')).toBeUndefined();
    expect(directory.health()[0]).toMatchObject({ healthy: false });
    expect(directory.health()[0]!.lastError).toMatch(/HTTP 4\d\d/);
    await directory.close();
  });

  it('a hanging CardDAV server answers undefined within the timeout and is marked unhealthy', async () => {
    const hanging = await startHangingServer();
    const source = createCardDavSource(
      { id: 'hangs', url: `http://127.0.0.1:${hanging.port}/book/` },
      BERLIN,
    );
    const { type: _t, ...bookOptions } = config();
    const book = createCardDavSource(bookOptions, BERLIN);
    await book.refresh(); // loaded, so only the hanging source can be slow
    const directory = createDirectory({ sources: [source, book], dialing: BERLIN, timeoutMs: 250 });
    const t0 = performance.now();
    expect(await directory.lookup('030 1234567')).toMatchObject({ source: 'book' });
    expect(performance.now() - t0).toBeLessThan(250 + 250); // the timeout, plus room for a loaded CI machine;
    expect(directory.health()[0]).toMatchObject({ id: 'hangs', healthy: false });
    await directory.close();
    await hanging.close();
  });
});

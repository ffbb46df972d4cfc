import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DIAL_RULES, type DialRules } from '@snomlink/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDirectory } from './directory.js';
import { makePeople, toCsv } from './testing/index.js';

const BERLIN: DialRules = { ...DEFAULT_DIAL_RULES, areaCode: '30' };

describe('CSV source', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snomlink-csv-'));
    file = join(dir, 'contacts.csv');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a semicolon export with BOM and umlauts; columns found from the header', async () => {
    await writeFile(file, toCsv(makePeople(250)));
    const directory = createDirectory({
      sources: [{ type: 'csv', id: 'crm', path: file }],
      dialing: BERLIN,
    });
    for (const reported of ['030 1234567', '+49 (30) 1234567', '0049301234567']) {
      expect(await directory.lookup(reported), reported).toMatchObject({
        name: 'Jörg Müller',
        organization: 'Müller & Söhne GmbH',
        number: '+49 30 1234567',
        label: 'Telefon',
        source: 'crm',
        sourceKind: 'csv',
        entryId: `${file}:2`,
      });
    }
    expect(await directory.lookup('+49 151 23456789')).toMatchObject({
      name: 'Björn Weiß',
      label: 'Mobil',
    });
    expect(await directory.lookup('2001')).toMatchObject({ name: 'Empfang Zentrale' });
    expect(await directory.lookup('030 5000249')).toMatchObject({ name: 'Person 249' });
    expect((await directory.search('weiss')).map((h) => h.name)).toEqual(['Björn Weiß']);
    await directory.close();
  });

  it('reads a comma file with explicit columns and quoted fields', async () => {
    await writeFile(
      file,
      'Vorname,Nachname,Firma,Durchwahl,Notiz\n"Hans","Meier, jun.",ACME,+49 30 2223334,"sagt ""Hallo"""\n',
    );
    const directory = createDirectory({
      sources: [{ type: 'csv', path: file, numberColumns: ['Durchwahl'] }],
      dialing: BERLIN,
    });
    expect(await directory.lookup('0302223334')).toMatchObject({
      name: 'Hans Meier, jun.',
      organization: 'ACME',
    });
    await directory.close();
  });

  it('reloads when the file changes', async () => {
    await writeFile(file, 'Name;Telefon\nAlt;030 1111111\n');
    const directory = createDirectory({
      sources: [{ type: 'csv', path: file, checkMs: 0 }],
      dialing: BERLIN,
      cacheTtlMs: 0,
      negativeTtlMs: 0,
    });
    expect(await directory.lookup('030 1111111')).toMatchObject({ name: 'Alt' });
    await writeFile(file, 'Name;Telefon\nNeu;030 1111111\n');
    const later = new Date(Date.now() + 10_000);
    await utimes(file, later, later);
    // The stale index answers while the new one loads; the reload is in the background.
    await directory.lookup('030 1111111');
    await expect.poll(async () => (await directory.lookup('030 1111111'))?.name).toBe('Neu');
    await directory.close();
  });

  it('a missing file or a file without a name column makes the source unhealthy with a clear message', async () => {
    const directory = createDirectory({
      sources: [{ type: 'csv', path: join(dir, 'nope.csv') }],
      dialing: BERLIN,
    });
    expect(await directory.lookup('030 1234567')).toBeUndefined();
    expect(directory.health()[0]!.lastError).toMatch(/ENOENT/);
    await directory.close();
    await writeFile(file, 'Foo;Telefon\nx;030 1234567\n');
    const d2 = createDirectory({ sources: [{ type: 'csv', path: file }], dialing: BERLIN });
    expect(await d2.lookup('030 1234567')).toBeUndefined();
    expect(d2.health()[0]!.lastError).toMatch(/no column for the name; set nameColumn/);
    await d2.close();
  });
});

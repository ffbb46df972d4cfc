/**
 * Editing directory sources on the Directory page (issue 17), in Debian's Chromium against the
 * real built daemon: a CSV source added through the form answers a test lookup; an invalid
 * source is refused with the API's validation message and saves nothing; an LDAP password typed
 * into the form is stored but never shown again (not in the page, not in the API's answer).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPrerequisites, launchChromium, openPage, startDaemon } from './harness.js';
import type { RunningDaemon } from './harness.js';

const BIND_PASSWORD = 'bind-Secret-4711';

let daemon: RunningDaemon;
let browser: Browser;
let page: Page;
let dir: string | undefined;
const pageErrors: string[] = [];

async function directory(): Promise<{ sources: Record<string, unknown>[] }> {
  const res = await fetch(`${daemon.adminBase}/api/directory`, {
    headers: { authorization: `Bearer ${daemon.token}` },
  });
  return (await res.json()) as { sources: Record<string, unknown>[] };
}

beforeAll(async () => {
  assertPrerequisites();
  const tmp = await mkdtemp(join(tmpdir(), 'snomlink-web-ui-dir-edit-'));
  dir = tmp;
  await writeFile(
    join(tmp, 'crm.csv'),
    'Name;Firma;Telefon\nJörg Müller;Müller & Söhne;030 1234567\n',
  );
  daemon = await startDaemon();
  browser = await launchChromium();
  page = await openPage(browser, { pageErrors });
  await page.goto(daemon.signInUrl);
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Directory', exact: true })
    .click();
  await page.getByTestId('no-sources').waitFor();
}, 60_000);

afterAll(async () => {
  await (browser as Browser | undefined)?.close();
  await (daemon as RunningDaemon | undefined)?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('editing directory sources in the web UI', () => {
  it('refuses an invalid source with the API message and saves nothing', async () => {
    await page.getByRole('button', { name: 'Add source', exact: true }).click();
    const form = page.getByRole('form', { name: 'New directory source' });
    await form.locator('#src-id').fill('bad id!');
    await form.locator('#src-path').fill('/nowhere.csv');
    await form.getByRole('button', { name: 'Add source' }).click();
    await form.getByText(/id is 1-64 letters/).waitFor();
    expect((await directory()).sources).toEqual([]);
    await form.getByRole('button', { name: 'Cancel' }).click();
  });

  it('adds a CSV source through the form, and the test lookup finds the name', async () => {
    await page.getByRole('button', { name: 'Add source', exact: true }).click();
    const form = page.getByRole('form', { name: 'New directory source' });
    await form.locator('#src-id').fill('crm');
    await form.locator('#src-path').fill(join(dir ?? '', 'crm.csv'));
    await form.getByRole('button', { name: 'Add source' }).click();
    await page.getByTestId('directory-sources').locator('[data-source="crm"]').waitFor();
    expect((await directory()).sources).toEqual([
      { type: 'csv', id: 'crm', path: join(dir ?? '', 'crm.csv') },
    ]);
    await page.getByLabel('Number').fill('+49 (30) 1234567');
    await page.getByRole('button', { name: 'Look up' }).click();
    const match = page.getByTestId('directory-test-result').getByTestId('test-match');
    await match.waitFor();
    expect(await match.textContent()).toContain('Jörg Müller');
  });

  it('stores an LDAP password typed once and never shows it again; editing keeps it', async () => {
    await page.getByRole('button', { name: 'Add source', exact: true }).click();
    const form = page.getByRole('form', { name: 'New directory source' });
    await form.locator('#src-type').selectOption('ldap');
    await form.locator('#src-id').fill('ad');
    await form.locator('#src-url').fill('ldap://127.0.0.1:1');
    await form.locator('#src-baseDN').fill('dc=example,dc=com');
    await form.locator('#src-bindDN').fill('cn=cti,dc=example,dc=com');
    await form.locator('#src-password').fill(BIND_PASSWORD);
    await form.getByRole('button', { name: 'Add source' }).click();
    await page.getByTestId('directory-sources').locator('[data-source="ad"]').waitFor();
    let ad = (await directory()).sources.find((s) => s['id'] === 'ad');
    expect(ad).toMatchObject({ hasPassword: true });
    expect(JSON.stringify(await directory())).not.toContain(BIND_PASSWORD);

    // Edit the base DN: the form shows no password, and saving keeps the stored one.
    await page.locator('[data-source="ad"]').getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit source ad' });
    expect(await edit.locator('#src-password').inputValue()).toBe('');
    await edit.locator('#src-baseDN').fill('ou=people,dc=example,dc=com');
    await edit.getByRole('button', { name: 'Save source' }).click();
    await edit.waitFor({ state: 'detached' });
    ad = (await directory()).sources.find((s) => s['id'] === 'ad');
    expect(ad).toMatchObject({ baseDN: 'ou=people,dc=example,dc=com', hasPassword: true });
    expect(await page.content()).not.toContain(BIND_PASSWORD);

    // Remove it again (after confirming).
    page.once('dialog', (d) => void d.accept());
    await page.locator('[data-source="ad"]').getByRole('button', { name: 'Remove' }).click();
    await page.locator('[data-source="ad"]').waitFor({ state: 'detached' });
    expect((await directory()).sources.map((s) => s['id'])).toEqual(['crm']);
    expect(pageErrors).toEqual([]);
  });
});

/**
 * The Directory page and the dial box's name search in Debian's Chromium against the real built
 * daemon and a simulated snom 360: a CSV directory configured through the API, a test lookup
 * of a number in another format, and a name typed into the dial box that dials the entry's number.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulatedPhone } from '@snomlink/snom-simulator';
import type { RecordedRequest, SimulatedPhone } from '@snomlink/snom-simulator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPrerequisites, launchChromium, openPage, startDaemon } from './harness.js';
import type { RunningDaemon } from './harness.js';

const PHONE_ID = 'desk-301';

let daemon: RunningDaemon;
let phone: SimulatedPhone;
let browser: Browser;
let page: Page;
let dir: string | undefined;

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${daemon.adminBase}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${daemon.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  assertPrerequisites();
  const tmp = await mkdtemp(join(tmpdir(), 'snomlink-web-ui-dir-'));
  dir = tmp;
  await writeFile(
    join(tmp, 'crm.csv'),
    'Name;Firma;Telefon\nJörg Müller;Müller & Söhne;030 1234567\nAnna Schmidt;;+49 89 555123\n',
  );
  daemon = await startDaemon();
  phone = createSimulatedPhone({ model: 'snom360', answerDelayMs: 200 });
  const address = await phone.listen({ host: '127.0.0.2', port: 0 });
  expect(
    (
      await call('POST', '/api/phones', {
        id: PHONE_ID,
        host: `${address.host}:${address.port}`,
        model: 'snom360',
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await call('PUT', '/api/directory', {
        sources: [{ type: 'csv', id: 'crm', path: join(tmp, 'crm.csv') }],
      })
    ).status,
  ).toBe(200);
  browser = await launchChromium();
  page = await openPage(browser);
  await page.goto(daemon.signInUrl);
}, 60_000);

afterAll(async () => {
  await (browser as Browser | undefined)?.close();
  await (phone as SimulatedPhone | undefined)?.close();
  await (daemon as RunningDaemon | undefined)?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('directory in the web UI', () => {
  it('lists the sources and answers a test lookup', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Directory', exact: true })
      .click();
    await page.getByTestId('directory-sources').locator('[data-source="crm"]').waitFor();
    await page.getByLabel('Number').fill('+49 (30) 1234567');
    await page.getByRole('button', { name: 'Look up' }).click();
    const match = page.getByTestId('directory-test-result').getByTestId('test-match');
    await match.waitFor();
    expect(await match.textContent()).toContain('Jörg Müller');
    expect(await match.textContent()).toContain('030 1234567');
  });

  it('the dial box searches a name and dials the chosen number', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Lines', exact: true })
      .click();
    const card = page.locator(`[data-phone="${PHONE_ID}"]`);
    await card.getByLabel('Dial a number').fill('müll');
    const hit = card.getByTestId('directory-hit').filter({ hasText: 'Jörg Müller' });
    await hit.waitFor();
    const dialed = new Promise<RecordedRequest>((resolve) => {
      const off = phone.on('request', (r) => {
        if (r.path !== '/command.htm' || !r.query.includes('number=')) return;
        off();
        resolve(r);
      });
    });
    await hit.click();
    const request = await dialed;
    // The stored "030 1234567" goes out in its dialable form.
    expect(new URLSearchParams(request.query).get('number')).toMatch(/1234567$/);
    await card.getByTestId('dialed').waitFor();
    await phone.releaseAllCalls();
  });
});

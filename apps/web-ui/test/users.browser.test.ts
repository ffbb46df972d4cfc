/**
 * Acceptance: the admin creates a viewer of one line on the Users page, the viewer signs in
 * with that token in a fresh browser and sees only that line, its call and its journal, while
 * the other line rings too.
 */
import { createSimulatedPhone } from '@snomlink/snom-simulator';
import type { SimulatedPhone } from '@snomlink/snom-simulator';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPrerequisites, launchChromium, startDaemon } from './harness.js';
import type { RunningDaemon } from './harness.js';

let daemon: RunningDaemon;
let browser: Browser;
const phones = new Map<string, SimulatedPhone>();
let userToken = '';

async function admin(path: string, method = 'GET', body?: unknown): Promise<unknown> {
  const res = await fetch(`${daemon.adminBase}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${daemon.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${String(res.status)} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

function phone(id: string): SimulatedPhone {
  const found = phones.get(id);
  if (found === undefined) throw new Error(`no phone ${id}`);
  return found;
}

beforeAll(async () => {
  assertPrerequisites();
  daemon = await startDaemon();
  for (const [id, host] of [
    ['front-desk', '127.0.0.3'],
    ['back-office', '127.0.0.4'],
  ] as const) {
    const simulated = createSimulatedPhone({ model: 'snom360', answerDelayMs: 50 });
    const address = await simulated.listen({ host, port: 0 });
    phones.set(id, simulated);
    await admin('/api/phones', 'POST', {
      id,
      host: `${address.host}:${String(address.port)}`,
      model: 'snom360',
    });
    await admin(`/api/phones/${id}/provision`, 'POST');
  }
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await (browser as Browser | undefined)?.close();
  for (const p of phones.values()) await p.close();
  await (daemon as RunningDaemon | undefined)?.stop();
});

describe('users in the web UI', () => {
  it('the admin creates a viewer of front-desk and a token, shown once', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(daemon.signInUrl);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Users' })
      .click();
    await page.getByLabel('Name').fill('Lena Lookout');
    await page.getByLabel('Role').selectOption('viewer');
    await page.locator('input[name="Sees-front-desk"]').check();
    await page.getByRole('button', { name: 'Create user' }).click();
    const card = page.locator('[data-user="Lena Lookout"]');
    await card.waitFor();
    expect(await card.textContent()).toContain('Sees: front-desk');
    await card.getByRole('button', { name: 'Create token' }).click();
    userToken = (await page.getByTestId('new-token-value').textContent()) ?? '';
    expect(userToken).toMatch(/^slu_[0-9a-f]+_/);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('new-token').waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(userToken);
    await page.close();
  });

  it('the viewer signs in with the token and sees only front-desk, its call and its journal', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${daemon.adminBase}/`);
    await page.getByLabel('Token').fill(userToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').filter({ hasText: 'Lena Lookout (viewer)' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Users' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Phones' }).count()).toBe(0);
    await page.locator('[data-phone="front-desk"]').waitFor();
    expect(await page.locator('[data-phone="back-office"]').count()).toBe(0);

    const other = await phone('back-office').ring('+4940999000', { display: 'Other Line' });
    const mine = await phone('front-desk').ring('+4940123123', { display: 'My Caller' });
    const card = page.locator('[data-phone="front-desk"]');
    await card.getByTestId('call-name').filter({ hasText: 'My Caller' }).waitFor();
    // A viewer gets no call buttons and no dial box.
    expect(await card.getByRole('button', { name: 'Answer' }).count()).toBe(0);
    expect(await page.getByText('Other Line').count()).toBe(0);

    await phone('back-office').remoteHangUp(other);
    await phone('front-desk').remoteHangUp(mine);
    await card.locator('li.call').waitFor({ state: 'detached' });
    await nav.getByRole('link', { name: 'Journal' }).click();
    await page.getByTestId('journal').getByText('My Caller').waitFor();
    // The other line's call is journalled too (the admin sees it), never shown here.
    await expect
      .poll(async () => {
        const page = (await admin('/api/journal')) as { entries: { remoteName: string }[] };
        return page.entries.map((e) => e.remoteName).sort();
      })
      .toEqual(['My Caller', 'Other Line']);
    await page.reload();
    await page.getByTestId('journal').getByText('My Caller').waitFor();
    expect(await page.getByText('Other Line').count()).toBe(0);
    await context.close();
  });
});

/**
 * Acceptance (issue 17, presence): the built admin panel in Debian's Chromium against the real
 * built daemon and a simulated snom 360. The phone's dnd-on shows a DND badge; switching DND off
 * in the panel writes the phone, and the badge goes only when the phone's dnd-off confirms it.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createSimulatedPhone } from '@snomlink/snom-simulator';
import type { SimulatedPhone } from '@snomlink/snom-simulator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPrerequisites, launchChromium, openPage, ROOT, startDaemon } from './harness.js';
import type { RunningDaemon } from './harness.js';

const SHOTS = join(ROOT, 'apps/web-ui/test-results');
const PHONE_ID = 'desk-dnd';

let daemon: RunningDaemon;
let phone: SimulatedPhone;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${daemon.adminBase}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${daemon.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path} → ${String(res.status)} ${await res.text()}`);
  return res.json();
}

beforeAll(async () => {
  assertPrerequisites();
  await mkdir(SHOTS, { recursive: true });
  daemon = await startDaemon();
  phone = createSimulatedPhone({ model: 'snom360' });
  const address = await phone.listen({ host: '127.0.0.3', port: 0 });
  await api('POST', '/api/phones', {
    id: PHONE_ID,
    name: 'Front desk',
    host: `${address.host}:${String(address.port)}`,
  });
  await api('POST', `/api/phones/${PHONE_ID}/provision`);
  browser = await launchChromium();
  page = await openPage(browser, { pageErrors });
}, 60_000);

afterAll(async () => {
  await (browser as Browser | undefined)?.close();
  await (phone as SimulatedPhone | undefined)?.close();
  await (daemon as RunningDaemon | undefined)?.stop();
});

describe('presence in the web UI', () => {
  it("shows the phone's DND as a badge and switches it off through the phone", async () => {
    await page.goto(daemon.signInUrl);
    const card = page.locator(`[data-phone="${PHONE_ID}"]`);
    await card.waitFor();
    expect(await card.getByTestId('dnd-badge').count()).toBe(0);

    await phone.setDnd(true); // the user presses DND on the phone: dnd-on Action URL
    await card.getByTestId('dnd-badge').waitFor();
    await page.screenshot({ path: join(SHOTS, 'presence-dnd-on.png'), fullPage: true });

    // The panel writes the phone; the badge goes when the phone's dnd-off confirms it.
    const dndOff = phone.waitForActionUrl('dnd-off');
    await card.getByRole('button', { name: 'Switch DND off' }).click();
    await dndOff;
    expect(phone.settings.get('dnd_mode')).toBe('off');
    expect(phone.dnd).toBe(false);
    await card.getByTestId('dnd-badge').waitFor({ state: 'detached' });
    await card.getByRole('button', { name: 'Switch DND on' }).waitFor();

    // Forwarding from the panel: the phone forwards, the badge shows the target.
    await card.getByLabel(`Forward ${PHONE_ID} to`).fill('0301234');
    await card.getByRole('button', { name: 'Forward', exact: true }).click();
    await card.getByTestId('forwarding-badge').filter({ hasText: '0301234' }).waitFor();
    expect(phone.forwarding).toEqual({ mode: 'always', target: '0301234' });
    await page.screenshot({ path: join(SHOTS, 'presence-forwarding.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});

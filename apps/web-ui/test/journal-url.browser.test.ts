/**
 * Issue 18 (missed-call e-mail): the mail links `/journal?phone=…&missed=true&q=…`, so the
 * journal page must take its filters from the URL, and write them back when they change (so
 * the address can be shared and back/forward work). The built panel in Debian's Chromium
 * against the real built daemon; calls come in through the listener's Action URLs.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPrerequisites, launchChromium, openPage, startDaemon } from './harness.js';
import type { RunningDaemon } from './harness.js';

const SECRET = randomBytes(18).toString('base64url');

let daemon: RunningDaemon;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function fire(phone: string, kind: string, cid: string, extra = ''): Promise<void> {
  const res = await fetch(
    `http://127.0.0.1:${String(daemon.listenPort)}/snom/${phone}/${kind}?k=${SECRET}&cid=${cid}${extra}`,
  );
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${kind} answered ${String(res.status)}`);
}

async function journalSize(): Promise<number> {
  const res = await fetch(`${daemon.adminBase}/api/journal?limit=50`, {
    headers: { authorization: `Bearer ${daemon.token}` },
  });
  return ((await res.json()) as { entries: unknown[] }).entries.length;
}

beforeAll(async () => {
  assertPrerequisites();
  daemon = await startDaemon({
    config: {
      phones: [
        { id: 'desk-1', name: 'Reception', host: '127.0.0.1:9', secret: SECRET },
        { id: 'desk-2', name: 'Back office', host: '127.0.0.1:9', secret: SECRET },
      ],
    },
  });
  // desk-1: a missed call and an answered one; desk-2: a missed one.
  const ring = (phone: string, cid: string, number: string, name: string): Promise<void> =>
    fire(
      phone,
      'incoming',
      cid,
      `&n=1&remote=sip:${number}@pbx.example&dr=${encodeURIComponent(name)}`,
    );
  await ring('desk-1', 'm1', '+4930111', 'Anna Missed');
  await fire('desk-1', 'missed', 'm1', '&n=0');
  await ring('desk-2', 'm2', '+4930222', 'Bert Missed');
  await fire('desk-2', 'missed', 'm2', '&n=0');
  await ring('desk-1', 'a1', '+4930333', 'Carl Answered');
  await fire('desk-1', 'connected', 'a1', '&n=1');
  await fire('desk-1', 'disconnected', 'a1', '&n=0');
  // Journal writes are deferred a little: wait for all three rows (no fixed sleep).
  const deadline = Date.now() + 15_000;
  while ((await journalSize()) < 3) {
    if (Date.now() > deadline) throw new Error('the three calls did not reach the journal');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  browser = await launchChromium();
  page = await openPage(browser, { pageErrors });
}, 60_000);

afterAll(async () => {
  await (browser as Browser | undefined)?.close();
  await (daemon as RunningDaemon | undefined)?.stop();
});

describe('journal filters in the URL', () => {
  it("opens the e-mail's link filtered, writes changed filters to the URL, and goes back", async () => {
    await page.goto(daemon.signInUrl);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    // The link a missed-call e-mail carries.
    await page.goto(`${daemon.adminBase}/journal?phone=desk-1&missed=true&q=%2B4930111`);
    const journal = page.getByTestId('journal');
    await journal.getByText('Anna Missed').waitFor();
    expect(await journal.locator('tbody tr').count()).toBe(1);
    expect(await page.locator('#j-phone').inputValue()).toBe('desk-1');
    expect(await page.locator('#j-missed').inputValue()).toBe('true');
    expect(await page.locator('#j-q').inputValue()).toBe('+4930111');

    // Widen the filter in the form: the URL follows, and both of desk-1's calls show.
    await page.locator('#j-missed').selectOption('');
    await page.locator('#j-q').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await journal.getByText('Carl Answered').waitFor();
    expect(new URL(page.url()).search).toBe('?phone=desk-1');
    expect(await journal.getByText('Bert Missed').count()).toBe(0);

    // Back: the e-mail's filters again, from the URL.
    await page.goBack();
    await journal.getByText('Carl Answered').waitFor({ state: 'detached' });
    expect(await journal.locator('tbody tr').count()).toBe(1);
    expect(await page.locator('#j-missed').inputValue()).toBe('true');
    expect(pageErrors).toEqual([]);
  });

  it('keeps a filter for a phone that is not (or no longer) in the phone list', async () => {
    await page.goto(`${daemon.adminBase}/journal?phone=desk-gone`);
    await page.getByText('No calls match.').waitFor();
    expect(await page.locator('#j-phone').inputValue()).toBe('desk-gone');
    expect(pageErrors).toEqual([]);
  });
});

/**
 * Acceptance: the built admin panel in Debian's Chromium against the real built daemon and a
 * simulated snom 360. One browser session walks through the scenario in order; each
 * step is its own test so a failure names the step. Screenshots go to test-results/.
 */
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import type { DialRules } from '@snomlink/core';
import { toDialable } from '@snomlink/core';
import { createSimulatedPhone } from '@snomlink/snom-simulator';
import type { RecordedRequest, SimulatedPhone } from '@snomlink/snom-simulator';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertPrerequisites,
  freePort,
  launchChromium,
  openPage,
  ROOT,
  startDaemon,
} from './harness.js';
import type { RunningDaemon } from './harness.js';

const SHOTS = join(ROOT, 'apps/web-ui/test-results');
const PHONE_ID = 'desk-201';
const XSS = '<img src=x onerror=alert(1)>';

let daemon: RunningDaemon;
let phone: SimulatedPhone;
let phoneHost: string;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function nav(label: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: label, exact: true })
    .click();
}

/** Resolves with the next request to the phone that matches, recorded after this call. */
function nextRequest(
  match: (r: RecordedRequest) => boolean,
  timeoutMs = 10_000,
): Promise<RecordedRequest> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('the phone received no matching request'));
    }, timeoutMs);
    const off = phone.on('request', (r) => {
      if (!match(r)) return;
      clearTimeout(timer);
      off();
      resolve(r);
    });
  });
}

/** Resolves when the phone has no call left. */
function phoneIdle(timeoutMs = 10_000): Promise<void> {
  if (phone.calls.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`the phone still has calls: ${JSON.stringify(phone.calls)}`));
    }, timeoutMs);
    const off = phone.on('call', () => {
      if (phone.calls.length > 0) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

beforeAll(async () => {
  assertPrerequisites();
  await mkdir(SHOTS, { recursive: true });
  daemon = await startDaemon();
  phone = createSimulatedPhone({ model: 'snom360', answerDelayMs: 200 });
  const address = await phone.listen({ host: '127.0.0.2', port: 0 });
  phoneHost = `${address.host}:${address.port}`;
  browser = await launchChromium();
  page = await openPage(browser, { pageErrors });
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
}, 60_000);

afterAll(async () => {
  // Any of these is unset when beforeAll failed half-way.
  await (browser as Browser | undefined)?.close();
  await (phone as SimulatedPhone | undefined)?.close();
  await (daemon as RunningDaemon | undefined)?.stop();
});

describe('web-ui in Chromium against the real daemon', () => {
  it('signs in with a pasted token, and the printed URL signs in by itself', async () => {
    await page.goto(`${daemon.adminBase}/`);
    await page.getByRole('heading', { name: 'Sign in to snomlink' }).waitFor();
    await shot('01-sign-in');
    await page.getByLabel('Token').fill('wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/token|unauthori/i);
    await page.getByLabel('Token').fill(daemon.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Lines' }).waitFor();

    const other = await browser.newPage();
    try {
      await other.goto(daemon.signInUrl);
      await other.getByRole('heading', { name: 'Lines' }).waitFor();
      expect(other.url()).not.toContain('token=');
    } finally {
      await other.close();
    }
  });

  it('adds a phone, tests the connection and transfers the configuration', async () => {
    await nav('Phones');
    await page.getByRole('link', { name: 'Add phone' }).click();
    await page.getByLabel(/^Id\b/).fill(PHONE_ID);
    await page.getByLabel(/^Name\b/).fill('Reception');
    await page.getByLabel(/^Host\b/).fill(phoneHost);
    await page.getByLabel(/^Model\b/).fill('snom360');
    await page.getByRole('button', { name: 'Add phone' }).click();
    await page.waitForURL(`**/phones/${PHONE_ID}`);

    await page.getByRole('button', { name: 'Test connection' }).click();
    const test = page.getByTestId('test-result');
    await test.waitFor();
    expect(await test.textContent()).toContain('Connection OK');
    expect(await test.textContent()).toContain('snom360');

    await page.getByRole('button', { name: 'Transfer configuration to snom' }).click();
    const result = page.getByTestId('provision-result');
    await result.waitFor();
    expect(await result.textContent()).toContain('Transfer complete');
    expect(await result.locator('tbody tr').count()).toBeGreaterThan(3);
    expect(phone.settings.get('action_incoming_url')).toContain(
      `:${daemon.listenPort}/snom/${PHONE_ID}/incoming`,
    );
    await shot('02-phone');
  });

  it('shows a ringing call within a second, drops it, and the journal has it', async () => {
    await nav('Lines');
    const card = page.locator(`[data-phone="${PHONE_ID}"]`);
    await card.waitFor();
    // ring() resolves once the phone's `incoming` Action URL was answered; from then on the
    // daemon, its SSE stream and the panel have one second (the acceptance bound).
    await phone.ring('+4930123456', { display: 'Anna Müller' });
    const call = card.locator('li.call');
    await call
      .getByTestId('call-name')
      .filter({ hasText: 'Anna Müller' })
      .waitFor({ timeout: 1000 });
    expect(await call.getByTestId('call-number').textContent()).toMatch(/30\D*123456/);
    expect(await call.getByRole('button', { name: 'Answer' }).isEnabled()).toBe(true);
    expect(await call.getByRole('button', { name: 'Hold' }).isDisabled()).toBe(true);

    await phone.answer();
    await call.getByTestId('call-state').filter({ hasText: 'connected' }).waitFor();
    expect(await call.getByRole('button', { name: 'Answer' }).isDisabled()).toBe(true);
    expect(await call.getByRole('button', { name: 'Hold' }).isEnabled()).toBe(true);
    await shot('03-lines-call');

    await call.getByRole('button', { name: 'Hold' }).click();
    await call.getByTestId('call-state').filter({ hasText: 'onhold' }).waitFor();
    await call.getByRole('button', { name: 'Resume' }).click();
    await call.getByTestId('call-state').filter({ hasText: 'connected' }).waitFor();

    const hangUp = nextRequest((r) => r.path === '/command.htm');
    await call.getByRole('button', { name: 'Drop' }).click();
    await hangUp;
    await phoneIdle();
    await call.waitFor({ state: 'detached' });

    await nav('Journal');
    const journal = page.getByTestId('journal');
    await journal.getByText('Anna Müller').waitFor();
    await shot('04-journal');
    // The filters: an answered inbound call is not outbound and not missed.
    const apply = async (direction: string, missed: string): Promise<void> => {
      await page.locator('#j-direction').selectOption(direction);
      await page.locator('#j-missed').selectOption(missed);
      await page.getByRole('button', { name: 'Apply filters' }).click();
    };
    await apply('outbound', '');
    await journal.getByText('Anna Müller').waitFor({ state: 'detached' });
    await apply('inbound', 'false');
    await journal.getByText('Anna Müller').waitFor();
    await apply('', 'true');
    await journal.getByText('Anna Müller').waitFor({ state: 'detached' });
    await apply('', '');
    await journal.getByText('Anna Müller').waitFor();
  });

  it('dials from the browser: the phone receives the dialable number shown first', async () => {
    const rules = (await (
      await fetch(`${daemon.adminBase}/api/dialing`, {
        headers: { authorization: `Bearer ${daemon.token}` },
      })
    ).json()) as DialRules;
    const typed = '+49 30 1234567';
    const expected = toDialable(typed, rules);
    if (!expected.success)
      throw new Error(`core cannot dial ${typed}: ${JSON.stringify(expected.issues)}`);

    await nav('Lines');
    const card = page.locator(`[data-phone="${PHONE_ID}"]`);
    await card.getByLabel('Dial a number').fill(typed);
    expect(await card.getByTestId('dialable').textContent()).toBe(expected.output);
    const dialed = nextRequest((r) => r.path === '/command.htm' && r.query.includes('number='));
    await card.getByRole('button', { name: 'Dial', exact: true }).click();
    const request = await dialed;
    expect(new URLSearchParams(request.query).get('number')).toBe(expected.output);
    await card.getByTestId('dialed').waitFor();
    await card.locator('li.call').waitFor();
    await shot('05-lines-dialed');
    await phone.releaseAllCalls();
    await phoneIdle();
    await card.locator('li.call').waitFor({ state: 'detached' });

    // A refused request shows the daemon's own { error, detail }, not a blank screen.
    const refused = await fetch(`${daemon.adminBase}/api/phones/${PHONE_ID}/dial`, {
      method: 'POST',
      headers: { authorization: `Bearer ${daemon.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ number: 'not a number' }),
    });
    expect(refused.ok).toBe(false);
    const body = (await refused.json()) as { error: string; detail: string };
    await card.getByLabel('Dial a number').fill('not a number');
    await card.getByRole('button', { name: 'Dial', exact: true }).click();
    await card.getByRole('alert').filter({ hasText: body.detail }).waitFor();
    expect(await card.getByRole('alert').textContent()).toBe(`${body.error}: ${body.detail}`);
    await card.getByLabel('Dial a number').fill('');
  });

  it('shows a hostile display name as text: nothing executes, no element is created', async () => {
    await nav('Lines');
    const card = page.locator(`[data-phone="${PHONE_ID}"]`);
    await phone.ring('+4930999999', { display: XSS });
    const name = card.getByTestId('call-name');
    await name.filter({ hasText: XSS }).waitFor();
    expect(await name.textContent()).toBe(XSS);
    expect(await page.locator('img').count()).toBe(0);
    await shot('06-xss-lines');

    await phone.remoteHangUp();
    await phoneIdle();
    await nav('Journal');
    await page.getByTestId('journal').getByText(XSS).waitFor();
    expect(await page.locator('img').count()).toBe(0);

    // Filters go to the daemon; the CSV export is spreadsheet-safe.
    await page.getByLabel('Number or name').fill('Anna');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByTestId('journal').getByText(XSS).waitFor({ state: 'detached' });
    expect(await page.getByTestId('journal').locator('tbody tr').count()).toBe(1);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = await (await download).createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of csv) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const rows = text
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain(",'+4930123456,");
    expect(rows[1]).toContain('Anna Müller');
    await nav('Events');
    await page.getByText(XSS, { exact: false }).first().waitFor();
    expect(await page.locator('img').count()).toBe(0);
    await shot('07-events');
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('Action URLs page: listener, URLs, firewall commands and a self-test that turns green', async () => {
    await nav('Action URLs');
    await page.getByTestId('listener-state').filter({ hasText: 'Active' }).waitFor();
    await page.getByText(`sudo ufw allow ${daemon.listenPort}/tcp`).waitFor();
    await page.getByText(`localport=${daemon.listenPort}`, { exact: false }).waitFor();
    const section = page.locator(`section[data-phone="${PHONE_ID}"]`);
    expect(
      await section.getByText(`/snom/${PHONE_ID}/incoming`, { exact: false }).count(),
    ).toBeGreaterThan(0);
    await section.getByRole('button', { name: 'Self-test' }).click();
    await section.getByText('Waiting for the next event', { exact: false }).waitFor();
    await phone.ring('+4930555555', { display: 'Self test' });
    await section.getByText('Reached', { exact: false }).waitFor();
    await shot('08-action-urls');
    await phone.remoteHangUp();
    await phoneIdle();
  });

  it('Events page in a new tab: the history from before it opened, then live events, each once', async () => {
    const other = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    other.setDefaultTimeout(10_000);
    try {
      await other.goto(daemon.signInUrl);
      await other.getByRole('heading', { name: 'Lines' }).waitFor();
      await other
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Events', exact: true })
        .click();
      // Rung before this tab existed: only the daemon's recent events can show it.
      await other.getByText(XSS, { exact: false }).first().waitFor();
      await phone.ring('+4930246810', { display: 'After the history' });
      await other.getByText('After the history', { exact: false }).first().waitFor();
      await phone.remoteHangUp();
      await phoneIdle();
      const ids = (
        await other
          .locator('tbody tr')
          .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-event-id'))))
      ).filter((id) => id > 0);
      expect(ids.length).toBeGreaterThan(4);
      // Newest first, strictly: no event shown twice where history and stream meet.
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(new Set(ids).size).toBe(ids.length);
      expect(await other.locator('img').count()).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('Action URLs page changes the listener port: a taken one is refused, a free one moves it', async () => {
    await nav('Action URLs');
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      await page.getByLabel(/^TCP port\b/).fill(String(taken));
      await page.getByRole('button', { name: 'Save listener address' }).click();
      const refused = page.getByRole('alert').filter({ hasText: `port ${taken}` });
      await refused.waitFor();
      expect(await refused.textContent()).toMatch(/^port-in-use: port \d+ is already in use/);
      expect(await page.getByTestId('listener-state').textContent()).toBe('Active');
      await page.getByText(`sudo ufw allow ${daemon.listenPort}/tcp`).waitFor();
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }

    const port = await freePort();
    await page.getByLabel(/^TCP port\b/).fill(String(port));
    await page.getByLabel(/^Public address\b/).fill('127.0.0.1');
    await page.getByRole('button', { name: 'Save listener address' }).click();
    const result = page.getByTestId('listener-result');
    await result.getByText('provision the phones again', { exact: false }).waitFor();
    expect(await result.getByRole('link', { name: PHONE_ID }).getAttribute('href')).toBe(
      `/phones/${PHONE_ID}`,
    );
    await page.getByText(`sudo ufw allow ${port}/tcp`).waitFor();
    const section = page.locator(`section[data-phone="${PHONE_ID}"]`);
    await section
      .getByText(`http://127.0.0.1:${port}/snom/${PHONE_ID}/incoming`, { exact: false })
      .first()
      .waitFor();
    const status = (await (
      await fetch(`${daemon.adminBase}/api/listener`, {
        headers: { authorization: `Bearer ${daemon.token}` },
      })
    ).json()) as { state: string; port: number; publicHost: string | null };
    expect(status).toMatchObject({ state: 'active', port, publicHost: '127.0.0.1' });
    await shot('08b-listener-moved');
  });

  it('Dialing rules page previews canonical and dialable forms as you type', async () => {
    await nav('Dialing rules');
    await page.getByLabel('Type a number').fill('030 1234567');
    const dialable = page.getByTestId('preview-dialable');
    await dialable.waitFor();
    expect((await dialable.textContent())?.trim()).not.toBe('—');
    await shot('09-dialing');
  });

  it('fits a 360 px wide screen', async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    await nav('Lines');
    await page.locator(`[data-phone="${PHONE_ID}"]`).waitFor();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    // Keyboard: after a reload (the session cookie signs in again) the first Tab lands on the
    // skip link, which has a visible focus outline.
    await page.reload();
    await page.getByRole('heading', { name: 'Lines' }).waitFor();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      return { text: el.textContent, outline: getComputedStyle(el).outlineStyle };
    });
    expect(focused).toEqual({ text: 'Skip to content', outline: 'solid' });
    await shot('10-lines-360px');
  });

  it('signs out', async () => {
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to snomlink' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    // The daemon cleared its HttpOnly cookie: a reload does not sign in again.
    expect((await page.context().cookies()).map((c) => c.name)).not.toContain('snomlink_token');
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to snomlink' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Lines' }).count()).toBe(0);
  });
});

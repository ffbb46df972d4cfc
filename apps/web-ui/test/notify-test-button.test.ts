/**
 * The journal page's "Send test e-mail" button in Chromium against the real built daemon with
 * a `notify.email` section: the click reaches `POST /api/notify/test`, a local SMTP responder
 * receives "snomlink test message" for the typed address, and the page says where it went.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDaemon } from './harness.js';
import { assertPrerequisites, launchChromium, openPage, startDaemon } from './harness.js';

let daemon: RunningDaemon;
let browser: Browser;
let page: Page;
let smtp: Server;
const received: { rcpt: string[]; data: string }[] = [];
const sockets = new Set<Socket>();

/** Just enough SMTP (no TLS, no AUTH) to accept one message per transaction. */
function startSmtpResponder(): Promise<number> {
  smtp = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    let inData = false;
    let current = { rcpt: [] as string[], data: '' };
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            received.push(current);
            current = { rcpt: [], data: '' };
            socket.write('250 queued\r\n');
          } else current.data += `${line}\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250 test\r\n');
        else if (verb === 'RCPT') {
          current.rcpt.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          socket.write('250 ok\r\n');
        } else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  return new Promise((resolve) => {
    smtp.listen(0, '127.0.0.1', () => {
      resolve((smtp.address() as { port: number }).port);
    });
  });
}

beforeAll(async () => {
  assertPrerequisites();
  const port = await startSmtpResponder();
  daemon = await startDaemon({
    config: {
      notify: {
        email: {
          smtp: { host: '127.0.0.1', port, timeoutMs: 5000 },
          from: 'pbx@example.com',
          recipients: [{ email: 'office@example.com' }],
        },
      },
    },
  });
  browser = await launchChromium();
  page = await openPage(browser, { timeoutMs: 15_000 });
}, 60_000);

afterAll(async () => {
  await (browser as Browser | undefined)?.close();
  await (daemon as RunningDaemon | undefined)?.stop();
  for (const socket of sockets) socket.destroy();
  const server = smtp as Server | undefined;
  if (server !== undefined)
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
});

describe('Send test e-mail', () => {
  it('sends a test message to the typed address and says so', async () => {
    await page.goto(daemon.signInUrl);
    await page.getByRole('heading', { name: 'Lines' }).waitFor();
    await page.goto(`${daemon.adminBase}/journal`);
    await page.getByRole('heading', { name: 'Missed-call e-mail' }).waitFor();
    await page.getByLabel('Send to').fill('admin@example.com');
    await page.getByRole('button', { name: 'Send test e-mail' }).click();
    await expect(page.getByTestId('notify-result').textContent()).resolves.toContain(
      'Sent to admin@example.com',
    );
    expect(received).toHaveLength(1);
    expect(received[0]!.rcpt).toEqual(['admin@example.com']);
    expect(received[0]!.data).toMatch(/^Subject: .*test message/im);
  });
});

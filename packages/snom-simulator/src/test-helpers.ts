// Helpers shared by this package's own tests (not exported; other packages use ./testing).
import http from 'node:http';
import https from 'node:https';
import { afterEach } from 'vitest';
import { createSimulatedPhone, type SimulatedPhone, type SimulatedPhoneOptions } from './index.js';

/** A complete HTTP answer. */
export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

/** GET `url` (http or https, self-signed accepted) on a fresh connection and read the answer. */
export function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(
      url,
      { headers: { Connection: 'close', ...headers }, rejectUnauthorized: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.on('error', reject);
  });
}

/**
 * Returns a `start` that creates a simulated phone and listens (on 127.0.0.1 and an ephemeral
 * port unless `on` says otherwise); every phone it started is closed after each test. Call once at
 * the top of a test file.
 */
export function phoneStarter(): (
  options?: SimulatedPhoneOptions,
  on?: Parameters<SimulatedPhone['listen']>[0],
) => Promise<{ phone: SimulatedPhone; base: string; host: string }> {
  const phones: SimulatedPhone[] = [];
  afterEach(async () => {
    await Promise.all(phones.splice(0).map((p) => p.close()));
  });
  return async (options = {}, on) => {
    const phone = createSimulatedPhone(options);
    phones.push(phone);
    const { url, host } = await phone.listen(on);
    return { phone, base: url, host };
  };
}

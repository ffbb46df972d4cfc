import { costRatio } from './__fixtures__/cost-ratio.js';
import { describe, expect, it } from 'vitest';
import { EXCERPT_MAX_CHARS, looksLikeSnomPage, responseExcerpt } from './response-check.js';

// Copies of what @snomlink/snom-simulator answers (its page renderers are not exported); the
// feature tests in snom-client.test.ts check the same against the live simulator.
const GARBAGE_PAGE = '<html><body><p>&#0;\u0000<<<%%% Hardware: ??? <pre><tr><td>=</body';
const indexPage = (model: string): string =>
  `<html><head><title>${model}</title></head><body><h1>${model}</h1><p>Identity 1: sip:201@pbx.example</p></body></html>\n`;
const INFO_PAGE =
  '<html><head><title>D785 Information</title></head><body><pre>\nHardware: D785\nMac: 000413000001\n' +
  'Firmware: D785-SIP 10.1.54.13\nIP Address: 127.0.0.1\n</pre></body></html>\n';

describe('looksLikeSnomPage', () => {
  it('accepts pages that mention snom, name a snom model in the title, or carry info fields', () => {
    expect(looksLikeSnomPage('<html><head><title>snom 360</title></head></html>')).toBe(true);
    expect(looksLikeSnomPage('<html><body>Welcome to your SNOM phone</body></html>')).toBe(true);
    expect(looksLikeSnomPage('<html><head><title>D785</title></head><body></body></html>')).toBe(
      true,
    );
    expect(looksLikeSnomPage('<html><head><title>Phone Manager</title></head></html>')).toBe(true);
    expect(looksLikeSnomPage('Mac: 000413ABCDEF')).toBe(true);
  });

  it("accepts the simulator's index and info pages", () => {
    expect(looksLikeSnomPage(indexPage('D785'))).toBe(true);
    expect(looksLikeSnomPage(indexPage('snom190'))).toBe(true);
    expect(looksLikeSnomPage(INFO_PAGE)).toBe(true);
  });

  it('rejects junk, empty bodies and other web servers', () => {
    expect(looksLikeSnomPage(GARBAGE_PAGE)).toBe(false);
    expect(looksLikeSnomPage('')).toBe(false);
    expect(looksLikeSnomPage('<html><head><title>Welcome to nginx!</title></head></html>')).toBe(
      false,
    );
    expect(looksLikeSnomPage('<html><head><title>Router login</title></head></html>')).toBe(false);
  });
});

describe('responseExcerpt', () => {
  it('strips control and format characters, decodes entities and collapses whitespace', () => {
    expect(responseExcerpt('<p>a\u0000b\u0007\r\n\t  c&amp;d\u200e\u001b[31m</p>', [])).toBe(
      '<p>ab c&d[31m</p>',
    );
    expect(responseExcerpt(GARBAGE_PAGE, [])).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  });

  it(`caps at ${String(EXCERPT_MAX_CHARS)} characters with an ellipsis, without splitting a code point`, () => {
    const excerpt = responseExcerpt('😀'.repeat(500), []);
    expect(Array.from(excerpt)).toHaveLength(EXCERPT_MAX_CHARS + 1);
    expect(excerpt.endsWith('😀…')).toBe(true);
    expect(responseExcerpt('short', [])).toBe('short');
  });

  it('never contains the password: raw, encoded, entity-spelled, split by NULs, or cut at the cap', () => {
    const password = 'S3cret!pw#42';
    const bodies = [
      `<p>password is ${password}</p>`,
      `<a href="/x?user=admin&pwd=${encodeURIComponent(password)}">`,
      `<p>${password.split('').join('\u0000')}</p>`,
      `<p>${password.replace('#', '&#35;')}</p>`,
      `${'x'.repeat(EXCERPT_MAX_CHARS - 4)}${password}`,
      `${'\u0000'.repeat(5000)}${password}`,
      `http://admin:${password}@10.0.0.1/`,
    ];
    for (const body of bodies) {
      const excerpt = responseExcerpt(body, [password]);
      expect(excerpt).not.toContain(password);
      expect(excerpt).not.toContain(encodeURIComponent(password));
      expect(excerpt).not.toContain('S3cret'); // no surviving prefix either
    }
  });
});

describe('responseExcerpt on hostile pages', () => {
  it('a body of one long run of ";" costs what a normal body of the same size costs', () => {
    const size = 200_000;
    const hostile = ';'.repeat(size);
    const normal = 'user_name1=201&x=1 '.repeat(size / 19);
    // The old query-value regex rescanned the run from every ";" (0.9 s for 20 kB).
    expect(costRatio((body) => responseExcerpt(body, ['pw']), hostile, normal, 5)).toBeLessThan(5);
  });
});

import { describe, expect, it } from 'vitest';
import { parseInfoPage } from './info-page.js';

describe('parseInfoPage', () => {
  it('reads a snom 3xx style table', () => {
    const page =
      '<html><head><title>snom 360</title></head><body><table>' +
      '<tr><td>Firmware-Version:</td><td>snom360-SIP 8.7.5.17</td></tr>' +
      '<tr><td>MAC-Address:</td><td>00:04:13:2A:3B:4C</td></tr></table></body></html>';
    expect(parseInfoPage(page)).toEqual({
      info: { model: 'snom360', mac: '0004132A3B4C', firmware: '8.7.5.17' },
      phoneManager: false,
    });
  });

  it('reads the compact forms public code matches (Mac:…, Hardware: D785)', () => {
    const page = 'Hardware: D785\nMac:000413abcdef\nFirmware: 10.1.54.13';
    expect(parseInfoPage(page).info).toEqual({
      model: 'D785',
      mac: '000413ABCDEF',
      firmware: '10.1.54.13',
    });
  });

  it('flags a D8xx Phone Manager page', () => {
    const page = '<html><head><title>Phone Manager</title></head><body>Model: D865</body></html>';
    const parsed = parseInfoPage(page);
    expect(parsed.phoneManager).toBe(true);
    expect(parsed.info.model).toBe('D865');
  });

  it('returns nulls for a page without the fields', () => {
    expect(parseInfoPage('<html><body>hello</body></html>')).toEqual({
      info: { model: null, mac: null, firmware: null },
      phoneManager: false,
    });
  });
});

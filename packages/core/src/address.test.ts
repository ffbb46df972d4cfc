import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanDisplayName, parseAddress, repairMojibake } from './address.js';

describe('parseAddress', () => {
  const rows: [
    raw: string,
    expected: { user: string | null; host: string | null; displayName: string | null },
  ][] = [
    [
      'sip:+4930123456@pbx.example;user=phone',
      { user: '+4930123456', host: 'pbx.example', displayName: null },
    ],
    ['"Anna Müller" <sip:201@pbx>', { user: '201', host: 'pbx', displayName: 'Anna Müller' }],
    [
      'Anna Müller <sip:201@pbx>;tag=1928301774',
      { user: '201', host: 'pbx', displayName: 'Anna Müller' },
    ],
    ['"Say \\"Hi\\"" <sip:201@pbx>', { user: '201', host: 'pbx', displayName: 'Say "Hi"' }],
    [
      'sips:alice@secure.example:5061;transport=tls',
      { user: 'alice', host: 'secure.example', displayName: null },
    ],
    ['<sip:201@[2001:db8::1]:5060>', { user: '201', host: '[2001:db8::1]', displayName: null }],
    [
      'SIP:%2B4930123456@PBX.Example',
      { user: '+4930123456', host: 'pbx.example', displayName: null },
    ],
    ['tel:+1-212-555-0100', { user: '+12125550100', host: null, displayName: null }],
    ['tel:7042;phone-context=example.com', { user: '7042', host: null, displayName: null }],
    ['0301234567', { user: '0301234567', host: null, displayName: null }],
    ['**21', { user: '**21', host: null, displayName: null }],
    ['201@pbx.example', { user: '201', host: 'pbx.example', displayName: null }],
    ['sip:pbx.example', { user: null, host: 'pbx.example', displayName: null }],
    ['"JÃ¶rg MÃ¼ller" <sip:202@pbx>', { user: '202', host: 'pbx', displayName: 'Jörg Müller' }],
  ];
  it.each(rows)('%j', (raw, expected) => {
    expect(parseAddress(raw)).toEqual({ ...expected, anonymous: false, unknown: false, raw });
  });

  it.each([
    'anonymous@anonymous.invalid',
    'sip:anonymous@anonymous.invalid',
    '"Anonymous" <sip:anonymous@anonymous.invalid>',
    'Anonymous',
    'restricted',
    'sip:anonymous@pbx.example',
  ])('%j is anonymous', (raw) => {
    const parsed = parseAddress(raw);
    expect(parsed).toMatchObject({
      user: null,
      displayName: null,
      anonymous: true,
      unknown: false,
    });
  });

  it.each(['', '   ', '$remote', '$display_remote', '<>'])('%j is unknown', (raw) => {
    expect(parseAddress(raw)).toMatchObject({ user: null, anonymous: false, unknown: true, raw });
  });

  it('treats null and undefined as unknown', () => {
    expect(parseAddress(null).unknown).toBe(true);
    expect(parseAddress(undefined)).toMatchObject({ unknown: true, raw: '' });
  });

  it('keeps a display name whose Latin-1 bytes were lost (U+FFFD)', () => {
    expect(parseAddress('"J\uFFFDrg" <sip:202@pbx>').displayName).toBe('J\uFFFDrg');
  });

  it('never throws and always echoes the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (raw) => {
        const parsed = parseAddress(raw);
        expect(parsed.raw).toBe(raw);
        expect(parsed.anonymous && parsed.unknown).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('display names', () => {
  it('repairs UTF-8 read as Latin-1 and leaves real Latin-1 text alone', () => {
    expect(repairMojibake('ZÃ¼rich')).toBe('Zürich');
    expect(repairMojibake('Zürich')).toBe('Zürich');
    expect(repairMojibake('Ã')).toBe('Ã');
  });

  it('cleanDisplayName unquotes, strips control characters and drops $display_remote', () => {
    expect(cleanDisplayName('  "Anna"  ')).toBe('Anna');
    expect(cleanDisplayName('An\u0000na\r\n')).toBe('Anna');
    expect(cleanDisplayName('$display_remote')).toBeNull();
    expect(cleanDisplayName('')).toBeNull();
    expect(cleanDisplayName(undefined)).toBeNull();
  });
});

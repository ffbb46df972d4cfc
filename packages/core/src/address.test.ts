import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanDisplayName, parseAddress, repairMojibake } from './address.js';
import { createLineModel } from './line-model.js';
import { actionEvent } from './testing/index.js';

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

describe('parseAddress: what real snom phones send (snom-evidence.md)', () => {
  // §1: `$remote` / `$local` arrive as user@host without `sip:` (chstoltz/CalloraCTI
  // web/xml_snom.php "for snom, they send number@realm"; tine20 Phone/Frontend/Snom.php).
  it.each([
    ['015112345678@fritz.box', '015112345678', 'fritz.box'],
    ['201@pbx.example', '201', 'pbx.example'],
    ['+4930123456@pbx.example:5060', '+4930123456', 'pbx.example'],
    ['%2B4930123456@pbx.example', '+4930123456', 'pbx.example'],
    ['**21@pbx.example', '**21', 'pbx.example'],
    ['201@[2001:db8::1]:5060', '201', '[2001:db8::1]'],
    // The defensive `sip:` variant (snom's own demo app strips it) gives the same number.
    ['sip:015112345678@fritz.box', '015112345678', 'fritz.box'],
  ])('%s → user %s', (raw, user, host) => {
    expect(parseAddress(raw)).toMatchObject({ user, host, anonymous: false, unknown: false });
  });

  // §4: request URIs and Contacts carry `;line=<token>`; display names have commas, quotes,
  // backslash escapes and non-ASCII letters.
  it.each([
    ['sip:547@10.110.100.110:3072;line=wxecg2hg', '547', null],
    ['<sip:547@10.110.100.110:3072;line=wxecg2hg>;reg-id=1', '547', null],
    ['"Müller, Anna" <sip:+4930123456@pbx.example>;tag=9f', '+4930123456', 'Müller, Anna'],
    [
      '"O\'Brien \\"Bob\\", Støre" <sip:0301234567@pbx.example>',
      '0301234567',
      'O\'Brien "Bob", Støre',
    ],
    [
      '"\\"Dr.\\" Zoë Ångström, MD" <sip:0049891234567@pbx.example>',
      '0049891234567',
      '"Dr." Zoë Ångström, MD',
    ],
  ])('%s', (raw, user, displayName) => {
    expect(parseAddress(raw)).toMatchObject({ user, displayName });
  });

  // §1: `$local` can be empty on some events (tine20): an unknown party, never an error.
  it.each(['', '   '])('empty $local %j is unknown, not a failure', (raw) => {
    expect(parseAddress(raw)).toEqual({
      user: null,
      host: null,
      displayName: null,
      anonymous: false,
      unknown: true,
      raw,
    });
  });
});

describe('user@host parties through the line model (snom-evidence.md §1)', () => {
  it('gives the user part as the number of the live and the finished call; an empty $local is unknown', () => {
    const model = createLineModel({ now: () => 1_000 });
    const params = {
      callId: '3c3b966053be-phxdiv27t9gm',
      remote: '015112345678@fritz.box',
      displayRemote: 'Jürgen Weiß',
      local: '',
    };
    model.apply(actionEvent('p1', 'incoming', params));
    const live = model.getCall('3c3b966053be-phxdiv27t9gm');
    expect(live?.callerId).toMatchObject({ number: '015112345678', displayName: 'Jürgen Weiß' });
    expect(live?.calledId.number).toBeNull();
    model.apply(actionEvent('p1', 'connected', params));
    const end = model.apply(actionEvent('p1', 'disconnected', params));
    const finished = end.find((c) => c.type === 'call-finished');
    expect(finished?.call.callerId.number).toBe('015112345678');
  });
});

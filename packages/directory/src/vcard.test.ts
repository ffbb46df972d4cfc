import { DEFAULT_DIAL_RULES } from '@snomlink/core';
import { describe, expect, it } from 'vitest';
import { parseMultistatus } from './multistatus.js';
import { parseVCards } from './vcard.js';

const RULES = { ...DEFAULT_DIAL_RULES, areaCode: '30' };

describe('parseVCards', () => {
  it('reads FN, ORG and typed TEL values of vCard 3 and 4', () => {
    const text = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Jörg Müller',
      'ORG:Müller & Söhne GmbH;Vertrieb',
      'TEL;TYPE=WORK,VOICE:030 1234567',
      'TEL;TYPE=CELL:+49 151 23456789',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:4.0',
      'UID:x2',
      'N:Çelik;Zoë;;;',
      'TEL;VALUE=uri:tel:+49-89-1234567',
      'END:VCARD',
      '',
    ].join('\r\n');
    const { entries, issues } = parseVCards(text, '/book/a.vcf', RULES);
    expect(issues).toEqual([]);
    expect(entries).toEqual([
      {
        id: '/book/a.vcf#0',
        name: 'Jörg Müller',
        organization: 'Müller & Söhne GmbH Vertrieb',
        numbers: [
          { label: 'work', value: '030 1234567', key: '+49301234567' },
          { label: 'mobile', value: '+49 151 23456789', key: '+4915123456789' },
        ],
      },
      {
        id: '/book/a.vcf#x2',
        name: 'Zoë Çelik',
        organization: null,
        numbers: [{ label: 'other', value: 'tel:+49-89-1234567', key: '+49891234567' }],
      },
    ]);
  });

  it('reports a card it cannot parse instead of throwing', () => {
    const { entries, issues } = parseVCards('BEGIN:VCARD\r\nno colon here\r\n', 'bad', RULES);
    expect(entries).toEqual([]);
    expect(issues).toHaveLength(1);
  });
});

describe('parseMultistatus', () => {
  it('takes href and address-data of 200 propstats, whatever the namespace prefixes', () => {
    const xml = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">
 <d:response><d:href>/a.vcf</d:href>
  <d:propstat><d:prop><d:getetag>"1"</d:getetag><card:address-data>BEGIN:VCARD&#13;
FN:A &amp; B
END:VCARD</card:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
 <d:response><d:href>/b.vcf</d:href>
  <d:propstat><d:prop><card:address-data/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
 </d:response>
 <response xmlns="DAV:"><href>/c.vcf</href><propstat><prop><address-data xmlns="urn:ietf:params:xml:ns:carddav"><![CDATA[BEGIN:VCARD
FN:C
END:VCARD]]></address-data></prop><status>HTTP/1.1 200 OK</status></propstat></response>
</d:multistatus>`;
    expect(parseMultistatus(xml)).toEqual([
      { href: '/a.vcf', addressData: 'BEGIN:VCARD\r\nFN:A & B\nEND:VCARD' },
      { href: '/b.vcf', addressData: null },
      { href: '/c.vcf', addressData: 'BEGIN:VCARD\nFN:C\nEND:VCARD' },
    ]);
  });
});

/** A person of the test directories, with numbers in the formats offices really store. */
export interface TestPerson {
  readonly uid: string;
  readonly givenName: string;
  readonly sn: string;
  readonly organization: string;
  /** As stored: `+49 30 1234567`, `030 1234567`, `0049 30 1234567`, `+49 (30) 1234567`, … */
  readonly telephone: string;
  readonly mobile: string | null;
}

/** `givenName sn` */
export function fullName(p: TestPerson): string {
  return `${p.givenName} ${p.sn}`;
}

/** The three formats the generated numbers rotate through (Berlin, area 30). */
const FORMATS: readonly ((subscriber: string) => string)[] = [
  (s) => `+49 30 ${s}`,
  (s) => `030 ${s.slice(0, 3)}-${s.slice(3)}`,
  (s) => `0049 30 ${s}`,
];

/**
 * `count` people (at least 4): Jörg Müller `+49 30 1234567` (umlauts), Anna Schmidt `030 7654321`,
 * Björn Weiß `0049 40 5556667` (Hamburg) with a mobile, an extension `2001` (Empfang), then
 * `Person N` with Berlin numbers `+49 30 50NNNNN` in the three formats in turn.
 */
export function makePeople(count: number): TestPerson[] {
  const people: TestPerson[] = [
    {
      uid: 'jmueller',
      givenName: 'Jörg',
      sn: 'Müller',
      organization: 'Müller & Söhne GmbH',
      telephone: '+49 30 1234567',
      mobile: null,
    },
    {
      uid: 'aschmidt',
      givenName: 'Anna',
      sn: 'Schmidt',
      organization: 'Schmidt AG',
      telephone: '030 7654321',
      mobile: null,
    },
    {
      uid: 'bweiss',
      givenName: 'Björn',
      sn: 'Weiß',
      organization: 'Hafen KG',
      telephone: '0049 40 5556667',
      mobile: '+49 151 23456789',
    },
    {
      uid: 'empfang',
      givenName: 'Empfang',
      sn: 'Zentrale',
      organization: 'Example',
      telephone: '2001',
      mobile: null,
    },
  ];
  for (let i = people.length; i < count; i += 1) {
    const subscriber = `50${String(i).padStart(5, '0')}`;
    people.push({
      uid: `person${i}`,
      givenName: 'Person',
      sn: String(i),
      organization: `Firma ${i % 17}`,
      telephone: (FORMATS[i % FORMATS.length] ?? FORMATS[0]!)(subscriber),
      mobile: null,
    });
  }
  return people.slice(0, Math.max(count, 4));
}

/** LDIF of the base, `ou=people` and every person as an inetOrgPerson under it. */
export function toLdif(people: readonly TestPerson[], suffix: string): string {
  const dc = /^dc=([^,]+)/.exec(suffix)?.[1] ?? 'example';
  const blocks = [
    `dn: ${suffix}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: ${dc}\n`,
    `dn: ou=people,${suffix}\nobjectClass: organizationalUnit\nou: people\n`,
    ...people.map((p) => {
      const lines = [
        `dn: uid=${p.uid},ou=people,${suffix}`,
        'objectClass: inetOrgPerson',
        `uid: ${p.uid}`,
        `cn: ${fullName(p)}`,
        `sn: ${p.sn}`,
        `givenName: ${p.givenName}`,
        `displayName: ${fullName(p)}`,
        `o: ${p.organization}`,
        `telephoneNumber: ${p.telephone}`,
      ];
      if (p.mobile !== null) lines.push(`mobile: ${p.mobile}`);
      // LDIF values with non-ASCII bytes must be base64 (RFC 2849).
      return `${lines
        .map((line) => {
          const colon = line.indexOf(': ');
          const value = line.slice(colon + 2);
          return /^[\x20-\x7e]*$/.test(value)
            ? line
            : `${line.slice(0, colon)}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
        })
        .join('\n')}\n`;
    }),
  ];
  return blocks.join('\n');
}

/** A vCard 3.0 of the person (CRLF lines, as servers store them). */
export function toVCard(p: TestPerson): string {
  const lines = [
    'BEGIN:VCARD',
    'VERSION:3.0',
    `UID:${p.uid}`,
    `FN:${fullName(p)}`,
    `N:${p.sn};${p.givenName};;;`,
    `ORG:${p.organization}`,
    `TEL;TYPE=WORK,VOICE:${p.telephone}`,
  ];
  if (p.mobile !== null) lines.push(`TEL;TYPE=CELL:${p.mobile}`);
  lines.push('END:VCARD');
  return `${lines.join('\r\n')}\r\n`;
}

/** A CSV export of the people (semicolon-separated, as German spreadsheet software writes it). */
export function toCsv(people: readonly TestPerson[]): string {
  const quote = (s: string): string => (/[;"\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = people.map((p) =>
    [fullName(p), p.organization, p.telephone, p.mobile ?? ''].map(quote).join(';'),
  );
  return `\ufeffName;Firma;Telefon;Mobil\n${rows.join('\n')}\n`;
}

import { DEFAULT_DIAL_RULES, type DialRules } from '@snomlink/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectory } from './directory.js';
import { hasSlapd, makePeople, startSlapd, toLdif, type TestSlapd } from './testing/index.js';

const BERLIN: DialRules = { ...DEFAULT_DIAL_RULES, areaCode: '30' };
const missing = !hasSlapd() && process.env.CI === undefined;
if (missing) {
  console.warn(
    '\n*** SKIPPED: the LDAP TLS tests need Debian slapd; run `bash scripts/ensure-directory-servers.sh` (CI installs it) ***\n',
  );
}

describe.skipIf(missing)('LDAP over TLS against a real slapd (LDAPS and StartTLS)', () => {
  let slapd: TestSlapd;
  beforeAll(async () => {
    slapd = await startSlapd({ ldif: toLdif(makePeople(10), 'dc=example,dc=com'), tls: true });
  }, 30_000);
  afterAll(async () => {
    await slapd.close();
  });
  const common = (): { baseDN: string; bindDN: string; password: string } => ({
    baseDN: `ou=people,${slapd.suffix}`,
    bindDN: slapd.rootDN,
    password: slapd.rootPassword,
  });

  it('binds and looks up over LDAPS with the server CA', async () => {
    const directory = createDirectory({
      sources: [{ type: 'ldap', url: slapd.ldapsUrl!, ...common(), tls: { ca: slapd.ca! } }],
      dialing: BERLIN,
    });
    expect(await directory.lookup('030 1234567')).toMatchObject({ name: 'Jörg Müller' });
    await directory.close();
  });

  it('upgrades ldap:// with StartTLS before binding', async () => {
    const directory = createDirectory({
      sources: [
        { type: 'ldap', url: slapd.url, ...common(), startTls: true, tls: { ca: slapd.ca! } },
      ],
      dialing: BERLIN,
    });
    expect(await directory.lookup('030 1234567')).toMatchObject({ name: 'Jörg Müller' });
    await directory.close();
  });

  it('refuses a certificate it cannot verify and says so in the health entry', async () => {
    const directory = createDirectory({
      sources: [{ type: 'ldap', id: 'ldaps', url: slapd.ldapsUrl!, ...common() }],
      dialing: BERLIN,
    });
    expect(await directory.lookup('030 1234567')).toBeUndefined();
    expect(directory.health()[0]).toMatchObject({ id: 'ldaps', healthy: false });
    expect(directory.health()[0]!.lastError).toMatch(/self[- ]signed|certificate/i);
    await directory.close();
  });
});

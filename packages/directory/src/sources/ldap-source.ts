import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import type { DialRules } from '@snomlink/core';
import { Client, type Entry } from 'ldapts';
import { DirectoryConfigError, DirectorySourceError, describeError } from '../errors.js';
import { checkFilterTemplate, renderFilterTemplate } from '../ldap-filter.js';
import { NUMBER_FORM_NAMES, numberKey, type NumberQuery } from '../number-query.js';
import type { DirectoryEntry, DirectoryNumber, DirectorySource } from '../source.js';
import { searchWords } from '../text-fold.js';

/** Attributes that hold phone numbers in OpenLDAP's inetOrgPerson and in Active Directory. */
export const DEFAULT_LDAP_NUMBER_ATTRIBUTES: readonly string[] = [
  'telephoneNumber',
  'mobile',
  'homePhone',
  'ipPhone',
  'otherTelephone',
  'otherMobile',
];

/**
 * Default lookup filter: each number attribute against the E.164, national, international and
 * canonical forms. OpenLDAP's telephoneNumberMatch ignores spaces and hyphens, so `030 123-4567`
 * matches `{national}`; Active Directory compares strings, so list the forms your AD stores.
 */
export const DEFAULT_LDAP_FILTER = `(&(objectClass=person)(|${[
  'telephoneNumber',
  'mobile',
  'homePhone',
]
  .flatMap((a) =>
    ['e164', 'national', 'international', 'canonical', 'subscriber'].map((f) => `(${a}={${f}})`),
  )
  .join('')}))`;

/** Default filter for internal extensions (numbers of up to `internalMaxLength` digits). */
export const DEFAULT_LDAP_EXTENSION_FILTER =
  '(&(objectClass=person)(|(telephoneNumber={extension})(ipPhone={extension})))';

/** Default name search: every word of the query must occur in one of these attributes. */
export const DEFAULT_LDAP_SEARCH_FILTER =
  '(&(objectClass=person)(|(cn=*{query}*)(displayName=*{query}*)(sn={query}*)(givenName={query}*)(o={query}*)(company={query}*)))';

/** Options of {@link createLdapSource} (the `type: 'ldap'` entry of the directory config). */
export interface LdapSourceOptions {
  readonly id: string;
  /** `ldap://host:389` or `ldaps://host:636` (LDAPS). */
  readonly url: string;
  /** Search base, e.g. `ou=people,dc=example,dc=com`. */
  readonly baseDN: string;
  /** Simple bind; both unset = anonymous. */
  readonly bindDN?: string | undefined;
  readonly password?: string | undefined;
  /** Upgrade an `ldap://` connection with StartTLS before binding. */
  readonly startTls?: boolean | undefined;
  /** TLS options for LDAPS and StartTLS (CA certificate, server name, rejectUnauthorized). */
  readonly tls?: ConnectionOptions | undefined;
  readonly scope?: 'sub' | 'one' | undefined;
  /** Lookup filter template; placeholders {e164} {e164digits} {national} {international} {canonical} {subscriber} {extension}. */
  readonly filter?: string | undefined;
  /** Filter template for internal extensions. */
  readonly extensionFilter?: string | undefined;
  /** Name search template, filled once per word with {query}. */
  readonly searchFilter?: string | undefined;
  /** Attributes tried in order for the name (default displayName, cn). */
  readonly nameAttributes?: readonly string[] | undefined;
  readonly numberAttributes?: readonly string[] | undefined;
  /** Attributes tried in order for the company (default o, company, department). */
  readonly organizationAttributes?: readonly string[] | undefined;
  /** Operation and connect timeout of the LDAP client, ms (the directory also times out). */
  readonly timeoutMs?: number | undefined;
}

/** An LDAP source plus its connection state, for tests and the bench. */
export interface LdapSource extends DirectorySource {
  readonly kind: 'ldap';
  /** The filter a lookup of `query` sends (escaped), for the admin's "test lookup". */
  lookupFilter(query: NumberQuery): string;
}

function attributeValues(entry: Entry, name: string): string[] {
  const lower = name.toLowerCase();
  for (const key of Object.keys(entry)) {
    if (key.toLowerCase() !== lower || key === 'dn') continue;
    const value = entry[key];
    const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
    return list.map((v) => (typeof v === 'string' ? v : v.toString('utf8')));
  }
  return [];
}

/**
 * LDAP / Active Directory through `ldapts`: one connection, opened (StartTLS, bind) on first use
 * and kept; dropped and reopened after any error or timeout. A lookup sends the filter template
 * with the number in several forms, RFC 4515-escaped, then keeps only entries one of whose
 * number attributes has the same E.164 key (so a loose filter cannot return a wrong person).
 */
export function createLdapSource(options: LdapSourceOptions, dialing: DialRules): LdapSource {
  const filter = options.filter ?? DEFAULT_LDAP_FILTER;
  const extensionFilter = options.extensionFilter ?? DEFAULT_LDAP_EXTENSION_FILTER;
  const searchFilter = options.searchFilter ?? DEFAULT_LDAP_SEARCH_FILTER;
  const issues = [
    ...checkFilterTemplate(filter, NUMBER_FORM_NAMES, 'filter'),
    ...checkFilterTemplate(extensionFilter, NUMBER_FORM_NAMES, 'extensionFilter'),
    ...checkFilterTemplate(searchFilter, ['query'], 'searchFilter'),
  ];
  if (!/^ldaps?:\/\/[^/]+\/?$/i.test(options.url)) {
    issues.push(`url "${options.url}" must look like ldap://host:389 or ldaps://host:636`);
  }
  if (options.startTls === true && /^ldaps:/i.test(options.url)) {
    issues.push('startTls with an ldaps:// url: use one of them (ldap:// + startTls, or ldaps://)');
  }
  if ((options.bindDN === undefined) !== (options.password === undefined)) {
    issues.push('bindDN and password go together; leave both out for an anonymous bind');
  }
  if (issues.length > 0) {
    throw new DirectoryConfigError(`LDAP source "${options.id}": ${issues.join('; ')}`, {
      issues,
      sourceId: options.id,
    });
  }
  const nameAttributes = options.nameAttributes ?? ['displayName', 'cn'];
  const numberAttributes = options.numberAttributes ?? DEFAULT_LDAP_NUMBER_ATTRIBUTES;
  const organizationAttributes = options.organizationAttributes ?? ['o', 'company', 'department'];
  const attributes = [
    ...new Set([...nameAttributes, ...numberAttributes, ...organizationAttributes]),
  ];
  const timeoutMs = options.timeoutMs ?? 5000;

  // ldapts upgrades the socket for StartTLS without the host name, so Node would check the
  // certificate against "localhost": check it against the URL's host (and send it as SNI).
  const host = new URL(options.url.replace(/^ldaps?:/i, 'http:')).hostname.replace(/^\[|\]$/g, '');
  const startTlsOptions: ConnectionOptions = {
    ...(isIP(host) === 0 ? { servername: host } : {}),
    checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert),
    ...options.tls,
  };

  /** The connection; `open` once StartTLS and bind are done (before that, it is still connecting). */
  let current: { client: Client; ready: Promise<Client>; open: boolean } | null = null;
  let closed = false;

  const drop = (client: Client): void => {
    if (current?.client === client) current = null;
    client.unbind().catch(() => undefined);
  };

  const connect = (): Promise<Client> => {
    if (current !== null) {
      // The server closed the connection: ldapts would reconnect unbound, so start over.
      const bound = options.bindDN !== undefined || options.startTls === true;
      if (!bound || !current.open || current.client.isConnected) return current.ready;
      drop(current.client);
    }
    const client = new Client({
      url: options.url,
      timeout: timeoutMs,
      connectTimeout: timeoutMs,
      strictDN: false,
      // Only for ldaps://: ldapts given tlsOptions on ldap:// breaks the StartTLS handshake.
      ...(options.tls === undefined || !/^ldaps:/i.test(options.url)
        ? {}
        : { tlsOptions: options.tls }),
    });
    const connection = { client, ready: Promise.resolve(client), open: false };
    current = connection;
    const ready = (async (): Promise<Client> => {
      if (options.startTls === true) await client.startTLS(startTlsOptions);
      if (options.bindDN !== undefined) await client.bind(options.bindDN, options.password ?? '');
      connection.open = true;
      return client;
    })();
    connection.ready = ready;
    ready.catch(() => {
      drop(client);
    });
    return ready;
  };

  const toEntry = (entry: Entry): DirectoryEntry => {
    const first = (names: readonly string[]): string | null => {
      for (const n of names) {
        const v = attributeValues(entry, n).find((s) => s.trim() !== '');
        if (v !== undefined) return v.trim();
      }
      return null;
    };
    const numbers: DirectoryNumber[] = numberAttributes.flatMap((label) =>
      attributeValues(entry, label).map((value) => ({
        label,
        value,
        key: numberKey(value, dialing),
      })),
    );
    return {
      id: entry.dn,
      name: first(nameAttributes) ?? entry.dn,
      organization: first(organizationAttributes),
      numbers,
    };
  };

  const run = async (
    ldapFilter: string,
    sizeLimit: number,
    signal: AbortSignal,
  ): Promise<Entry[]> => {
    if (closed)
      throw new DirectorySourceError(`LDAP source "${options.id}" is closed`, {
        sourceId: options.id,
      });
    let client: Client | undefined;
    const onAbort = (): void => {
      if (client !== undefined)
        drop(client); // a hung connection is not reused
      else if (current !== null) drop(current.client);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      client = await connect();
      const { searchEntries } = await client.search(options.baseDN, {
        scope: options.scope ?? 'sub',
        filter: ldapFilter,
        attributes,
        sizeLimit,
        timeLimit: Math.max(1, Math.ceil(timeoutMs / 1000)),
      });
      return searchEntries;
    } catch (e) {
      if (client !== undefined) drop(client);
      throw new DirectorySourceError(
        `LDAP source "${options.id}" (${options.url}) failed: ${describeError(e)}; check url, baseDN, bindDN and password`,
        { sourceId: options.id, cause: e },
      );
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };

  const lookupFilter = (query: NumberQuery): string =>
    renderFilterTemplate(query.kind === 'internal' ? extensionFilter : filter, query.forms);

  return {
    id: options.id,
    kind: 'ldap',
    lookupFilter,
    async lookup(query, signal) {
      const entries = await run(lookupFilter(query), 20, signal);
      for (const raw of entries) {
        const entry = toEntry(raw);
        if (entry.numbers.some((n) => n.key === query.key)) return entry;
      }
      return undefined;
    },
    async search(text, limit, signal) {
      const words = text
        .trim()
        .split(/\s+/)
        .filter((w) => w !== '' && searchWords(w).length > 0);
      if (words.length === 0) return [];
      const clauses = words.map((w) => renderFilterTemplate(searchFilter, { query: w }));
      const ldapFilter = clauses.length === 1 ? (clauses[0] ?? '') : `(&${clauses.join('')})`;
      const entries = await run(ldapFilter, limit, signal);
      return entries.slice(0, limit).map(toEntry);
    },
    async close() {
      closed = true;
      const c = current;
      current = null;
      if (c !== null) await c.client.unbind().catch(() => undefined);
    },
  };
}

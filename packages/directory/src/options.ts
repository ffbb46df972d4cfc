import * as v from 'valibot';

const id = v.optional(
  v.pipe(v.string(), v.regex(/^[\w.-]{1,64}$/, 'id is 1-64 letters, digits, _ . or -')),
);
const ms = (min: number, max: number): v.GenericSchema<number> =>
  v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const nonEmpty = (what: string): v.GenericSchema<string> =>
  v.pipe(v.string(), v.trim(), v.minLength(1, `${what} is empty`));
const attributeList = v.optional(v.pipe(v.array(nonEmpty('an attribute name')), v.minLength(1)));

/** An LDAP / Active Directory source in the config (see {@link LdapSourceOptions}). */
export const ldapSourceSchema = v.object({
  type: v.literal('ldap'),
  id,
  url: nonEmpty('url'),
  baseDN: nonEmpty('baseDN'),
  bindDN: v.optional(nonEmpty('bindDN')),
  password: v.optional(v.string()),
  startTls: v.optional(v.boolean()),
  tls: v.optional(
    v.object({
      /** PEM of the CA that signed the server's certificate. */
      ca: v.optional(v.string()),
      servername: v.optional(v.string()),
      rejectUnauthorized: v.optional(v.boolean()),
    }),
  ),
  scope: v.optional(v.picklist(['sub', 'one'])),
  filter: v.optional(nonEmpty('filter')),
  extensionFilter: v.optional(nonEmpty('extensionFilter')),
  searchFilter: v.optional(nonEmpty('searchFilter')),
  nameAttributes: attributeList,
  numberAttributes: attributeList,
  organizationAttributes: attributeList,
  timeoutMs: v.optional(ms(50, 60_000)),
});

/** A CardDAV address book in the config (see {@link CardDavSourceOptions}). */
export const carddavSourceSchema = v.object({
  type: v.literal('carddav'),
  id,
  url: v.pipe(
    v.string(),
    v.url('url must be the address book URL, e.g. https://host/dav/addressbooks/user/contacts/'),
  ),
  username: v.optional(v.string()),
  password: v.optional(v.string()),
  refreshMs: v.optional(ms(1000, 86_400_000)),
  loadTimeoutMs: v.optional(ms(100, 600_000)),
  timeoutMs: v.optional(ms(50, 60_000)),
});

/** A CSV file in the config (see {@link CsvSourceOptions}). */
export const csvSourceSchema = v.object({
  type: v.literal('csv'),
  id,
  path: nonEmpty('path'),
  delimiter: v.optional(v.pipe(v.string(), v.length(1, 'delimiter is one character'))),
  nameColumn: v.optional(nonEmpty('nameColumn')),
  numberColumns: attributeList,
  organizationColumn: v.optional(nonEmpty('organizationColumn')),
  checkMs: v.optional(ms(0, 86_400_000)),
  timeoutMs: v.optional(ms(50, 60_000)),
});

/** One source of the `directory.sources` list; `type` says which kind. */
export const directorySourceSchema = v.variant('type', [
  ldapSourceSchema,
  carddavSourceSchema,
  csvSourceSchema,
]);
/** One directory source's config: LDAP, CardDAV or CSV, told apart by `type`. */
export type DirectorySourceConfig = v.InferOutput<typeof directorySourceSchema>;

/** Backoff after a source fails: base delay doubling per failure up to max, jittered. */
export const backoffSchema = v.object({
  baseMs: v.optional(ms(10, 3_600_000), 1000),
  maxMs: v.optional(ms(10, 86_400_000), 300_000),
});

/**
 * The `directory` section of the daemon config: sources in order (the first that knows a
 * number names it), cache lifetimes and the lookup timeout. Defaults: positive answers cached
 * 5 min, "not found" 1 min, a lookup answers within 2 s whatever the sources do.
 */
export const directoryConfigSchema = v.object({
  sources: v.optional(v.array(directorySourceSchema), []),
  cacheTtlMs: v.optional(ms(0, 86_400_000), 300_000),
  negativeTtlMs: v.optional(ms(0, 86_400_000), 60_000),
  timeoutMs: v.optional(ms(50, 60_000), 2000),
  maxCacheEntries: v.optional(ms(0, 10_000_000), 10_000),
  backoff: v.optional(backoffSchema, {}),
});
/** The `directory` config section with every default filled in. */
export type DirectoryConfig = v.InferOutput<typeof directoryConfigSchema>;
/** The `directory` config section as written in a config file (defaults may be left out). */
export type DirectoryConfigInput = v.InferInput<typeof directoryConfigSchema>;

export { createDirectory } from './directory.js';
export type {
  Directory,
  DirectoryMatch,
  DirectoryOptions,
  DirectorySearchHit,
  DirectoryTestResult,
} from './directory.js';
export {
  DirectoryConfigError,
  DirectoryError,
  DirectorySourceError,
  DirectoryTimeoutError,
  isDirectoryConfigError,
  isDirectoryError,
  isDirectorySourceError,
  isDirectoryTimeoutError,
} from './errors.js';
export { checkFilterTemplate, escapeFilterValue, renderFilterTemplate } from './ldap-filter.js';
export { NUMBER_FORM_NAMES, numberKey, toNumberQuery } from './number-query.js';
export type { NumberForms, NumberQuery } from './number-query.js';
export {
  backoffSchema,
  carddavSourceSchema,
  csvSourceSchema,
  directoryConfigSchema,
  directorySourceSchema,
  ldapSourceSchema,
} from './options.js';
export type { DirectoryConfig, DirectoryConfigInput, DirectorySourceConfig } from './options.js';
export { backoffDelay } from './source-guard.js';
export type { BackoffOptions, SourceHealth } from './source-guard.js';
export type {
  DirectoryEntry,
  DirectoryLogger,
  DirectoryNumber,
  DirectorySource,
  DirectorySourceKind,
} from './source.js';
export { ADDRESSBOOK_QUERY, createCardDavSource } from './sources/carddav-source.js';
export type { CardDavSourceOptions } from './sources/carddav-source.js';
export { MAX_CSV_BYTES, createCsvSource } from './sources/csv-source.js';
export type { CsvSourceOptions } from './sources/csv-source.js';
export type { IndexedSource } from './sources/indexed-source.js';
export {
  DEFAULT_LDAP_EXTENSION_FILTER,
  DEFAULT_LDAP_FILTER,
  DEFAULT_LDAP_NUMBER_ATTRIBUTES,
  DEFAULT_LDAP_SEARCH_FILTER,
  createLdapSource,
} from './sources/ldap-source.js';
export type { LdapSource, LdapSourceOptions } from './sources/ldap-source.js';
export { parseVCards } from './vcard.js';
export type { VCardIssue } from './vcard.js';

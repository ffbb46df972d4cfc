/**
 * Percent-encodes a query value the way phones expect: `encodeURIComponent`, plus `*` → `%2A`
 * (snom-protocol.md §3.2 sends `#` as `%23` and `*` as `%2A`) and the other sub-delims it leaves.
 */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Like {@link encodeQueryValue} but keeps `@` and `:` readable (legal in a query), for SIP URIs. */
export function encodeUriValue(value: string): string {
  return encodeQueryValue(value).replace(/%40/g, '@').replace(/%3A/g, ':');
}

/** Dialable characters the client sends in `command.htm?number=` (snom-protocol.md §3.1). */
export const DIAL_NUMBER_PATTERN = /^\+?[0-9*#]+$/;
/** DTMF characters accepted by `command.htm?key_dtmf=`. */
export const DTMF_PATTERN = /^[0-9*#A-Da-d]+$/;
/** One key for `command.htm?key=`: a name (`ENTER`, `F_HOLD`, `P1`, `5`, `#`), optionally `,press_ms[,pause_ms]`. */
export const KEY_PATTERN = /^(?:[A-Za-z][A-Za-z0-9_]*|[0-9*#])(?:,\d{1,5}(?:,\d{1,5})?)?$/;
/** Setting names accepted by `writeSettings` (`user_name1`, `action_incoming_url`, …). */
export const SETTING_NAME_PATTERN = /^[A-Za-z][\w.-]*$/;

/** `command.htm?number=…[&outgoing_uri=…]`. */
export function dialPath(number: string, identity?: string): string {
  const base = `/command.htm?number=${encodeQueryValue(number)}`;
  return identity === undefined ? base : `${base}&outgoing_uri=${encodeUriValue(identity)}`;
}

/** `command.htm?key=K1;K2…` (each key percent-encoded, `;` kept as the separator). */
export function keysPath(keys: readonly string[]): string {
  return `/command.htm?key=${keys.map(encodeQueryValue).join(';')}`;
}

/** `command.htm?key_dtmf=…` with `#` → `%23` and `*` → `%2A`. */
export function dtmfPath(digits: string): string {
  return `/command.htm?key_dtmf=${encodeQueryValue(digits)}`;
}

/** Options of {@link settingsPaths}. */
export interface SettingsPathOptions {
  store: boolean;
  /** Longest path+query to produce, in bytes (the origin is added by the caller's budget). */
  maxPathBytes: number;
}

/**
 * Splits a settings map into `dummy.htm?settings=save&k=v…[&store_settings=save]` paths, as many
 * pairs per request as fit in `maxPathBytes`. Returns the paths, or the name of a setting whose
 * single pair cannot fit.
 */
export function settingsPaths(
  settings: Readonly<Record<string, string>>,
  options: SettingsPathOptions,
): { paths: string[] } | { tooLong: string } {
  const head = '/dummy.htm?settings=save';
  const tail = options.store ? '&store_settings=save' : '';
  const budget = options.maxPathBytes - head.length - tail.length;
  const paths: string[] = [];
  let current = '';
  for (const [name, value] of Object.entries(settings)) {
    const pair = `&${encodeQueryValue(name)}=${encodeQueryValue(value)}`;
    if (pair.length > budget) return { tooLong: name };
    if (current.length + pair.length > budget) {
      paths.push(`${head}${current}${tail}`);
      current = '';
    }
    current += pair;
  }
  if (current !== '' || paths.length === 0) paths.push(`${head}${current}${tail}`);
  return { paths };
}

/**
 * Checks a page path the caller picked (`readLog({ path })`): it must stay on the phone, so a
 * path with a scheme or host (`http://…`, `//host/…`), a `..` segment (also percent-encoded), a
 * backslash, a fragment or a control or space character is refused. Returns the path with a
 * leading `/`, or undefined when it is refused.
 */
export function phonePagePath(path: string): string | undefined {
  if (path === '' || path.length > 1024) return undefined;
  if (!/^[\x21-\x7e]+$/.test(path) || /[\\#]/.test(path)) return undefined;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path) || path.startsWith('//')) return undefined;
  const absolute = path.startsWith('/') ? path : `/${path}`;
  const q = absolute.indexOf('?');
  const pathPart = q === -1 ? absolute : absolute.slice(0, q);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart);
  } catch {
    return undefined;
  }
  if (decoded.split(/[/\\]/).some((segment) => segment === '..' || segment === '.')) {
    return undefined;
  }
  if (decoded.startsWith('//')) return undefined;
  return absolute;
}

/** What a phone reported as a party, taken apart. */
export interface ParsedAddress {
  /** User part (`+4930123456`, `201`, `**21`); null when anonymous or unknown. */
  readonly user: string | null;
  /** Host part (`pbx.example`), null for bare numbers and tel: URIs. */
  readonly host: string | null;
  /** Display name (`Anna Müller`), null when none. */
  readonly displayName: string | null;
  /** The caller withheld the number (`anonymous@anonymous.invalid`, `Anonymous`, `restricted`). */
  readonly anonymous: boolean;
  /** Nothing usable was reported (empty, a literal unexpanded `$remote`). */
  readonly unknown: boolean;
  /** The input as given. */
  readonly raw: string;
}

/** User parts and display names that mean "number withheld". Compared lower-case. */
const ANONYMOUS_WORDS = new Set([
  'anonymous',
  'anonym',
  'restricted',
  'private',
  'withheld',
  'unavailable',
  'unknown',
  'clir',
]);

/** A snom runtime variable the phone did not expand, e.g. `$remote` or `$display_remote`. */
const UNEXPANDED_VARIABLE = /^\$[a-z][\w-]*(\([^)]*\))?$/i;

// C0/C1 control characters and DEL: never part of a name, and dangerous in logs.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/g;

// UTF-8 lead byte (Ã, Â, Å, …) followed by a continuation byte, both read as Latin-1.
const MOJIBAKE_HINT = /[\u00c2-\u00f4][\u0080-\u00bf]/;

// Structural type: under node-only lib settings `TextDecoder` is a value, not a type.
let utf8Decoder: { decode(input: Uint8Array): string } | null = null;

/**
 * Repairs UTF-8 text that was decoded as Latin-1 somewhere on the way (`Jörg` arriving as
 * `JÃ¶rg`). Returns the input unchanged when it is not such mojibake. Never throws.
 */
export function repairMojibake(text: string): string {
  if (!MOJIBAKE_HINT.test(text)) return text;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code > 0xff) return text;
    bytes[i] = code;
  }
  try {
    utf8Decoder ??= new TextDecoder('utf-8', { fatal: true });
    return utf8Decoder.decode(bytes);
  } catch {
    return text;
  }
}

/**
 * Cleans a display name as phones report it (`$display_remote`, or the quoted part of a
 * SIP address): trims, unquotes, repairs Latin-1/UTF-8 mojibake, removes control characters.
 * Returns null for empty names and literal unexpanded `$display_remote`. Never throws.
 */
export function cleanDisplayName(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  let name = raw.trim();
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) {
    name = name.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  name = repairMojibake(name).replace(CONTROL_CHARS, '').trim();
  if (name === '' || UNEXPANDED_VARIABLE.test(name)) return null;
  return name;
}

function safeDecode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(0, end + 1) : host;
  }
  const colon = host.indexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}

function isAnonymousWord(text: string | null): boolean {
  return text !== null && ANONYMOUS_WORDS.has(text.trim().toLowerCase());
}

interface Parts {
  user: string | null;
  host: string | null;
  displayName: string | null;
}

/** Splits `"Name" <uri>` / `Name <uri>` / `uri` into a display name and the URI text. */
function splitNameAddr(text: string): { name: string | null; uri: string } {
  const open = text.lastIndexOf('<');
  if (open < 0) return { name: null, uri: text };
  const close = text.indexOf('>', open);
  const uri = text.slice(open + 1, close < 0 ? undefined : close);
  const name = text.slice(0, open).trim();
  return { name: name === '' ? null : name, uri };
}

function parseUri(uriText: string): Pick<Parts, 'user' | 'host'> {
  let uri = uriText.trim();
  const scheme = /^(sips?|tel):/i.exec(uri);
  if (scheme?.[1]?.toLowerCase() === 'tel') {
    // RFC 3966: tel:+1-212-555-0100;phone-context=… ; visual separators are not part of it.
    const number = safeDecode(uri.slice(4).split(';')[0] ?? '').replace(/[\s\-.()]/g, '');
    return { user: number === '' ? null : number, host: null };
  }
  if (scheme) uri = uri.slice(scheme[0].length);
  // URI parameters (`;user=phone`) and headers (`?subject=…`) end the address; a `;` inside the
  // user part (before `@`) is a user parameter as in `+49301234;isub=1@host`.
  const at = uri.indexOf('@');
  let user: string | null;
  let hostPart: string;
  if (at >= 0) {
    user = uri.slice(0, at);
    hostPart = uri.slice(at + 1);
  } else if (scheme) {
    // `sip:pbx.example` has only a host; `sip:201` (seen from some PBXs) only a user.
    const bare = uri.split(/[;?]/)[0] ?? '';
    if (/^[+\d*#]/.test(bare)) return { user: bare === '' ? null : safeDecode(bare), host: null };
    user = null;
    hostPart = uri;
  } else {
    const bare = uri.split(/[;?]/)[0] ?? '';
    return { user: bare === '' ? null : safeDecode(bare), host: null };
  }
  user = user === null ? null : safeDecode((user.split(';')[0] ?? '').split(':')[0] ?? '');
  const host = stripPort(hostPart.split(/[;?>]/)[0] ?? '').toLowerCase();
  return { user: user === '' ? null : user, host: host === '' ? null : host };
}

/**
 * Parses `sip:`/`sips:`/`tel:` URIs, `"Name" <sip:…>`, bare numbers and anonymous forms.
 * Never throws.
 */
export function parseAddress(raw: string | null | undefined): ParsedAddress {
  const input = typeof raw === 'string' ? raw : '';
  const unknown = (): ParsedAddress => ({
    user: null,
    host: null,
    displayName: null,
    anonymous: false,
    unknown: true,
    raw: input,
  });
  try {
    const text = input.replace(CONTROL_CHARS, ' ').trim();
    if (text === '' || UNEXPANDED_VARIABLE.test(text)) return unknown();
    const { name, uri } = splitNameAddr(text);
    const displayName = cleanDisplayName(name);
    const parts = parseUri(uri);
    const host = parts.host;
    const user = parts.user !== null && UNEXPANDED_VARIABLE.test(parts.user) ? null : parts.user;
    const anonymous =
      isAnonymousWord(user) ||
      (host !== null && host.endsWith('anonymous.invalid')) ||
      (user === null && isAnonymousWord(displayName));
    if (anonymous) {
      return {
        user: null,
        host: host !== null && host.endsWith('anonymous.invalid') ? null : host,
        displayName: isAnonymousWord(displayName) ? null : displayName,
        anonymous: true,
        unknown: false,
        raw: input,
      };
    }
    return {
      user,
      host,
      displayName,
      anonymous: false,
      unknown: user === null && host === null && displayName === null,
      raw: input,
    };
  } catch {
    return unknown();
  }
}

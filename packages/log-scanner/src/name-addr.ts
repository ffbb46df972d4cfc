/** A SIP `From`/`To` header value taken apart. */
export interface NameAddr {
  /** The URI without angle brackets or header parameters, e.g. `sip:+4930123456@pbx.example`. */
  readonly uri: string;
  /** The display name, unquoted and unescaped; null when none. */
  readonly displayName: string | null;
  /** The `tag` parameter; null when none. */
  readonly tag: string | null;
}

/**
 * Splits `"Anna Müller" <sip:+4930123456@pbx.example>;tag=1928` (or `sip:201@pbx;tag=x`) into
 * URI, display name and tag. Never throws; returns null for an empty value.
 */
export function parseNameAddr(value: string | null): NameAddr | null {
  if (value === null) return null;
  const v = value.trim();
  if (v === '') return null;
  let displayName: string | null = null;
  let uri: string;
  let rest: string;
  // A quoted display name may itself hold `<`; look for the URI after its closing quote.
  const quoteEnd = v.startsWith('"') ? findClosingQuote(v) : -1;
  const lt = v.indexOf('<', quoteEnd + 1);
  if (lt >= 0) {
    const gt = v.indexOf('>', lt + 1);
    uri = (gt > lt ? v.slice(lt + 1, gt) : v.slice(lt + 1)).trim();
    rest = gt > lt ? v.slice(gt + 1) : '';
    const name = v.slice(0, lt).trim();
    if (name.startsWith('"')) {
      const end = findClosingQuote(name);
      displayName = name.slice(1, end).replace(/\\(.)/g, '$1');
    } else if (name !== '') {
      displayName = name;
    }
  } else {
    const semi = v.indexOf(';');
    uri = (semi >= 0 ? v.slice(0, semi) : v).trim();
    rest = semi >= 0 ? v.slice(semi) : '';
  }
  const tag = /;\s*tag\s*=\s*([^;\s]+)/i.exec(rest)?.[1] ?? null;
  return { uri, displayName: displayName === '' ? null : displayName, tag };
}

function findClosingQuote(s: string): number {
  for (let i = 1; i < s.length; i += 1) {
    if (s[i] === '\\') i += 1;
    else if (s[i] === '"') return i;
  }
  return s.length;
}

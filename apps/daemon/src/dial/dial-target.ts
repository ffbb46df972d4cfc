import { DialCommandError } from './dial-errors.js';

/** Schemes `snomlink dial` accepts; anything else with a scheme is refused. */
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/**
 * Turns what a user or a URL handler passes to `snomlink dial` into the number the daemon's
 * dial route gets: a plain number stays as it is; `tel:` and `sip:`/`sips:` URIs go through
 * unchanged (the daemon's dial rules read them); `callto:` (Skype-era links, also
 * `callto://+49…` and `callto:+49…?call`) is unwrapped to its number, since the dial rules do
 * not know it. Percent-encoding from browsers (`tel:%2B49…`) is decoded for `callto:`; the
 * daemon decodes `tel:` itself. Throws DialCommandError (exit 2) for an empty argument or
 * another scheme such as `http:`.
 */
export function dialTarget(argument: string): string {
  const text = argument.trim();
  if (text === '') throw new DialCommandError('no number given: snomlink dial NUMBER', 2);
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return text;
  if (scheme === 'tel' || scheme === 'sip' || scheme === 'sips') return text;
  if (scheme === 'callto') {
    let rest = text.slice('callto:'.length).replace(/^\/\//, '');
    rest = rest.split('?')[0] ?? '';
    try {
      rest = decodeURIComponent(rest);
    } catch {
      throw new DialCommandError(`"${argument}" is not a valid callto: link (bad %-escape)`, 2);
    }
    rest = rest.replace(/\/$/, '').trim();
    if (rest === '') throw new DialCommandError(`"${argument}" has no number after callto:`, 2);
    return rest;
  }
  throw new DialCommandError(
    `cannot dial a ${scheme}: link ("${argument}"); give a number or a tel:, callto: or sip: URI`,
    2,
  );
}

/** Phone id and event of an Action URL the fast path may answer. */
export interface FastPathRoute {
  phoneId: string;
  kind: string;
}

// Targets the URL parser leaves exactly as they are: no dot segment, and only characters it
// neither re-encodes nor treats specially (for a `%`-free path; `'` is re-encoded in a query of
// an http URL). Such a target reaches the Hono app unchanged, so answering it directly gives
// the answer the app would give.
const UNCHANGED_BY_URL_PARSER = /^\/[!#$%&(-;=?-[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;
const PREFIX = '/snom/';

/**
 * The route of a `GET /snom/{phoneId}/{event}?…` target that the phone port answers itself,
 * through the same handler as the Hono app: both segments non-empty, no `%` in the path (Hono
 * decodes escapes there), and a target the URL parser would not change. Everything else
 * (`undefined`) goes through the app. This is the request phones send; skipping the `Request`,
 * router and `Response` for it is most of the listener's speed (see bench/listener).
 */
export function matchFastPath(target: string): FastPathRoute | undefined {
  if (!target.startsWith(PREFIX)) return undefined;
  const length = target.length;
  let slash = -1;
  let end = length;
  for (let i = PREFIX.length; i < length; i++) {
    const c = target.charCodeAt(i);
    if (c === 63 || c === 35) {
      end = i;
      break;
    }
    if (c === 37) return undefined;
    if (c === 47) {
      if (slash >= 0) return undefined;
      slash = i;
    }
  }
  if (slash <= PREFIX.length || slash === end - 1) return undefined;
  if (!UNCHANGED_BY_URL_PARSER.test(target)) return undefined;
  if (target.includes('/.') && DOT_SEGMENT.test(target)) return undefined;
  return { phoneId: target.slice(PREFIX.length, slash), kind: target.slice(slash + 1, end) };
}

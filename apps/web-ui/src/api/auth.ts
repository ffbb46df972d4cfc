/**
 * Admin token handling. The daemon's printed URL `/?token=…` signs in by itself (the daemon sets
 * an HttpOnly cookie); a token pasted on the sign-in page is kept in sessionStorage (gone when the
 * tab closes) and sent as a Bearer header, and once as `?token=` on the event stream.
 */
const KEY = 'snomlink.token';

/** The pasted token of this tab, or null when the cookie alone signs us in. */
export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Keeps a pasted token for this tab. */
export function storeToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // storage disabled: the cookie set by `?token=` still signs us in
  }
}

/** Forgets the token of this tab. */
export function clearToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}

/**
 * Takes `?token=` off the address bar (so it is not bookmarked or shared) and returns it.
 * The daemon has already set its cookie while serving the page.
 */
export function takeTokenFromUrl(): string | null {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token === null) return null;
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  return token;
}

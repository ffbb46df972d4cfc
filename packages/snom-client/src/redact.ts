const SECRET_KEY = /pass|pwd|secret|token|^k$|key_?phrase/i;

/**
 * Removes credentials from a URL or message: userinfo, query values whose name looks secret
 * (`http_pass`, `secret`, `k`), and every occurrence of the given secrets (raw or encoded).
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text.replace(/(\/\/)[^/@\s]*@/g, '$1');
  // A key never spans a separator: `[^=&#\s]+` alone let every `;` or `?` of a long run rescan
  // the rest of it (quadratic on a hostile 1 MiB page).
  out = out.replace(/([?&;])([^=&#;?\s]+)=([^&#\s]*)/g, (match, sep: string, key: string) => {
    let name = key;
    try {
      name = decodeURIComponent(key);
    } catch {
      // keep the raw key
    }
    return SECRET_KEY.test(name) ? `${sep}${key}=***` : match;
  });
  for (const secret of secrets) {
    if (secret === '') continue;
    const forms = new Set([secret, encodeURIComponent(secret), escapeQuery(secret)]);
    for (const form of forms) out = out.split(form).join('***');
  }
  return out;
}

function escapeQuery(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

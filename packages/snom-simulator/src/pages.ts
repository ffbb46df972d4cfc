/** Escape text for an HTML page (`&`, `<`, `>`, `"`). */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Settings the phone shows empty on settings.htm (passwords). */
const HIDDEN = /pass|pwd/i;

/**
 * `settings.htm`: `<html><body><pre>` then one `name: value` line per setting, sorted by name.
 * (Assumption: the real page's layout is not documented; this mirrors the old plain-text
 * setting file format `name: value`, snom-protocol.md §2, S13.)
 */
export function renderSettingsPage(settings: ReadonlyMap<string, string>): string {
  const lines = [...settings.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${escapeHtml(name)}: ${HIDDEN.test(name) ? '' : escapeHtml(value)}`);
  return `<html><head><title>Settings</title></head><body><pre>\n${lines.join('\n')}\n</pre></body></html>\n`;
}

/** `info.htm` (assumption: line layout modelled on what S8 greps for). */
export function renderInfoPage(info: {
  model: string;
  mac: string;
  firmware: string;
  ip: string;
  phoneManager: boolean;
}): string {
  const title = info.phoneManager ? 'Phone Manager' : `${escapeHtml(info.model)} Information`;
  return (
    `<html><head><title>${title}</title></head><body><pre>\n` +
    `Hardware: ${escapeHtml(info.model)}\n` +
    `Mac: ${escapeHtml(info.mac)}\n` +
    `Firmware: ${escapeHtml(info.firmware)}\n` +
    `IP Address: ${escapeHtml(info.ip)}\n` +
    `</pre></body></html>\n`
  );
}

/** `log.htm`: the log text escaped inside `<pre>` (format per CONTRACTS.md; an assumption). */
export function renderLogPage(text: string): string {
  return `<html><head><title>Log</title></head><body><pre>${escapeHtml(text)}</pre></body></html>\n`;
}

/** `index.htm` (the page command.htm redirects to); the title is like `snom 360` (Greenbone). */
export function renderIndexPage(title: string, identity: string): string {
  return `<html><head><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>Identity 1: ${escapeHtml(identity)}</p></body></html>\n`;
}

/** What the `garbage` fault answers: HTML-ish junk that parses as nothing useful. */
export const GARBAGE_PAGE = '<html><body><p>&#0;\u0000<<<%%% Hardware: ??? <pre><tr><td>=</body';

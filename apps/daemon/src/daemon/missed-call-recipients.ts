import type { Config } from '../config/config-schema.js';
import type { UserConfig } from '../users/user-schema.js';

/** One missed-call mail recipient: `lines` absent = every line. */
export interface MissedCallRecipient {
  readonly email: string;
  readonly name?: string;
  readonly lines?: string[];
}

/**
 * The lines a user's missed-call mail covers: every line for an admin or a `*` scope, else the
 * lines it may see or control; null when it covers none (an empty list would mean "every line"
 * to the mailer, so a user without lines must get no mail at all).
 */
function userLines(user: UserConfig): readonly string[] | 'all' | null {
  if (user.role === 'admin' || user.lines.includes('*')) return 'all';
  const control = user.role === 'viewer' ? [] : user.control;
  if (control.includes('*')) return 'all';
  const lines = [...new Set([...user.lines, ...control])];
  return lines.length === 0 ? null : lines;
}

/**
 * Who gets missed-call mail: `notify.email.recipients` (per line or every line) and every user
 * with an `email`, for the user's lines. Addresses are merged case-insensitively (their lines
 * united, "every line" winning), so one address never gets a call twice.
 */
export function missedCallRecipients(config: Config): MissedCallRecipient[] {
  const merged = new Map<string, { email: string; name?: string; lines: Set<string> | 'all' }>();
  const add = (email: string, name: string | undefined, lines: readonly string[] | 'all'): void => {
    const key = email.toLowerCase();
    const found = merged.get(key);
    if (found === undefined) {
      merged.set(key, {
        email,
        ...(name === undefined ? {} : { name }),
        lines: lines === 'all' ? 'all' : new Set(lines),
      });
      return;
    }
    if (found.lines === 'all') return;
    if (lines === 'all') found.lines = 'all';
    else for (const line of lines) found.lines.add(line);
  };
  for (const r of config.notify?.email?.recipients ?? [])
    add(r.email, r.name, r.lines === undefined || r.lines.length === 0 ? 'all' : r.lines);
  for (const user of config.users) {
    if (user.email === undefined) continue;
    const lines = userLines(user);
    if (lines !== null) add(user.email, user.name, lines);
  }
  return [...merged.values()].map((r) => ({
    email: r.email,
    ...(r.name === undefined ? {} : { name: r.name }),
    ...(r.lines === 'all' ? {} : { lines: [...r.lines] }),
  }));
}

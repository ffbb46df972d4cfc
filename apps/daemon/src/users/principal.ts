import type { MeView, UserConfig, UserRole, UserTokenConfig } from './user-schema.js';

/**
 * Who a request acts as: the admin token (every line, every route) or one user's token, with
 * the lines it may see and control. `null` line sets mean "every line".
 */
export interface Principal {
  readonly kind: 'admin-token' | 'user';
  readonly role: UserRole;
  /** `admin` for the admin token, else the user's name (for logs and the audit log). */
  readonly name: string;
  readonly userId: string | null;
  readonly tokenId: string | null;
  /** Lines it may see; null = all. Always includes the lines it may control. */
  readonly lines: ReadonlySet<string> | null;
  /** Lines it may dial from and control calls on; null = all; empty for viewers. */
  readonly control: ReadonlySet<string> | null;
}

/** The principal of the admin token in config.json. */
export const ADMIN_TOKEN_PRINCIPAL: Principal = {
  kind: 'admin-token',
  role: 'admin',
  name: 'admin',
  userId: null,
  tokenId: null,
  lines: null,
  control: null,
};

/** The principal of one of a user's tokens, from the user as currently configured. */
export function userPrincipal(user: UserConfig, token: Pick<UserTokenConfig, 'id'>): Principal {
  const base = {
    kind: 'user',
    role: user.role,
    name: user.name,
    userId: user.id,
    tokenId: token.id,
  } as const;
  if (user.role === 'admin') return { ...base, lines: null, control: null };
  const control: ReadonlySet<string> | null =
    user.role === 'viewer' ? new Set() : user.control.includes('*') ? null : new Set(user.control);
  const lines: ReadonlySet<string> | null =
    user.lines.includes('*') || control === null ? null : new Set([...user.lines, ...control]);
  return { ...base, lines, control };
}

/** Whether the principal has the admin role (configuration, users, webhooks, provisioning). */
export function isAdmin(principal: Principal): boolean {
  return principal.role === 'admin';
}

/** Whether the principal may see calls, journal entries and events of line `phoneId`. */
export function canSeeLine(principal: Principal, phoneId: string): boolean {
  return principal.lines === null || principal.lines.has(phoneId);
}

/** Whether the principal may dial from line `phoneId` and control its calls. */
export function canControlLine(principal: Principal, phoneId: string): boolean {
  if (principal.role === 'viewer') return false;
  return principal.control === null || principal.control.has(phoneId);
}

/** The lines of `all` the principal may see, in their order. */
export function visibleLines(principal: Principal, all: readonly string[]): string[] {
  return all.filter((id) => canSeeLine(principal, id));
}

/** `GET /api/me`: the principal as the web UI and scripts see it. */
export function meView(principal: Principal): MeView {
  return {
    kind: principal.kind,
    name: principal.name,
    role: principal.role,
    userId: principal.userId,
    tokenId: principal.tokenId,
    lines: principal.lines === null ? null : [...principal.lines].sort(),
    control: principal.control === null ? null : [...principal.control].sort(),
  };
}

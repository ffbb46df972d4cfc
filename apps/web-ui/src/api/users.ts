/**
 * Users, tokens, the audit log and `GET /api/me`, as the daemon answers them (apps/daemon
 * src/users/user-schema.ts and src/audit/audit-log.ts; kept here as plain types so the UI
 * bundles nothing of the daemon).
 */

/** A user's role: viewer watches, agent also dials and controls, admin does everything. */
export type UserRole = 'viewer' | 'agent' | 'admin';

/** Who the session's token is (`GET /api/me`). */
export interface MeView {
  readonly kind: 'admin-token' | 'user';
  readonly name: string;
  readonly role: UserRole;
  readonly userId: string | null;
  readonly tokenId: string | null;
  /** Line ids it may see; null = every line. */
  readonly lines: readonly string[] | null;
  /** Line ids it may dial from and control; null = every line. */
  readonly control: readonly string[] | null;
}

/** A token as listed (never its secret). */
export interface UserTokenView {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly lastUsedFrom: string | null;
}

/** A user as listed by `GET /api/users`. */
export interface UserView {
  readonly id: string;
  readonly name: string;
  readonly role: UserRole;
  readonly lines: readonly string[];
  readonly control: readonly string[];
  /** Missed calls on the user's lines are mailed here (when e-mail is set up); null = none. */
  readonly email: string | null;
  readonly createdAt: number;
  readonly tokens: readonly UserTokenView[];
}

/** `POST /api/users/{id}/tokens`: the only answer that carries the token. */
export interface CreatedToken extends UserTokenView {
  readonly userId: string;
  readonly token: string;
}

/** Whether the session may use admin pages (the daemon enforces it anyway). */
export function isAdminSession(me: MeView): boolean {
  return me.role === 'admin';
}

/** Whether the session may dial from / control calls on `phoneId`. */
export function mayControl(me: MeView, phoneId: string): boolean {
  if (me.role === 'viewer') return false;
  return me.control === null || me.control.includes(phoneId);
}

/**
 * Users, tokens and `GET /api/me` as the daemon answers them: the types are the daemon's own
 * (type-only import: nothing of the daemon is bundled), plus what the UI decides from them.
 */
import type { MeView } from '@snomlink/daemon/api';

export type { CreatedToken, MeView, UserRole, UserTokenView, UserView } from '@snomlink/daemon/api';

/** Whether the session may use admin pages (the daemon enforces it anyway). */
export function isAdminSession(me: MeView): boolean {
  return me.role === 'admin';
}

/** Whether the session may dial from / control calls on `phoneId`. */
export function mayControl(me: MeView, phoneId: string): boolean {
  if (me.role === 'viewer') return false;
  return me.control === null || me.control.includes(phoneId);
}

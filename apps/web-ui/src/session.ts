import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { MeView } from './api/users.js';

/** Full access, for pages rendered outside a signed-in shell (tests, the sign-in probe). */
const ADMIN_ME: MeView = {
  kind: 'admin-token',
  name: 'admin',
  role: 'admin',
  userId: null,
  tokenId: null,
  lines: null,
  control: null,
};

/** The signed-in token's identity and scope, provided by the shell. */
export const MeContext = createContext<MeView>(ADMIN_ME);

/** Who is signed in (role, lines), to hide what the daemon would refuse. */
export function useMe(): MeView {
  return useContext(MeContext);
}

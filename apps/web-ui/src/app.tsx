import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { clearToken, storeToken, takeTokenFromUrl } from './api/auth.js';
import { api, isUnauthorized, onUnauthorized } from './api/client.js';
import { isAdminSession } from './api/users.js';
import type { MeView } from './api/users.js';
import { ErrorBox } from './components/ui.js';
import { ActionUrlsPage } from './pages/action-urls.js';
import { ClusterPage } from './pages/cluster.js';
import { DirectoryPage } from './pages/directory.js';
import { DialingPage } from './pages/dialing.js';
import { EventsPage } from './pages/events.js';
import { JournalPage } from './pages/journal.js';
import { LinesPage } from './pages/lines.js';
import { PhoneEditPage } from './pages/phone-edit.js';
import { PhonesPage } from './pages/phones.js';
import { SignInPage } from './pages/sign-in.js';
import { UsersPage } from './pages/users.js';
import { MeContext } from './session.js';
import { Link, navigate, usePath } from './router.js';
import { startLive, stopLive, useLive } from './store.js';

type Session =
  | { readonly kind: 'checking' }
  | { readonly kind: 'out'; readonly reason?: string }
  | { readonly kind: 'in'; readonly me: MeView };

/** Pages: [href, label, admin only]. Users see their lines, journal and events. */
const NAV: readonly (readonly [string, string, boolean])[] = [
  ['/', 'Lines', false],
  ['/phones', 'Phones', true],
  ['/action-urls', 'Action URLs', true],
  ['/dialing', 'Dialing rules', true],
  ['/directory', 'Directory', true],
  ['/journal', 'Journal', false],
  ['/events', 'Events', false],
  ['/users', 'Users', true],
  ['/cluster', 'Cluster', true],
];

/** Who the token (cookie, or `token`) is; 401 when it is not valid. */
async function probe(token?: string): Promise<MeView> {
  return api<MeView>(
    'GET',
    '/api/me',
    token === undefined ? { silent: true } : { token, silent: true },
  );
}

/** Checks the session at start: cookie (set by the daemon for `/?token=`), else the stored token. */
async function checkSession(): Promise<Session> {
  const urlToken = takeTokenFromUrl();
  try {
    return { kind: 'in', me: await probe() };
  } catch (e) {
    if (!isUnauthorized(e)) throw e;
  }
  if (urlToken !== null) {
    // Served without the daemon's cookie (e.g. the Vite dev server): keep the token for this tab.
    try {
      const me = await probe(urlToken);
      storeToken(urlToken);
      return { kind: 'in', me };
    } catch (e) {
      if (!isUnauthorized(e)) throw e;
      return { kind: 'out', reason: 'The token in the address is not valid (any more).' };
    }
  }
  return { kind: 'out' };
}

/** The admin panel: sign-in gate, navigation, and the pages. */
export function App(): JSX.Element {
  const [session, setSession] = useState<Session>({ kind: 'checking' });
  const [bootError, setBootError] = useState<unknown>(null);

  useEffect(() => {
    checkSession().then(setSession, (e: unknown) => {
      setBootError(e);
    });
    return onUnauthorized(() => {
      stopLive();
      clearToken();
      setSession({
        kind: 'out',
        reason: 'The daemon no longer accepts this session; sign in again.',
      });
    });
  }, []);

  useEffect(() => {
    if (session.kind === 'in') startLive();
  }, [session.kind]);

  if (bootError !== null) {
    return (
      <main id="main">
        <h1>snomlink</h1>
        <ErrorBox error={bootError} />
        <button
          type="button"
          onClick={() => {
            window.location.reload();
          }}
        >
          Retry
        </button>
      </main>
    );
  }
  if (session.kind === 'checking') {
    return (
      <main id="main">
        <p class="muted">Connecting to the daemon…</p>
      </main>
    );
  }
  if (session.kind === 'out') {
    return (
      <SignInPage
        {...(session.reason !== undefined ? { reason: session.reason } : {})}
        onSignIn={async (token) => {
          const me = await probe(token);
          storeToken(token);
          setSession({ kind: 'in', me });
        }}
      />
    );
  }
  return (
    <MeContext.Provider value={session.me}>
      <Shell
        me={session.me}
        onSignOut={async () => {
          stopLive();
          // The session cookie is HttpOnly: only the daemon can clear it (POST /api/sign-out).
          // Wait for it, so a reload right after shows the sign-in page; sign out locally anyway
          // when the daemon cannot be reached.
          await api('POST', '/api/sign-out', { silent: true }).catch(() => undefined);
          clearToken();
          setSession({ kind: 'out', reason: 'Signed out.' });
          navigate('/', true);
        }}
      />
    </MeContext.Provider>
  );
}

function Shell(props: { me: MeView; onSignOut: () => Promise<void> }): JSX.Element {
  const admin = isAdminSession(props.me);
  const path = usePath();
  const live = useLive();
  const [signingOut, setSigningOut] = useState(false);
  const pathname = path.split('?')[0] ?? '/';
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">snomlink</span>
        <nav aria-label="Main">
          {NAV.filter(([, , adminOnly]) => admin || !adminOnly).map(([href, label]) => (
            <Link
              key={href}
              href={href}
              current={href === '/' ? pathname === '/' : pathname.startsWith(href)}
            >
              {label}
            </Link>
          ))}
        </nav>
        <span class="small muted" data-testid="signed-in-as">
          {props.me.name} ({props.me.role})
        </span>
        <span class={`live ${live.connected ? 'on' : 'off'}`} role="status">
          {live.connected ? 'live' : 'reconnecting'}
        </span>
        <button
          type="button"
          disabled={signingOut}
          onClick={() => {
            setSigningOut(true);
            void props.onSignOut();
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page pathname={pathname} admin={admin} />
      </main>
    </>
  );
}

function Page(props: { pathname: string; admin: boolean }): JSX.Element {
  const p = props.pathname;
  if (p === '/' || p === '/lines') return <LinesPage />;
  if (p === '/journal') return <JournalPage />;
  if (p === '/events') return <EventsPage />;
  if (!props.admin) {
    return (
      <>
        <h1>Not available</h1>
        <p>
          This page needs the admin role. <Link href="/">Go to your lines</Link>.
        </p>
      </>
    );
  }
  if (p === '/users') return <UsersPage />;
  if (p === '/phones') return <PhonesPage />;
  if (p === '/phones/new') return <PhoneEditPage id={null} />;
  const phone = /^\/phones\/([^/]+)$/.exec(p);
  if (phone?.[1] !== undefined) return <PhoneEditPage id={decodeURIComponent(phone[1])} />;
  if (p === '/action-urls') return <ActionUrlsPage />;
  if (p === '/dialing') return <DialingPage />;
  if (p === '/directory') return <DirectoryPage />;
  if (p === '/cluster') return <ClusterPage />;
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no page at this address. <Link href="/">Go to the lines</Link>.
      </p>
    </>
  );
}

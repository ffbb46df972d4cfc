import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { clearToken, storeToken, takeTokenFromUrl } from './api/auth.js';
import { api, isUnauthorized, onUnauthorized } from './api/client.js';
import type { PhoneList } from './api/types.js';
import { ErrorBox } from './components/ui.js';
import { ActionUrlsPage } from './pages/action-urls.js';
import { DirectoryPage } from './pages/directory.js';
import { DialingPage } from './pages/dialing.js';
import { EventsPage } from './pages/events.js';
import { JournalPage } from './pages/journal.js';
import { LinesPage } from './pages/lines.js';
import { PhoneEditPage } from './pages/phone-edit.js';
import { PhonesPage } from './pages/phones.js';
import { SignInPage } from './pages/sign-in.js';
import { Link, navigate, usePath } from './router.js';
import { startLive, stopLive, useLive } from './store.js';

type Session =
  | { readonly kind: 'checking' }
  | { readonly kind: 'out'; readonly reason?: string }
  | { readonly kind: 'in' };

const NAV: readonly (readonly [string, string])[] = [
  ['/', 'Lines'],
  ['/phones', 'Phones'],
  ['/action-urls', 'Action URLs'],
  ['/dialing', 'Dialing rules'],
  ['/directory', 'Directory'],
  ['/journal', 'Journal'],
  ['/events', 'Events'],
];

async function probe(token?: string): Promise<void> {
  await api<PhoneList>(
    'GET',
    '/api/phones',
    token === undefined ? { silent: true } : { token, silent: true },
  );
}

/** Checks the session at start: cookie (set by the daemon for `/?token=`), else the stored token. */
async function checkSession(): Promise<Session> {
  const urlToken = takeTokenFromUrl();
  try {
    await probe();
    return { kind: 'in' };
  } catch (e) {
    if (!isUnauthorized(e)) throw e;
  }
  if (urlToken !== null) {
    // Served without the daemon's cookie (e.g. the Vite dev server): keep the token for this tab.
    try {
      await probe(urlToken);
      storeToken(urlToken);
      return { kind: 'in' };
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
          await probe(token);
          storeToken(token);
          setSession({ kind: 'in' });
        }}
      />
    );
  }
  return (
    <Shell
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
  );
}

function Shell(props: { onSignOut: () => Promise<void> }): JSX.Element {
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
          {NAV.map(([href, label]) => (
            <Link
              key={href}
              href={href}
              current={href === '/' ? pathname === '/' : pathname.startsWith(href)}
            >
              {label}
            </Link>
          ))}
        </nav>
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
        <Page pathname={pathname} />
      </main>
    </>
  );
}

function Page(props: { pathname: string }): JSX.Element {
  const p = props.pathname;
  if (p === '/' || p === '/lines') return <LinesPage />;
  if (p === '/phones') return <PhonesPage />;
  if (p === '/phones/new') return <PhoneEditPage id={null} />;
  const phone = /^\/phones\/([^/]+)$/.exec(p);
  if (phone?.[1] !== undefined) return <PhoneEditPage id={decodeURIComponent(phone[1])} />;
  if (p === '/action-urls') return <ActionUrlsPage />;
  if (p === '/dialing') return <DialingPage />;
  if (p === '/directory') return <DirectoryPage />;
  if (p === '/journal') return <JournalPage />;
  if (p === '/events') return <EventsPage />;
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no page at this address. <Link href="/">Go to the lines</Link>.
      </p>
    </>
  );
}

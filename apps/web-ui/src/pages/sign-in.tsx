import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ErrorBox, Field, useAction } from '../components/ui.js';

/**
 * Sign-in with the admin token the daemon printed (its URL `/?token=…` signs in by itself) or
 * a user's own token (`slu_…`, created on the Users page).
 */
export function SignInPage(props: {
  onSignIn: (token: string) => Promise<void>;
  reason?: string;
}): JSX.Element {
  const [token, setToken] = useState('');
  const action = useAction();
  return (
    <main id="main">
      <div class="card" style={{ maxWidth: '460px', margin: '40px auto' }}>
        <h1>Sign in to snomlink</h1>
        <p class="muted">
          Open the address the daemon printed at start (it ends in <code>/?token=…</code>), paste
          the admin token from <code>config.json</code> (<code>admin.token</code>), or paste your
          own token (<code>slu_…</code>) that the admin created for you.
        </p>
        {props.reason !== undefined ? <p class="alert error">{props.reason}</p> : null}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(() => props.onSignIn(token.trim()));
          }}
        >
          <Field id="token" label="Token">
            <input
              id="token"
              name="token"
              type="password"
              autocomplete="current-password"
              required
              value={token}
              onInput={(e) => {
                setToken(e.currentTarget.value);
              }}
            />
          </Field>
          <ErrorBox error={action.error} />
          <button class="primary" type="submit" disabled={action.busy || token.trim() === ''}>
            Sign in
          </button>
        </form>
      </div>
    </main>
  );
}

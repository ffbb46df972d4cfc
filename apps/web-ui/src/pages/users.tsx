import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, seg } from '../api/client.js';
import type { PhoneList } from '../api/types.js';
import type { CreatedToken, UserRole, UserView } from '../api/users.js';
import { CopyButton, ErrorBox, Field, useAction, useLoad } from '../components/ui.js';

const ROLES: readonly { value: UserRole; label: string }[] = [
  { value: 'viewer', label: 'Viewer — sees its lines' },
  { value: 'agent', label: 'Agent — also dials and controls calls on its control lines' },
  { value: 'admin', label: 'Admin — everything, like the admin token' },
];

function when(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toLocaleString();
}

/** Admin: users with their role and lines, their tokens (created once, revoked), last use. */
export function UsersPage(): JSX.Element {
  const users = useLoad(
    (signal) => api<{ users: UserView[] }>('GET', '/api/users', { signal }),
    [],
  );
  const phones = useLoad((signal) => api<PhoneList>('GET', '/api/phones', { signal }), []);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const action = useAction();
  const phoneIds = phones.value?.phones.map((p) => p.id) ?? [];

  const createToken = (user: UserView): void => {
    void action.run(async () => {
      const token = await api<CreatedToken>('POST', `/api/users/${seg(user.id)}/tokens`, {
        body: { name: `token ${String(user.tokens.length + 1)}` },
      });
      setCreated(token);
      users.reload();
    });
  };

  return (
    <>
      <h1>Users</h1>
      <p class="muted">
        Give each person or program its own token instead of the admin token: a viewer sees the
        calls and journal of its lines, an agent also dials and controls calls on its control lines.
        Tokens are shown once and stored only as a hash.
      </p>
      <ErrorBox error={users.error ?? phones.error ?? action.error} />
      {created !== null ? (
        <div class="alert" role="status" data-testid="new-token">
          <p>
            New token <strong>{created.name}</strong>: copy it now, it is not shown again.
          </p>
          <p class="row">
            <code class="mono" data-testid="new-token-value">
              {created.token}
            </code>
            <CopyButton text={created.token} />
            <button
              type="button"
              onClick={() => {
                setCreated(null);
              }}
            >
              Done
            </button>
          </p>
        </div>
      ) : null}
      <NewUser
        phoneIds={phoneIds}
        onCreated={() => {
          users.reload();
        }}
      />
      {users.value === undefined ? (
        <p class="muted">Loading users…</p>
      ) : users.value.users.length === 0 ? (
        <p class="muted">No users yet.</p>
      ) : (
        users.value.users.map((user) => (
          <section class="card" key={user.id} data-user={user.name}>
            <div class="row between">
              <h2>
                {user.name} <span class="badge">{user.role}</span>
              </h2>
              <div class="row">
                <button
                  type="button"
                  disabled={action.busy}
                  onClick={() => {
                    createToken(user);
                  }}
                >
                  Create token
                </button>
                <button
                  type="button"
                  class="danger"
                  disabled={action.busy}
                  onClick={() => {
                    if (!window.confirm(`Delete ${user.name} and revoke all its tokens?`)) return;
                    void action.run(async () => {
                      await api('DELETE', `/api/users/${seg(user.id)}`);
                      users.reload();
                    });
                  }}
                >
                  Delete user
                </button>
              </div>
            </div>
            <p class="small">
              Sees: {user.lines.length === 0 ? 'no line' : user.lines.join(', ')}
              {user.role === 'viewer'
                ? ''
                : ` · controls: ${user.role === 'admin' ? 'every line' : user.control.length === 0 ? 'no line' : user.control.join(', ')}`}
            </p>
            <UserEmail
              user={user}
              onSaved={() => {
                users.reload();
              }}
            />
            {user.tokens.length === 0 ? (
              <p class="muted small">No token.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Token</th>
                    <th>Created</th>
                    <th>Last used</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {user.tokens.map((t) => (
                    <tr key={t.id}>
                      <td>
                        {t.name} <span class="muted mono small">{t.id}</span>
                      </td>
                      <td>{when(t.createdAt)}</td>
                      <td>
                        {when(t.lastUsedAt)}
                        {t.lastUsedFrom !== null ? ` from ${t.lastUsedFrom}` : ''}
                      </td>
                      <td>
                        <button
                          type="button"
                          class="danger"
                          disabled={action.busy}
                          onClick={() => {
                            void action.run(async () => {
                              await api('DELETE', `/api/users/${seg(user.id)}/tokens/${seg(t.id)}`);
                              users.reload();
                            });
                          }}
                        >
                          Revoke
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        ))
      )}
    </>
  );
}

/** A user's missed-call e-mail address: set, change or remove (empty). */
function UserEmail(props: { user: UserView; onSaved: () => void }): JSX.Element {
  const [email, setEmail] = useState(props.user.email ?? '');
  const action = useAction();
  const id = `user-email-${props.user.id}`;
  return (
    <form
      class="row"
      aria-label={`Missed-call e-mail of ${props.user.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          await api('PUT', `/api/users/${seg(props.user.id)}`, { body: { email: email.trim() } });
          props.onSaved();
        });
      }}
    >
      <label for={id} class="small">
        Missed-call e-mail
      </label>
      <input
        id={id}
        type="email"
        maxLength={254}
        placeholder="none"
        value={email}
        onInput={(e) => {
          setEmail(e.currentTarget.value);
        }}
      />
      <button type="submit" disabled={action.busy || email.trim() === (props.user.email ?? '')}>
        Save e-mail
      </button>
      <ErrorBox error={action.error} />
    </form>
  );
}

function LineChecks(props: {
  legend: string;
  phoneIds: readonly string[];
  value: readonly string[];
  onChange: (value: string[]) => void;
}): JSX.Element {
  const all = props.value.includes('*');
  const toggle = (id: string, on: boolean): void => {
    const rest = props.value.filter((v) => v !== id);
    props.onChange(on ? [...rest, id] : rest);
  };
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      <label>
        <input
          type="checkbox"
          checked={all}
          onChange={(e) => {
            toggle('*', e.currentTarget.checked);
          }}
        />{' '}
        every line
      </label>
      {props.phoneIds.map((id) => (
        <label key={id}>
          <input
            type="checkbox"
            name={`${props.legend}-${id}`}
            disabled={all}
            checked={props.value.includes(id)}
            onChange={(e) => {
              toggle(id, e.currentTarget.checked);
            }}
          />{' '}
          {id}
        </label>
      ))}
    </fieldset>
  );
}

function NewUser(props: { phoneIds: readonly string[]; onCreated: () => void }): JSX.Element {
  const [name, setName] = useState('');
  const [role, setRole] = useState<UserRole>('viewer');
  const [lines, setLines] = useState<string[]>([]);
  const [control, setControl] = useState<string[]>([]);
  const [email, setEmail] = useState('');
  const action = useAction();
  return (
    <form
      class="card"
      aria-label="New user"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          await api('POST', '/api/users', {
            body: {
              name: name.trim(),
              role,
              lines,
              control: role === 'viewer' ? [] : control,
              ...(email.trim() === '' ? {} : { email: email.trim() }),
            },
          });
          setName('');
          setEmail('');
          setLines([]);
          setControl([]);
          props.onCreated();
        });
      }}
    >
      <h2>New user</h2>
      <Field id="user-name" label="Name">
        <input
          id="user-name"
          required
          maxLength={100}
          value={name}
          onInput={(e) => {
            setName(e.currentTarget.value);
          }}
        />
      </Field>
      <Field id="user-role" label="Role">
        <select
          id="user-role"
          value={role}
          onChange={(e) => {
            setRole(e.currentTarget.value as UserRole);
          }}
        >
          {ROLES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </Field>
      <Field
        id="user-email"
        label="Missed-call e-mail (optional: missed calls on the user's lines are mailed here)"
      >
        <input
          id="user-email"
          type="email"
          maxLength={254}
          value={email}
          onInput={(e) => {
            setEmail(e.currentTarget.value);
          }}
        />
      </Field>
      {role === 'admin' ? null : (
        <LineChecks legend="Sees" phoneIds={props.phoneIds} value={lines} onChange={setLines} />
      )}
      {role === 'agent' ? (
        <LineChecks
          legend="Controls"
          phoneIds={props.phoneIds}
          value={control}
          onChange={setControl}
        />
      ) : null}
      <ErrorBox error={action.error} />
      <button class="primary" type="submit" disabled={action.busy || name.trim() === ''}>
        Create user
      </button>
    </form>
  );
}

import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, seg } from '../api/client.js';
import type {
  CallCommand,
  CallView,
  DialResult,
  DirectorySearchResult,
  ListenerStatus,
  PhoneView,
} from '../api/types.js';
import { ErrorBox, Field, useAction, useLoad } from '../components/ui.js';
import { HealthBadge } from '../components/health.js';
import { PresenceBar } from '../components/presence.js';
import { useDialRules } from '../dial-rules-store.js';
import { callActions } from '../lib/call-actions.js';
import { dialPreview } from '../lib/dial-preview.js';
import { formatDuration } from '../lib/format.js';
import { Link } from '../router.js';
import { isAdminSession, mayControl } from '../api/users.js';
import { useMe } from '../session.js';
import { useLive } from '../store.js';

/** Re-renders every `ms` while `active`; the ticking call durations (no server polling). */
function useNow(active: boolean, ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => {
      setNow(Date.now());
    }, ms);
    return () => {
      clearInterval(timer);
    };
  }, [active, ms]);
  return now;
}

/** Home: every phone with its state and live calls, call control and click-to-dial. */
export function LinesPage(): JSX.Element {
  const live = useLive();
  const me = useMe();
  const admin = isAdminSession(me);
  // The listener is the admin's business; a user's token would get 403 for it.
  const listener = useLoad(
    (signal) =>
      admin ? api<ListenerStatus>('GET', '/api/listener', { signal }) : Promise.resolve(undefined),
    [admin],
  );
  const now = useNow(live.calls.length > 0);
  const phones = live.phones;
  return (
    <>
      <div class="row between">
        <h1>Lines</h1>
        {admin ? (
          <div class="row small">
            <span>Listener</span>
            {listener.value !== undefined ? (
              <span
                class={`badge ${listener.value.state === 'active' ? 'ok' : 'bad'}`}
                data-testid="listener-state"
              >
                {listener.value.state === 'active' ? 'Active' : 'Inactive'} {listener.value.host}:
                {listener.value.port}
              </span>
            ) : (
              <span class="badge">…</span>
            )}
          </div>
        ) : null}
      </div>
      <ErrorBox error={live.loadError ?? listener.error} />
      {phones === null ? (
        <p class="muted">Loading phones…</p>
      ) : phones.length === 0 ? (
        <div class="card">
          {admin ? (
            <>
              <p>No phones yet.</p>
              <Link href="/phones/new" class="button">
                Add a phone
              </Link>
            </>
          ) : (
            <p>No line is shared with you yet; ask the admin.</p>
          )}
        </div>
      ) : (
        phones.map((phone) => (
          <PhoneCard
            key={phone.id}
            phone={phone}
            calls={live.calls.filter((c) => c.phoneId === phone.id)}
            lastEventAt={live.lastEvent[phone.id]?.at}
            now={now}
          />
        ))
      )}
      {phones !== null
        ? live.calls
            .filter((c) => !phones.some((p) => p.id === c.phoneId))
            .map((c) => <CallRow key={c.id} call={c} now={now} />)
        : null}
    </>
  );
}

function PhoneCard(props: {
  phone: PhoneView;
  calls: readonly CallView[];
  lastEventAt: number | undefined;
  now: number;
}): JSX.Element {
  const { phone } = props;
  const me = useMe();
  const control = mayControl(me, phone.id);
  return (
    <section class="card" aria-labelledby={`phone-${phone.id}`} data-phone={phone.id}>
      <div class="row between">
        <h2 id={`phone-${phone.id}`}>
          {phone.name !== '' ? phone.name : phone.id} <span class="muted small">({phone.id})</span>
        </h2>
        <div class="row">
          <HealthBadge health={phone.health} />
          {isAdminSession(me) ? (
            <Link href={`/phones/${seg(phone.id)}`} class="button">
              Edit
            </Link>
          ) : null}
        </div>
      </div>
      <p class="small muted">
        {phone.model} ·{' '}
        {phone.capabilities === 'full' ? 'Action URLs with parameters' : 'parameterless + log scan'}{' '}
        · {phone.scheme}://{phone.host}
        {props.lastEventAt !== undefined
          ? ` · last event ${new Date(props.lastEventAt).toLocaleTimeString()}`
          : ''}
      </p>
      <PresenceBar phone={phone} />
      {props.calls.length === 0 ? (
        <p class="muted small">No call.</p>
      ) : (
        <ul class="calls" aria-label={`Calls on ${phone.id}`}>
          {props.calls.map((c) => (
            <CallRow key={c.id} call={c} now={props.now} />
          ))}
        </ul>
      )}
      {control ? <DialBox phoneId={phone.id} /> : null}
    </section>
  );
}

const STATE_CLASS: Partial<Record<CallView['state'], string>> = {
  offering: 'warn',
  accepted: 'warn',
  connected: 'ok',
  onhold: 'warn',
  disconnected: 'bad',
  busy: 'bad',
};

/** The far end of a call: who is calling us, or whom we called. */
function remoteParty(call: CallView): CallView['callerId'] {
  return call.connectedId ?? (call.direction === 'outbound' ? call.calledId : call.callerId);
}

function CallRow(props: { call: CallView; now: number }): JSX.Element {
  const { call } = props;
  const party = remoteParty(call);
  const actions = callActions(call.state, call.direction);
  const action = useAction();
  const control = mayControl(useMe(), call.phoneId);
  const since = call.connectedAt ?? call.startedAt;
  const run = (command: CallCommand): void => {
    void action.run(() => api('POST', `/api/calls/${seg(call.id)}/${command}`));
  };
  const number = party.anonymous
    ? 'anonymous'
    : (party.canonical ?? party.number ?? 'unknown number');
  return (
    <li class="call" data-call={call.id}>
      <span class={`badge ${STATE_CLASS[call.state] ?? ''}`} data-testid="call-state">
        {call.state}
      </span>
      <span aria-label={call.direction} title={call.direction}>
        {call.direction === 'inbound' ? '↘ in' : call.direction === 'outbound' ? '↗ out' : '?'}
      </span>
      <span class="who">
        {party.displayName !== null && party.displayName !== '' ? (
          <span class="name" data-testid="call-name">
            {party.displayName}
          </span>
        ) : null}{' '}
        {party.directoryName !== null && party.directoryName !== '' ? (
          <span
            class={party.displayName === null ? 'name' : 'muted'}
            title="from the directory"
            data-testid="call-directory-name"
          >
            {party.displayName === null ? party.directoryName : `(${party.directoryName})`}
          </span>
        ) : null}{' '}
        <span class="mono" data-testid="call-number">
          {number}
        </span>
      </span>
      <span class="mono" aria-label="duration" data-testid="call-duration">
        {formatDuration(props.now - since)}
      </span>
      {control ? (
        <span class="row">
          <button
            type="button"
            disabled={!actions.answer || action.busy}
            onClick={() => {
              run('answer');
            }}
          >
            Answer
          </button>
          {actions.unhold ? (
            <button
              type="button"
              disabled={action.busy}
              onClick={() => {
                run('unhold');
              }}
            >
              Resume
            </button>
          ) : (
            <button
              type="button"
              disabled={!actions.hold || action.busy}
              onClick={() => {
                run('hold');
              }}
            >
              Hold
            </button>
          )}
          <button
            type="button"
            class="danger"
            disabled={!actions.drop || action.busy}
            onClick={() => {
              run('drop');
            }}
          >
            Drop
          </button>
        </span>
      ) : null}
      {action.error !== null ? (
        <div style={{ flexBasis: '100%' }}>
          <ErrorBox error={action.error} />
        </div>
      ) : null}
    </li>
  );
}

/** Directory entries whose name matches `text` (letters typed into the dial box), debounced. */
function useDirectorySearch(text: string): DirectorySearchResult['hits'] {
  const [hits, setHits] = useState<DirectorySearchResult['hits']>([]);
  const query = /\p{L}/u.test(text) && text.trim().length >= 2 ? text.trim() : '';
  useEffect(() => {
    if (query === '') {
      setHits([]);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api<DirectorySearchResult>(
        'GET',
        `/api/directory/search?q=${encodeURIComponent(query)}&limit=8`,
        { signal: controller.signal },
      ).then(
        (r) => {
          setHits(r.hits);
        },
        () => {
          if (!controller.signal.aborted) setHits([]);
        },
      );
    }, 200);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query]);
  return hits;
}

function DialBox(props: { phoneId: string }): JSX.Element {
  const [number, setNumber] = useState('');
  const [result, setResult] = useState<DialResult | null>(null);
  const { rules, error: rulesError } = useDialRules();
  const action = useAction();
  const hits = useDirectorySearch(number);
  const preview = rules !== null && number.trim() !== '' ? dialPreview(number, rules) : null;
  const id = `dial-${props.phoneId}`;
  const dial = (target: string): void => {
    setResult(null);
    void action
      .run(() =>
        api<DialResult>('POST', `/api/phones/${seg(props.phoneId)}/dial`, {
          body: { number: target.trim() },
        }),
      )
      .then((r) => {
        if (r !== undefined) setResult(r);
      });
  };
  return (
    <form
      class="dial"
      onSubmit={(e) => {
        e.preventDefault();
        // Letters too: the daemon says why it cannot dial them (the hits below dial a number).
        dial(number);
      }}
    >
      <Field id={id} label="Dial a number or search a name">
        <input
          id={id}
          type="tel"
          inputMode="tel"
          autocomplete="off"
          value={number}
          onInput={(e) => {
            setNumber(e.currentTarget.value);
            setResult(null);
          }}
        />
      </Field>
      <button class="primary" type="submit" disabled={action.busy || number.trim() === ''}>
        Dial
      </button>
      {hits.length > 0 ? (
        <ul class="search-hits" style={{ flexBasis: '100%' }} data-testid="directory-hits">
          {hits.flatMap((hit) =>
            hit.numbers.map((n) => (
              <li key={`${hit.source}:${hit.entryId}:${n.value}`}>
                <button
                  type="button"
                  data-testid="directory-hit"
                  disabled={action.busy}
                  onClick={() => {
                    setNumber(n.value);
                    dial(n.value);
                  }}
                >
                  {hit.name}
                  {hit.organization !== null ? ` (${hit.organization})` : ''} ·{' '}
                  <span class="mono">{n.value}</span> <span class="muted small">{n.label}</span>
                </button>
              </li>
            )),
          )}
        </ul>
      ) : null}
      <div style={{ flexBasis: '100%' }} class="small" aria-live="polite">
        {preview !== null ? (
          preview.dialable !== null ? (
            <span>
              Phone will dial{' '}
              <strong class="mono" data-testid="dialable">
                {preview.dialable}
              </strong>
              {preview.canonical !== null ? (
                <span class="muted"> · {preview.canonical}</span>
              ) : null}
            </span>
          ) : (
            <span class="muted">{preview.problem}</span>
          )
        ) : null}
        {result !== null ? (
          <span class="badge ok" data-testid="dialed">
            Dialed {result.dialed}
          </span>
        ) : null}
        <ErrorBox error={action.error ?? rulesError} />
      </div>
    </form>
  );
}

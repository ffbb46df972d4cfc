import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, seg } from '../api/client.js';
import type { CallCommand, CallView, DialResult, ListenerStatus, PhoneView } from '../api/types.js';
import { ErrorBox, Field, useAction, useLoad } from '../components/ui.js';
import { HealthBadge } from '../components/health.js';
import { PresenceBar } from '../components/presence.js';
import { useDialRules } from '../dial-rules-store.js';
import { callActions } from '../lib/call-actions.js';
import { dialPreview } from '../lib/dial-preview.js';
import { formatDuration } from '../lib/format.js';
import { Link } from '../router.js';
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
  const listener = useLoad((signal) => api<ListenerStatus>('GET', '/api/listener', { signal }), []);
  const now = useNow(live.calls.length > 0);
  const phones = live.phones;
  return (
    <>
      <div class="row between">
        <h1>Lines</h1>
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
      </div>
      <ErrorBox error={live.loadError ?? listener.error} />
      {phones === null ? (
        <p class="muted">Loading phones…</p>
      ) : phones.length === 0 ? (
        <div class="card">
          <p>No phones yet.</p>
          <Link href="/phones/new" class="button">
            Add a phone
          </Link>
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
  return (
    <section class="card" aria-labelledby={`phone-${phone.id}`} data-phone={phone.id}>
      <div class="row between">
        <h2 id={`phone-${phone.id}`}>
          {phone.name !== '' ? phone.name : phone.id} <span class="muted small">({phone.id})</span>
        </h2>
        <div class="row">
          <HealthBadge health={phone.health} />
          <Link href={`/phones/${seg(phone.id)}`} class="button">
            Edit
          </Link>
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
      <DialBox phoneId={phone.id} />
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
        <span class="mono" data-testid="call-number">
          {number}
        </span>
      </span>
      <span class="mono" aria-label="duration" data-testid="call-duration">
        {formatDuration(props.now - since)}
      </span>
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
      {action.error !== null ? (
        <div style={{ flexBasis: '100%' }}>
          <ErrorBox error={action.error} />
        </div>
      ) : null}
    </li>
  );
}

function DialBox(props: { phoneId: string }): JSX.Element {
  const [number, setNumber] = useState('');
  const [result, setResult] = useState<DialResult | null>(null);
  const { rules, error: rulesError } = useDialRules();
  const action = useAction();
  const preview = rules !== null && number.trim() !== '' ? dialPreview(number, rules) : null;
  const id = `dial-${props.phoneId}`;
  return (
    <form
      class="dial"
      onSubmit={(e) => {
        e.preventDefault();
        setResult(null);
        void action
          .run(() =>
            api<DialResult>('POST', `/api/phones/${seg(props.phoneId)}/dial`, {
              body: { number: number.trim() },
            }),
          )
          .then((r) => {
            if (r !== undefined) setResult(r);
          });
      }}
    >
      <Field id={id} label="Dial a number">
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

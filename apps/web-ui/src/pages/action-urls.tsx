import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, seg } from '../api/client.js';
import type {
  ActionUrlsView,
  ListenerStatus,
  ListenerUpdate,
  ListenerUpdateResult,
  PhoneView,
} from '../api/types.js';
import { CopyButton, ErrorBox, Field, useAction, useLoad } from '../components/ui.js';
import { Link } from '../router.js';
import { firewallCommands } from '../lib/firewall.js';
import { currentSeq, useLive } from '../store.js';

/** The listener (state, Start/Stop, public address), every phone's Action URLs, firewall help. */
export function ActionUrlsPage(): JSX.Element {
  const status = useLoad((signal) => api<ListenerStatus>('GET', '/api/listener', { signal }), []);
  const control = useAction();
  const live = useLive();
  const l = status.value;
  const toggle = (what: 'start' | 'stop'): void => {
    void control
      .run(() => api<ListenerStatus>('POST', `/api/listener/${what}`))
      .then((s) => {
        if (s !== undefined) status.set(s);
      });
  };
  return (
    <>
      <h1>Action URLs</h1>
      <p class="muted small">
        snom phones report call events by calling these addresses on the listener (the
        micro-webserver). Transfer them to a phone from its page, or paste them into the phone's web
        configuration (Advanced → Action URL Settings).
      </p>
      <section class="card" aria-labelledby="listener">
        <h2 id="listener">Listener</h2>
        <ErrorBox error={status.error ?? control.error} />
        {l === undefined ? (
          <p class="muted">Loading…</p>
        ) : (
          <>
            <dl class="grid">
              <div class="field">
                <dt class="muted small">Local address</dt>
                <dd class="mono" style={{ margin: 0 }}>
                  {l.host}
                </dd>
              </div>
              <div class="field">
                <dt class="muted small">TCP port</dt>
                <dd class="mono" style={{ margin: 0 }}>
                  {l.port}
                </dd>
              </div>
              <div class="field">
                <dt class="muted small">State</dt>
                <dd style={{ margin: 0 }}>
                  <span
                    class={`badge ${l.state === 'active' ? 'ok' : 'bad'}`}
                    data-testid="listener-state"
                  >
                    {l.state === 'active' ? 'Active' : 'Inactive'}
                  </span>
                </dd>
              </div>
              <div class="field">
                <dt class="muted small">Public address (what phones call)</dt>
                <dd class="mono" style={{ margin: 0, wordBreak: 'break-all' }}>
                  {l.publicBase}
                </dd>
              </div>
            </dl>
            {l.error !== null ? <div class="alert error">{l.error}</div> : null}
            <div class="row">
              <button
                type="button"
                class="primary"
                disabled={control.busy || l.state === 'active'}
                onClick={() => {
                  toggle('start');
                }}
              >
                Start
              </button>
              <button
                type="button"
                disabled={control.busy || l.state === 'inactive'}
                onClick={() => {
                  toggle('stop');
                }}
              >
                Stop
              </button>
            </div>
            <ListenerForm
              status={l}
              onSaved={(s) => {
                status.set(s);
              }}
            />
          </>
        )}
      </section>
      {l !== undefined ? <FirewallPanel port={l.port} /> : null}
      {live.phones === null ? null : live.phones.length === 0 ? (
        <p class="card">No phones configured yet.</p>
      ) : (
        live.phones.map((p) => (
          <PhoneUrls
            key={p.id}
            phone={p}
            publicBase={l?.publicBase ?? ''}
            lastEvent={live.lastEvent[p.id]}
          />
        ))
      )}
    </>
  );
}

/**
 * Edits the listener's local address, port and public address (`PUT /api/listener`). Only
 * changed fields are sent; the daemon binds the new port before closing the old one.
 */
function ListenerForm(props: {
  status: ListenerStatus;
  onSaved: (s: ListenerUpdateResult) => void;
}): JSX.Element {
  const { status } = props;
  const [host, setHost] = useState(status.host);
  const [port, setPort] = useState(String(status.port));
  const [publicHost, setPublicHost] = useState(status.publicHost ?? '');
  const [result, setResult] = useState<ListenerUpdateResult | null>(null);
  const save = useAction();
  return (
    <form
      aria-labelledby="listener-change"
      style={{ marginTop: '16px' }}
      onSubmit={(e) => {
        e.preventDefault();
        const change: ListenerUpdate = {};
        if (host.trim() !== status.host) change.host = host.trim();
        const portNumber = Number(port);
        if (port.trim() !== String(status.port)) change.port = portNumber;
        const pub = publicHost.trim() === '' ? null : publicHost.trim();
        if (pub !== status.publicHost) change.publicHost = pub;
        setResult(null);
        void save
          .run(() => api<ListenerUpdateResult>('PUT', '/api/listener', { body: change }))
          .then((r) => {
            if (r === undefined) return;
            setResult(r);
            setHost(r.host);
            setPort(String(r.port));
            setPublicHost(r.publicHost ?? '');
            props.onSaved(r);
          });
      }}
    >
      <h3 id="listener-change">Change address</h3>
      <div class="grid">
        <Field id="listener-host" label="Local address" hint="0.0.0.0 = all interfaces">
          <input
            id="listener-host"
            value={host}
            required
            autocomplete="off"
            onInput={(e) => {
              setHost(e.currentTarget.value);
            }}
          />
        </Field>
        <Field id="listener-port" label="TCP port">
          <input
            id="listener-port"
            type="number"
            min={0}
            max={65535}
            required
            value={port}
            onInput={(e) => {
              setPort(e.currentTarget.value);
            }}
          />
        </Field>
        <Field
          id="listener-public-host"
          label="Public address"
          hint="empty = this computer's LAN address"
        >
          <input
            id="listener-public-host"
            value={publicHost}
            placeholder="e.g. 192.168.1.5 or 203.0.113.7:8080"
            autocomplete="off"
            onInput={(e) => {
              setPublicHost(e.currentTarget.value);
            }}
          />
        </Field>
      </div>
      <p class="small muted">
        The public address is this computer's address as the phones see it (not the phone's
        address). A new port is opened before the old one is closed; if it is taken, nothing
        changes.
      </p>
      <button type="submit" class="primary" disabled={save.busy}>
        Save listener address
      </button>
      <ErrorBox error={save.error} />
      <div aria-live="polite" data-testid="listener-result">
        {result === null ? null : (
          <div class={`alert ${result.reprovisionNeeded ? 'warn' : 'ok'}`}>
            <p style={{ margin: 0 }}>{result.detail}</p>
            {result.phonesToReprovision.length > 0 ? (
              <p style={{ margin: '6px 0 0' }}>
                Transfer the configuration again:{' '}
                {result.phonesToReprovision.map((id, i) => (
                  <span key={id}>
                    {i > 0 ? ', ' : null}
                    <Link href={`/phones/${seg(id)}`}>{id}</Link>
                  </span>
                ))}
              </p>
            ) : null}
          </div>
        )}
      </div>
    </form>
  );
}

function FirewallPanel(props: { port: number }): JSX.Element {
  return (
    <section class="card" aria-labelledby="firewall">
      <h2 id="firewall">Firewall</h2>
      <p class="small muted">
        Phones must reach TCP port {props.port} on this computer. Allow it inbound:
      </p>
      {firewallCommands(props.port).map((c) => (
        <div key={c.system} class="field">
          <h3>{c.system}</h3>
          <div class="row" style={{ flexWrap: 'nowrap', alignItems: 'flex-start' }}>
            <code class="block" style={{ flex: 1 }}>
              {c.command}
            </code>
            <CopyButton text={c.command} label={`Copy the ${c.system} command`} />
          </div>
        </div>
      ))}
    </section>
  );
}

function PhoneUrls(props: {
  phone: PhoneView;
  /** Reloads the URLs when the listener's public address changes. */
  publicBase: string;
  lastEvent: { at: number; seq: number } | undefined;
}): JSX.Element {
  const { phone } = props;
  const urls = useLoad(
    (signal) => api<ActionUrlsView>('GET', `/api/phones/${seg(phone.id)}/action-urls`, { signal }),
    [phone.id, props.publicBase],
  );
  const [testSince, setTestSince] = useState<number | null>(null);
  const passed =
    testSince !== null && props.lastEvent !== undefined && props.lastEvent.seq > testSince;
  return (
    <section class="card" aria-labelledby={`urls-${phone.id}`} data-phone={phone.id}>
      <h2 id={`urls-${phone.id}`}>
        {phone.name !== '' ? phone.name : phone.id}{' '}
        <span class="muted small">
          ({phone.model}, {phone.capabilities})
        </span>
      </h2>
      <ErrorBox error={urls.error} />
      {urls.value === undefined ? null : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Setting</th>
                <th scope="col">URL</th>
                <th scope="col">
                  <span class="skip">Copy</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(urls.value.urls).map(([setting, url]) => (
                <tr key={setting}>
                  <td class="mono">{setting}</td>
                  <td class="mono" style={{ wordBreak: 'break-all' }}>
                    {url}
                  </td>
                  <td>
                    <CopyButton text={url} label={`Copy ${setting}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="row" style={{ marginTop: '10px' }}>
        <button
          type="button"
          onClick={() => {
            setTestSince(currentSeq());
          }}
        >
          Self-test
        </button>
        <span aria-live="polite" data-testid="self-test">
          {testSince === null ? (
            <span class="muted small">Checks that this phone can reach the listener.</span>
          ) : passed ? (
            <span class="badge ok">
              Reached: event received {new Date(props.lastEvent?.at ?? 0).toLocaleTimeString()}
            </span>
          ) : (
            <span class="badge warn">
              Waiting for the next event: lift the handset or place a call on this phone…
            </span>
          )}
        </span>
      </div>
    </section>
  );
}

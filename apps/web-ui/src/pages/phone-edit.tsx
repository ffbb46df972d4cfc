import { capabilityClassForModel, isHttpControlUnsupported } from '@snomlink/core';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, seg } from '../api/client.js';
import type {
  PhoneInput,
  PhoneTestResult,
  PhoneUpdate,
  PhoneView,
  ProvisionResult,
} from '../api/types.js';
import { HealthBadge } from '../components/health.js';
import { ErrorBox, Field, Select, useAction, useLoad } from '../components/ui.js';
import { Link, navigate } from '../router.js';
import { removePhone, upsertPhone, useLive } from '../store.js';

const MODELS = [
  'snom360',
  'snom370',
  'snom320',
  'snom300',
  'snom190',
  'snom200',
  'snom220',
  'snom710',
  'snom760',
  'D345',
  'D385',
  'D717',
  'D735',
  'D785',
];

interface Form {
  id: string;
  name: string;
  host: string;
  scheme: 'http' | 'https';
  auth: 'basic' | 'digest' | 'auto';
  username: string;
  password: string;
  clearPassword: boolean;
  model: string;
  line: string;
  logScan: boolean;
  provisionOnOpen: boolean;
}

/** The form's on/off settings. */
type FlagKey = 'clearPassword' | 'logScan' | 'provisionOnOpen';
type TextKey = 'id' | 'name' | 'host' | 'username' | 'password' | 'model' | 'line';

const EMPTY: Form = {
  id: '',
  name: '',
  host: '',
  scheme: 'http',
  auth: 'auto',
  username: '',
  password: '',
  clearPassword: false,
  model: 'snom360',
  line: '1',
  logScan: false,
  provisionOnOpen: false,
};

function formOf(p: PhoneView): Form {
  return {
    id: p.id,
    name: p.name,
    host: p.host,
    scheme: p.scheme,
    auth: p.auth,
    username: p.username ?? '',
    password: '',
    clearPassword: false,
    model: p.model,
    line: String(p.line),
    logScan: p.logScan,
    provisionOnOpen: p.provisionOnOpen,
  };
}

/** Add or edit one phone; test it, write or remove its Action URLs, open its web page. */
export function PhoneEditPage(props: { id: string | null }): JSX.Element {
  const { id } = props;
  const loaded = useLoad(
    (signal) =>
      id === null
        ? Promise.resolve(null)
        : api<PhoneView>('GET', `/api/phones/${seg(id)}`, { signal }),
    [id],
  );
  const [form, setForm] = useState<Form>(EMPTY);
  useEffect(() => {
    setForm(loaded.value ? formOf(loaded.value) : EMPTY);
  }, [loaded.value]);
  const save = useAction();
  const [saved, setSaved] = useState(false);
  const phone = loaded.value ?? null;
  // Health changes arrive on the event stream; the loaded copy only has the state at page open.
  const live = useLive();
  const health = live.phones?.find((p) => p.id === id)?.health ?? phone?.health;

  const update = <K extends keyof Form>(key: K, value: Form[K]): void => {
    setForm((f) => ({ ...f, [key]: value }));
    setSaved(false);
  };

  /** `value` and `onInput` of a text field bound to one form key. */
  const bindText = (key: TextKey): { value: string; onInput: (e: InputEvent) => void } => ({
    value: form[key],
    onInput: (e) => {
      update(key, (e.currentTarget as HTMLInputElement).value);
    },
  });

  const flag = (key: FlagKey, label: string): JSX.Element => (
    <label class="check">
      <input
        type="checkbox"
        checked={form[key]}
        onChange={(e) => {
          update(key, e.currentTarget.checked);
        }}
      />
      {label}
    </label>
  );

  const submit = async (): Promise<void> => {
    const host = form.host.trim();
    const common: PhoneUpdate & { host: string } = {
      name: form.name.trim(),
      host,
      scheme: form.scheme,
      auth: form.auth,
      username: form.username.trim() === '' ? null : form.username.trim(),
      model: form.model.trim(),
      line: Number.parseInt(form.line, 10) || 1,
      logScan: form.logScan,
      provisionOnOpen: form.provisionOnOpen,
    };
    if (form.password !== '') common.password = form.password;
    else if (form.clearPassword) common.password = null;
    if (id === null) {
      const body: PhoneInput = { id: form.id.trim(), ...common };
      const created = await api<PhoneView>('POST', '/api/phones', { body });
      upsertPhone(created);
      navigate(`/phones/${seg(created.id)}`, true);
    } else {
      const updated = await api<PhoneView>('PUT', `/api/phones/${seg(id)}`, { body: common });
      upsertPhone(updated);
      loaded.set(updated);
      setSaved(true);
    }
  };

  if (id !== null && loaded.value === undefined) {
    return (
      <>
        <h1>Phone {id}</h1>
        {loaded.error !== null ? <ErrorBox error={loaded.error} /> : <p class="muted">Loading…</p>}
        <Link href="/phones">Back to phones</Link>
      </>
    );
  }

  return (
    <>
      <div class="row between">
        <h1>
          {id === null
            ? 'Add phone'
            : `Phone ${phone?.name !== undefined && phone.name !== '' ? phone.name : id}`}
        </h1>
        {health !== undefined ? <HealthBadge health={health} /> : null}
      </div>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run(submit);
        }}
      >
        <h2>Connection</h2>
        <div class="grid">
          <Field id="phone-id" label="Id" hint="used in the Action URLs">
            <input
              id="phone-id"
              required
              disabled={id !== null}
              pattern="[A-Za-z0-9][A-Za-z0-9_\-]{0,63}"
              placeholder="desk-201"
              {...bindText('id')}
            />
          </Field>
          <Field id="phone-name" label="Name">
            <input id="phone-name" placeholder="Reception" {...bindText('name')} />
          </Field>
          <Field id="phone-host" label="Host" hint="address[:port] of the phone">
            <input id="phone-host" required placeholder="192.168.1.20" {...bindText('host')} />
          </Field>
          <Field id="phone-scheme" label="Protocol">
            <Select
              id="phone-scheme"
              value={form.scheme}
              options={[
                ['http', 'http'],
                ['https', 'https'],
              ]}
              onChange={(scheme) => {
                update('scheme', scheme);
              }}
            />
          </Field>
          <Field id="phone-auth" label="Authentication">
            <Select
              id="phone-auth"
              value={form.auth}
              options={[
                ['auto', 'automatic (what the phone asks for)'],
                ['basic', 'Basic'],
                ['digest', 'Digest'],
              ]}
              onChange={(auth) => {
                update('auth', auth);
              }}
            />
          </Field>
          <Field id="phone-user" label="User">
            <input id="phone-user" autocomplete="off" {...bindText('username')} />
          </Field>
          <Field id="phone-password" label="Password" hint="write-only">
            <input
              id="phone-password"
              type="password"
              autocomplete="new-password"
              placeholder={phone?.hasPassword === true ? 'stored; type to replace' : ''}
              {...bindText('password')}
            />
          </Field>
          <Field id="phone-model" label="Model" hint="decides the capability class">
            <input id="phone-model" list="phone-models" required {...bindText('model')} />
            <datalist id="phone-models">
              {MODELS.map((m) => (
                <option key={m} value={m} />
              ))}
            </datalist>
            <ModelClass model={form.model} />
          </Field>
          <Field id="phone-line" label="Line" hint="function key the daemon drives">
            <input id="phone-line" type="number" min={1} max={64} {...bindText('line')} />
          </Field>
        </div>
        <div class="row">
          {phone?.hasPassword === true ? flag('clearPassword', 'Clear the stored password') : null}
          {flag('logScan', "Scan the phone's log for call details")}
          {flag('provisionOnOpen', 'Write Action URLs when a TAPI client opens the line')}
        </div>
        <ErrorBox error={save.error} />
        {saved ? (
          <p class="alert ok" role="status">
            Saved.
          </p>
        ) : null}
        <div class="row" style={{ marginTop: '8px' }}>
          <button class="primary" type="submit" disabled={save.busy}>
            {id === null ? 'Add phone' : 'Save'}
          </button>
          <Link href="/phones" class="button">
            Cancel
          </Link>
        </div>
      </form>
      {phone !== null ? <PhoneTools phone={phone} /> : null}
    </>
  );
}

/** What the typed model means: full Action URLs, parameterless + log scan, or no HTTP control. */
function ModelClass(props: { model: string }): JSX.Element | null {
  const model = props.model.trim();
  if (model === '') return null;
  if (isHttpControlUnsupported(model)) {
    return (
      <div class="small alert error" id="phone-model-class">
        D8xx phones (Phone Manager) take no HTTP commands: no click-to-dial, drop or provisioning.
      </div>
    );
  }
  return (
    <div class="small muted" id="phone-model-class">
      {capabilityClassForModel(model) === 'full'
        ? 'Full: Action URLs with caller, Call-ID and connected/disconnected.'
        : 'Parameterless (190 class): events without details; caller and progress come from the log scan.'}
    </div>
  );
}

function PhoneTools(props: { phone: PhoneView }): JSX.Element {
  const { phone } = props;
  const test = useAction();
  const provision = useAction();
  const remove = useAction();
  const [testResult, setTestResult] = useState<PhoneTestResult | null>(null);
  const [provisionResult, setProvisionResult] = useState<ProvisionResult | null>(null);
  const base = `/api/phones/${seg(phone.id)}`;
  /** POST writes the Action URLs to the phone, DELETE removes them; the result replaces the last. */
  const runProvision = (method: 'POST' | 'DELETE'): void => {
    setProvisionResult(null);
    void provision
      .run(() => api<ProvisionResult>(method, `${base}/provision`))
      .then((r) => {
        if (r !== undefined) setProvisionResult(r);
      });
  };
  return (
    <>
      <section class="card" aria-labelledby="tools">
        <h2 id="tools">Phone</h2>
        <div class="row">
          <button
            type="button"
            disabled={test.busy}
            onClick={() => {
              setTestResult(null);
              void test
                .run(() => api<PhoneTestResult>('POST', `${base}/test`))
                .then((r) => {
                  if (r !== undefined) setTestResult(r);
                });
            }}
          >
            Test connection
          </button>
          <button
            type="button"
            disabled={provision.busy}
            onClick={() => {
              runProvision('POST');
            }}
          >
            Transfer configuration to snom
          </button>
          <button
            type="button"
            disabled={provision.busy}
            onClick={() => {
              runProvision('DELETE');
            }}
          >
            Remove configuration
          </button>
          <a class="button" href={phone.webConfigUrl} target="_blank" rel="noopener noreferrer">
            Open snom web configuration
          </a>
        </div>
        <ErrorBox error={test.error ?? provision.error} />
        {testResult !== null ? <TestResultView result={testResult} /> : null}
        {provisionResult !== null ? <ProvisionResultView result={provisionResult} /> : null}
      </section>
      <section class="card" aria-labelledby="danger">
        <h2 id="danger">Remove phone</h2>
        <p class="small muted">
          Stops watching this phone. Its Action URLs stay on the phone unless you remove the
          configuration first.
        </p>
        <ErrorBox error={remove.error} />
        <button
          type="button"
          class="danger"
          disabled={remove.busy}
          onClick={() => {
            if (!window.confirm(`Remove phone ${phone.id}?`)) return;
            void remove.run(async () => {
              await api('DELETE', base);
              removePhone(phone.id);
              navigate('/phones', true);
            });
          }}
        >
          Remove phone
        </button>
      </section>
    </>
  );
}

function TestResultView(props: { result: PhoneTestResult }): JSX.Element {
  const r = props.result;
  const ok = r.reachable && r.authOk;
  return (
    <div class={`alert ${ok ? 'ok' : 'error'}`} role="status" data-testid="test-result">
      <strong>
        {!r.reachable
          ? 'Not reachable'
          : !r.authOk
            ? 'Reached, but the login was refused'
            : 'Connection OK'}
      </strong>
      <div class="small">
        Model {r.model ?? '—'} · firmware {r.firmware ?? '—'} · MAC {r.mac ?? '—'}
      </div>
      {r.error !== undefined ? <div class="small">{r.error}</div> : null}
    </div>
  );
}

function ProvisionResultView(props: { result: ProvisionResult }): JSX.Element {
  const r = props.result;
  return (
    <div data-testid="provision-result">
      <p class={`alert ${r.ok ? 'ok' : 'error'}`} role="status">
        {r.action === 'write' ? 'Transfer' : 'Removal'}{' '}
        {r.ok ? 'complete: the phone took every setting.' : 'incomplete: see below.'}
        {r.verifyError !== undefined ? ` Could not read the settings back: ${r.verifyError}` : ''}
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Setting</th>
              <th scope="col">Value written</th>
              <th scope="col">Phone took it</th>
            </tr>
          </thead>
          <tbody>
            {r.written.map((s) => (
              <tr key={s.setting}>
                <td class="mono">{s.setting}</td>
                <td class="mono" style={{ wordBreak: 'break-all' }}>
                  {s.url === '' ? <span class="muted">(empty)</span> : s.url}
                  {s.actual !== undefined && !s.accepted ? (
                    <div class="muted">phone has: {s.actual}</div>
                  ) : null}
                </td>
                <td>
                  {s.accepted ? (
                    <span class="badge ok">yes</span>
                  ) : (
                    <span class="badge bad">no</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

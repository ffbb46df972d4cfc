import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { DirectoryTestResultView, DirectoryView } from '../api/types.js';
import { DirectorySourceForm } from '../components/directory-source-form.js';
import { ErrorBox, Field, useAction, useLoad } from '../components/ui.js';
import {
  directoryPutBody,
  draftOf,
  sourceOf,
  unchangedSources,
  type SourceDraft,
} from '../lib/directory-sources.js';

/** Where a source lives, for the list (never a password: the API does not return one). */
function where(source: DirectoryView['sources'][number]): string {
  const value = source['url'] ?? source['path'];
  return typeof value === 'string' ? value : '';
}

/**
 * Caller-name directories: the configured sources in order with their health (add, edit,
 * remove; saved with `PUT /api/directory`, which validates and never returns passwords), and a
 * "test lookup" that asks every source for a number (no cache) and shows what each answered.
 */
export function DirectoryPage(): JSX.Element {
  const view = useLoad((signal) => api<DirectoryView>('GET', '/api/directory', { signal }), []);
  const [number, setNumber] = useState('');
  const [result, setResult] = useState<DirectoryTestResultView | null>(null);
  const test = useAction();
  const save = useAction();
  /** The form shown: null = none, 'new' = add, a number = edit that source. */
  const [editing, setEditing] = useState<'new' | number | null>(null);
  const sources = view.value?.sources ?? [];
  const health = view.value?.health ?? [];

  /** Saves the list with `change` applied; closes the form when the daemon accepted it. */
  const saveSources = (change: (list: Record<string, unknown>[]) => Record<string, unknown>[]) => {
    const current = view.value;
    if (current === undefined) return;
    void save
      .run(() =>
        api<DirectoryView>('PUT', '/api/directory', {
          body: directoryPutBody(current, change(unchangedSources(current))),
        }),
      )
      .then((saved) => {
        if (saved === undefined) return;
        setEditing(null);
        view.reload();
      });
  };
  const onSave = (draft: SourceDraft): void => {
    if (editing === 'new') saveSources((list) => [...list, sourceOf(draft)]);
    else if (typeof editing === 'number')
      saveSources((list) =>
        list.map((s, i) => (i === editing ? sourceOf(draft, sources[editing]) : s)),
      );
  };
  return (
    <main id="main">
      <h1>Directory</h1>
      <p class="muted">
        Caller names from LDAP / Active Directory, CardDAV and CSV, asked in this order. A call
        shows at once and gains the name when the lookup returns.
      </p>
      <ErrorBox error={view.error} />
      {view.value !== undefined && sources.length === 0 ? (
        <p data-testid="no-sources">
          No source is configured. Add one below, in the <code>directory</code> section of
          config.json (see the daemon README) or with <code>PUT /api/directory</code>.
        </p>
      ) : null}
      {sources.length > 0 ? (
        <table data-testid="directory-sources">
          <thead>
            <tr>
              <th>#</th>
              <th>id</th>
              <th>type</th>
              <th>where</th>
              <th>state</th>
              <th>last error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {sources.map((s, i) => {
              const h = health.find((x) => x.id === s.id);
              return (
                <tr key={s.id} data-source={s.id}>
                  <td>{i + 1}</td>
                  <td class="mono">{s.id}</td>
                  <td>{s.type}</td>
                  <td class="mono small">{where(s)}</td>
                  <td>
                    <span
                      class={`badge ${h?.state === 'failing' ? 'bad' : h?.state === 'ok' ? 'ok' : ''}`}
                      data-testid="source-state"
                    >
                      {h?.state ?? 'unknown'}
                    </span>
                  </td>
                  <td class="small">{h?.lastError ?? ''}</td>
                  <td class="row">
                    <button
                      type="button"
                      disabled={save.busy}
                      onClick={() => {
                        save.clear();
                        setEditing(i);
                      }}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      class="danger"
                      disabled={save.busy}
                      onClick={() => {
                        if (!window.confirm(`Remove the directory source ${s.id}?`)) return;
                        saveSources((list) => list.filter((_x, j) => j !== i));
                      }}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {view.value !== undefined ? (
        <p class="small muted">
          Lookup timeout {view.value.timeoutMs} ms · names cached {view.value.cacheTtlMs / 1000} s ·
          “not found” cached {view.value.negativeTtlMs / 1000} s · shown first:{' '}
          {view.value.overridePhoneName ? 'directory name' : "the phone's name"}
        </p>
      ) : null}

      {editing === null ? (
        view.value !== undefined ? (
          <p>
            <button
              type="button"
              onClick={() => {
                save.clear();
                setEditing('new');
              }}
            >
              Add source
            </button>
          </p>
        ) : null
      ) : (
        <DirectorySourceForm
          key={String(editing)}
          {...(typeof editing === 'number' && sources[editing] !== undefined
            ? { initial: draftOf(sources[editing]) }
            : {})}
          hasPassword={typeof editing === 'number' && sources[editing]?.hasPassword === true}
          busy={save.busy}
          error={save.error}
          onSave={onSave}
          onCancel={() => {
            setEditing(null);
          }}
        />
      )}
      {editing === null ? <ErrorBox error={save.error} /> : null}

      <h2>Test lookup</h2>
      <form
        class="dial"
        onSubmit={(e) => {
          e.preventDefault();
          setResult(null);
          void test
            .run(() =>
              api<DirectoryTestResultView>('POST', '/api/directory/test', {
                body: { number: number.trim() },
              }),
            )
            .then((r) => {
              if (r !== undefined) setResult(r);
              view.reload();
            });
        }}
      >
        <Field id="directory-test-number" label="Number">
          <input
            id="directory-test-number"
            type="tel"
            autocomplete="off"
            value={number}
            onInput={(e) => {
              setNumber(e.currentTarget.value);
            }}
          />
        </Field>
        <button class="primary" type="submit" disabled={test.busy || number.trim() === ''}>
          Look up
        </button>
      </form>
      <ErrorBox error={test.error} />
      {result !== null ? (
        <div data-testid="directory-test-result">
          {result.issue !== null ? <p class="muted">{result.issue}</p> : null}
          {result.key !== null ? (
            <p class="small">
              Compared as <span class="mono">{result.key}</span>
            </p>
          ) : null}
          <ul>
            {result.sources.map((s) => (
              <li key={s.id} data-source={s.id}>
                <span class="mono">{s.id}</span>: <strong>{s.outcome}</strong>
                {s.match !== null ? (
                  <span data-testid="test-match">
                    {' '}
                    → {s.match.name}
                    {s.match.organization !== null ? ` (${s.match.organization})` : ''} as{' '}
                    <span class="mono">{s.match.number}</span>
                  </span>
                ) : null}
                {s.error !== null ? <span class="muted"> — {s.error}</span> : null}
                <span class="muted small"> {Math.round(s.ms)} ms</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </main>
  );
}

import type { DialRules } from '@snomlink/core';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { ErrorBox, Field, useAction } from '../components/ui.js';
import { setDialRules, useDialRules } from '../dial-rules-store.js';
import { dialPreview } from '../lib/dial-preview.js';

type TextKey = Exclude<keyof DialRules, 'internalMaxLength'>;

const FIELDS: readonly (readonly [TextKey, string, string])[] = [
  ['countryCode', 'Country code', 'without +, e.g. 49'],
  ['areaCode', 'Area code', 'without the national prefix, e.g. 30'],
  ['internationalPrefix', 'International prefix', 'e.g. 00 or 011'],
  ['nationalPrefix', 'National prefix', 'e.g. 0, or empty'],
  ['outsideLine', 'Outside line', 'digit(s) for an outside line, e.g. 0, or empty'],
];

/** The dialing location (TAPI style) with a live preview of canonical and dialable forms. */
export function DialingPage(): JSX.Element {
  const { rules, error } = useDialRules();
  const [draft, setDraft] = useState<DialRules | null>(rules);
  const [sample, setSample] = useState('+49 30 1234567');
  const [saved, setSaved] = useState(false);
  const save = useAction();
  useEffect(() => {
    if (rules !== null && draft === null) setDraft(rules);
  }, [rules, draft]);
  if (draft === null) {
    return (
      <>
        <h1>Dialing rules</h1>
        {error !== null ? <ErrorBox error={error} /> : <p class="muted">Loading…</p>}
      </>
    );
  }
  const preview = sample.trim() === '' ? null : dialPreview(sample, draft);
  const update = (patch: Partial<DialRules>): void => {
    setDraft({ ...draft, ...patch });
    setSaved(false);
  };
  return (
    <>
      <h1>Dialing rules</h1>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void save.run(async () => {
            const stored = await api<DialRules>('PUT', '/api/dialing', { body: draft });
            setDialRules(stored);
            setDraft(stored);
            setSaved(true);
          });
        }}
      >
        <div class="grid">
          {FIELDS.map(([key, label, hint]) => (
            <Field key={key} id={`rule-${key}`} label={label} hint={hint}>
              <input
                id={`rule-${key}`}
                inputMode="numeric"
                value={draft[key]}
                onInput={(e) => {
                  update({ [key]: e.currentTarget.value });
                }}
              />
            </Field>
          ))}
          <Field id="rule-internalMaxLength" label="Longest internal extension" hint="digits">
            <input
              id="rule-internalMaxLength"
              type="number"
              min={0}
              max={8}
              value={draft.internalMaxLength}
              onInput={(e) => {
                update({ internalMaxLength: Number.parseInt(e.currentTarget.value, 10) || 0 });
              }}
            />
          </Field>
        </div>
        <ErrorBox error={save.error} />
        {saved ? (
          <p class="alert ok" role="status">
            Saved.
          </p>
        ) : null}
        <button class="primary" type="submit" disabled={save.busy}>
          Save
        </button>
      </form>
      <section class="card" aria-labelledby="preview">
        <h2 id="preview">Preview</h2>
        <Field id="rule-sample" label="Type a number">
          <input
            id="rule-sample"
            type="tel"
            value={sample}
            onInput={(e) => {
              setSample(e.currentTarget.value);
            }}
          />
        </Field>
        {preview === null ? null : (
          <dl class="grid" aria-live="polite">
            <div class="field">
              <dt class="muted small">Kind</dt>
              <dd style={{ margin: 0 }}>{preview.kind ?? '—'}</dd>
            </div>
            <div class="field">
              <dt class="muted small">Canonical</dt>
              <dd class="mono" style={{ margin: 0 }} data-testid="preview-canonical">
                {preview.canonical ?? '—'}
              </dd>
            </div>
            <div class="field">
              <dt class="muted small">E.164</dt>
              <dd class="mono" style={{ margin: 0 }}>
                {preview.e164 ?? '—'}
              </dd>
            </div>
            <div class="field">
              <dt class="muted small">The phone dials</dt>
              <dd class="mono" style={{ margin: 0 }} data-testid="preview-dialable">
                {preview.dialable ?? '—'}
              </dd>
            </div>
          </dl>
        )}
        {preview?.problem != null ? <p class="alert error">{preview.problem}</p> : null}
        <p class="small muted">The preview uses the rules above as typed, before you save them.</p>
      </section>
    </>
  );
}

import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { SourceDraft, SourceType } from '../lib/directory-sources.js';
import { emptyDraft } from '../lib/directory-sources.js';
import { ErrorBox, Field, Select } from './ui.js';

const TYPES: readonly (readonly [SourceType, string])[] = [
  ['csv', 'CSV file'],
  ['ldap', 'LDAP / Active Directory'],
  ['carddav', 'CardDAV address book'],
];

/**
 * Adds or edits one directory source. Validation is the daemon's (`PUT /api/directory` answers
 * 400 naming the field; the error is shown here). A stored password is never shown: the field
 * stays empty and an empty field keeps it.
 */
export function DirectorySourceForm(props: {
  /** The source's draft when editing; a new source when absent. */
  initial?: SourceDraft;
  /** Whether the edited source has a stored password. */
  hasPassword: boolean;
  busy: boolean;
  error: unknown;
  onSave: (draft: SourceDraft) => void;
  onCancel: () => void;
}): JSX.Element {
  const [draft, setDraft] = useState<SourceDraft>(props.initial ?? emptyDraft('csv'));
  const editing = props.initial !== undefined;
  const set = <K extends keyof SourceDraft>(key: K, value: SourceDraft[K]): void => {
    setDraft({ ...draft, [key]: value });
  };
  const input = (key: keyof SourceDraft, label: string, hint?: string): JSX.Element => (
    <Field id={`src-${key}`} label={label} {...(hint === undefined ? {} : { hint })}>
      <input
        id={`src-${key}`}
        name={key}
        value={draft[key] as string}
        onInput={(e) => {
          set(key, e.currentTarget.value);
        }}
      />
    </Field>
  );
  return (
    <form
      class="card"
      aria-label={editing ? `Edit source ${draft.id}` : 'New directory source'}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSave(draft);
      }}
    >
      <h2>{editing ? `Edit source ${draft.id}` : 'Add a source'}</h2>
      <div class="grid">
        <Field id="src-type" label="Type">
          <Select
            id="src-type"
            value={draft.type}
            options={TYPES}
            onChange={(type) => {
              setDraft({ ...emptyDraft(type), id: draft.id });
            }}
          />
        </Field>
        {input('id', 'Id', 'optional; names the source in health and lookups')}
        {draft.type === 'csv' ? (
          <>
            {input('path', 'File', 'path on the daemon machine')}
            {input('delimiter', 'Delimiter', 'optional; detected from the header')}
            {input('nameColumn', 'Name column', 'optional')}
            {input('numberColumns', 'Number columns', 'optional; comma-separated')}
            {input('organizationColumn', 'Company column', 'optional')}
          </>
        ) : null}
        {draft.type === 'ldap' ? (
          <>
            {input('url', 'Server URL', 'ldap://host or ldaps://host')}
            {input('baseDN', 'Base DN')}
            {input('bindDN', 'Bind DN', 'optional; empty = anonymous')}
            {input('filter', 'Filter', 'optional; a template with {number} forms')}
            {input('nameAttributes', 'Name attributes', 'optional; comma-separated')}
            {input('numberAttributes', 'Number attributes', 'optional; comma-separated')}
            <label>
              <input
                type="checkbox"
                checked={draft.startTls}
                onChange={(e) => {
                  set('startTls', e.currentTarget.checked);
                }}
              />{' '}
              StartTLS
            </label>
          </>
        ) : null}
        {draft.type === 'carddav' ? (
          <>
            {input('url', 'Address book URL')}
            {input('username', 'User name', 'optional')}
          </>
        ) : null}
        {draft.type !== 'csv' ? (
          <Field
            id="src-password"
            label="Password"
            hint={
              props.hasPassword
                ? 'a password is stored; leave empty to keep it'
                : 'optional; never shown again'
            }
          >
            <input
              id="src-password"
              name="password"
              type="password"
              autocomplete="new-password"
              disabled={draft.clearPassword}
              value={draft.password}
              onInput={(e) => {
                set('password', e.currentTarget.value);
              }}
            />
          </Field>
        ) : null}
        {draft.type !== 'csv' && props.hasPassword ? (
          <label>
            <input
              type="checkbox"
              checked={draft.clearPassword}
              onChange={(e) => {
                setDraft({ ...draft, clearPassword: e.currentTarget.checked, password: '' });
              }}
            />{' '}
            remove the stored password
          </label>
        ) : null}
      </div>
      <ErrorBox error={props.error} />
      <div class="row">
        <button class="primary" type="submit" disabled={props.busy}>
          {editing ? 'Save source' : 'Add source'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

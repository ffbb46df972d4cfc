import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isApiError } from '../api/client.js';

/** The daemon's `{error, detail}` message (or any other failure) as an alert; nothing when null. */
export function ErrorBox(props: { error: unknown }): JSX.Element | null {
  if (props.error === null || props.error === undefined) return null;
  const text = isApiError(props.error)
    ? props.error.message
    : props.error instanceof Error
      ? props.error.message
      : typeof props.error === 'string'
        ? props.error
        : 'Something went wrong; see the browser console.';
  return (
    <div class="alert error" role="alert">
      {text}
    </div>
  );
}

/** State of a one-off load: the value, the failure, and a reload function. */
export interface Loaded<T> {
  readonly value: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
  set(value: T): void;
}

/** Loads once on mount (and on `deps` change); no polling. */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): Loaded<T> {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    load(controller.signal).then(
      (v) => {
        if (controller.signal.aborted) return;
        setValue(v);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (controller.signal.aborted) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      controller.abort();
    };
  }, [...deps, generation]);
  const reload = useCallback(() => {
    setGeneration((g) => g + 1);
  }, []);
  return { value, error, loading, reload, set: setValue };
}

/** Runs one user action at a time and keeps its failure for display. */
export function useAction(): {
  busy: boolean;
  error: unknown;
  run: <T>(fn: () => Promise<T>) => Promise<T | undefined>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      if (mounted.current) setError(e);
      return undefined;
    } finally {
      if (mounted.current) setBusy(false);
    }
  }, []);
  return {
    busy,
    error,
    run,
    clear: () => {
      setError(null);
    },
  };
}

/** A labelled form field: the label is tied to the control by id. */
export function Field(props: {
  id: string;
  label: string;
  hint?: string;
  children: ComponentChildren;
}): JSX.Element {
  return (
    <div class="field">
      <label for={props.id}>
        {props.label}
        {props.hint !== undefined ? <span class="hint"> — {props.hint}</span> : null}
      </label>
      {props.children}
    </div>
  );
}

/** A button that copies text to the clipboard and says so. */
export function CopyButton(props: { text: string; label?: string }): JSX.Element {
  const [done, setDone] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      aria-label={props.label ?? 'Copy'}
      onClick={() => {
        copyText(props.text).then(
          () => {
            setDone('copied');
          },
          () => {
            setDone('failed');
          },
        );
      }}
    >
      {done === 'copied' ? 'Copied' : done === 'failed' ? 'Select and copy' : 'Copy'}
    </button>
  );
}

async function copyText(text: string): Promise<void> {
  if (typeof navigator.clipboard !== 'undefined' && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // http:// on a LAN address is not a secure context: fall back to a hidden textarea.
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the only way to copy on plain http (not a secure context)
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy refused');
}

/** A `<select>` over `[value, label]` choices; `onChange` gets the chosen value. */
export function Select<T extends string>(props: {
  id: string;
  value: T;
  options: readonly (readonly [T, string])[];
  onChange: (value: T) => void;
  /** CSS class, e.g. `fit` for a select only as wide as its choices. */
  class?: string;
}): JSX.Element {
  return (
    <select
      id={props.id}
      value={props.value}
      {...(props.class === undefined ? {} : { class: props.class })}
      onChange={(e) => {
        props.onChange(e.currentTarget.value as T);
      }}
    >
      {props.options.map(([value, label]) => (
        <option key={value} value={value}>
          {label}
        </option>
      ))}
    </select>
  );
}

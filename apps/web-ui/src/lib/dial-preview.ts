import type { DialRules } from '@snomlink/core';
import { normalizeNumber, toDialable } from '@snomlink/core';

/** What the dialing-rules preview and the click-to-dial box show for one typed number. */
export interface DialPreview {
  readonly dialable: string | null;
  readonly canonical: string | null;
  readonly e164: string | null;
  readonly kind: 'internal' | 'external' | 'special' | null;
  readonly problem: string | null;
}

/** Runs core's number functions on what the user typed; problems come back as text, never throw. */
export function dialPreview(input: string, rules: DialRules): DialPreview {
  try {
    const dial = toDialable(input, rules);
    const norm = normalizeNumber(input, rules);
    const problem = !dial.success
      ? dial.issues.map((i) => i.message).join('; ')
      : !norm.success
        ? norm.issues.map((i) => i.message).join('; ')
        : null;
    return {
      dialable: dial.success ? dial.output : null,
      canonical: norm.success ? norm.output.canonical : null,
      e164: norm.success ? norm.output.e164 : null,
      kind: norm.success ? norm.output.kind : null,
      problem,
    };
  } catch (e) {
    return {
      dialable: null,
      canonical: null,
      e164: null,
      kind: null,
      problem: e instanceof Error ? e.message : String(e),
    };
  }
}

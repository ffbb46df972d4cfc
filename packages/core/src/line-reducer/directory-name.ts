import type { Call } from '../call.js';
import type { DirectoryNameInput } from '../line-state.js';
import { callById, setCall, type Step } from './step.js';

/** Longest directory name kept; longer ones are cut. */
const MAX_NAME_LENGTH = 256;

/** Without control characters, trimmed and bounded; null when nothing is left. */
function cleanName(name: string | null): string | null {
  if (typeof name !== 'string') return null;
  const cleaned = name
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .trim()
    .slice(0, MAX_NAME_LENGTH);
  return cleaned === '' ? null : cleaned;
}

/**
 * Gives a live call's party the name a directory found: one `call-info` listing the party. A
 * call that ended, a party whose number changed since the lookup, or the same name again
 * change nothing. `lastEventAt` stays: a lookup is no sign of life from the phone.
 */
export function applyDirectoryName(step: Step, input: DirectoryNameInput): void {
  const call = callById(step.calls, input.callId);
  if (call === undefined) return;
  const party = call[input.party];
  if (party === null || party.number !== input.number) return;
  const name = cleanName(input.name);
  if (party.directoryName === name) return;
  const updated: Call = { ...call, [input.party]: { ...party, directoryName: name } };
  step.changes.push({ type: 'call-info', call: updated, fields: [input.party] });
  setCall(step, updated);
}

/**
 * What an Action URL can carry on a given snom model.
 * - `full`: runtime variables ($remote, $call-id, …) and connected/disconnected (snom 3xx/7xx, D3xx/D7xx).
 * - `parameterless`: only incoming/outgoing/offhook/onhook, no variables (snom 190/200/220 era);
 *   caller and call progress must come from the log scanner.
 */
export type CapabilityClass = 'full' | 'parameterless';

const PARAMETERLESS_MODELS = /^snom ?(190|200|220)$/i;

/** The capability class of a snom model name such as `snom360`, `snom190` or `D785`. */
export function capabilityClassForModel(model: string): CapabilityClass {
  return PARAMETERLESS_MODELS.test(model.trim()) ? 'parameterless' : 'full';
}

/** D8xx ("Phone Manager") phones no longer take HTTP commands (snom-protocol.md §2.1, S15). */
export function isHttpControlUnsupported(model: string): boolean {
  return /^D8\d\d/i.test(model.trim());
}

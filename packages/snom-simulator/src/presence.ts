/**
 * DND and call forwarding of a simulated phone, read from its settings. The setting names are
 * kept here, apart from the daemon's (snom-client's) defaults on purpose: the simulator plays
 * the phone, so a wrong name on the writing side makes tests fail instead of agreeing with
 * itself. Like the daemon's defaults they are Unverified: the public evidence names no DND or
 * forwarding setting (snom-evidence.md §2).
 */

/** The forwarding modes a simulated phone knows. */
export type SimulatedForwardMode = 'always' | 'busy' | 'timeout';

/** Forwarding of a simulated phone: when and where to. */
export interface SimulatedForwarding {
  readonly mode: SimulatedForwardMode;
  /** Number or URI calls go to; '' when the target setting is empty. */
  readonly target: string;
}

/** Setting names the simulated phone reads its DND and forwarding from. */
export interface PresenceSettingNames {
  /** `on` / `off`. Default `dnd_mode`. */
  readonly dnd: string;
  /** `none`, `all`, `busy` or `time`. Default `redirect_event`. */
  readonly forwardEvent: string;
  /** Target per mode. Defaults `redirect_number`, `redirect_busy_number`, `redirect_time_number`. */
  readonly forwardTarget: Readonly<Record<SimulatedForwardMode, string>>;
}

/** The names a simulated phone uses unless told otherwise (Unverified on real phones). */
export const SIMULATOR_PRESENCE_SETTINGS: PresenceSettingNames = {
  dnd: 'dnd_mode',
  forwardEvent: 'redirect_event',
  forwardTarget: {
    always: 'redirect_number',
    busy: 'redirect_busy_number',
    timeout: 'redirect_time_number',
  },
};

const EVENT_TO_MODE: Readonly<Record<string, SimulatedForwardMode>> = {
  all: 'always',
  always: 'always',
  busy: 'busy',
  time: 'timeout',
  timeout: 'timeout',
};

/** Whether the settings switch DND on (`on`, `true`, `1`, any case). */
export function dndFromSettings(
  settings: ReadonlyMap<string, string>,
  names: PresenceSettingNames,
): boolean {
  const value = (settings.get(names.dnd) ?? '').trim().toLowerCase();
  return value === 'on' || value === 'true' || value === '1';
}

/** The forwarding the settings set up, or null (`none`, empty or unknown event). */
export function forwardingFromSettings(
  settings: ReadonlyMap<string, string>,
  names: PresenceSettingNames,
): SimulatedForwarding | null {
  const event = (settings.get(names.forwardEvent) ?? '').trim().toLowerCase();
  const mode = EVENT_TO_MODE[event];
  if (mode === undefined) return null;
  return { mode, target: settings.get(names.forwardTarget[mode]) ?? '' };
}

/** The settings that switch DND, as the simulated phone's own menu would write them. */
export function dndSettings(on: boolean, names: PresenceSettingNames): Record<string, string> {
  return { [names.dnd]: on ? 'on' : 'off' };
}

/** The settings that set up (or, with null, clear) forwarding. */
export function forwardingSettings(
  forwarding: SimulatedForwarding | null,
  names: PresenceSettingNames,
): Record<string, string> {
  if (forwarding === null) return { [names.forwardEvent]: 'none' };
  const event = forwarding.mode === 'always' ? 'all' : forwarding.mode === 'busy' ? 'busy' : 'time';
  return { [names.forwardEvent]: event, [names.forwardTarget[forwarding.mode]]: forwarding.target };
}

import { capabilityClassForModel, isHttpControlUnsupported } from '@snomlink/core';

/**
 * A firmware era of a simulated phone. Each picks the log formats, the HTTP identity and the
 * quirks of that era from the public evidence (docs/snom-protocol.md, snom-evidence.md):
 * - `8.7`: snom 3xx on firmware 8.7, the most common firmware of the phones still in use (default
 *   for full-class models);
 * - `7.3`: snom 3xx on firmware 7.x (log page heads `[2] 11/4/2006 10:52:43: `);
 * - `3.x-190`: snom 190/200/220 on firmware 3.x, parameterless Action URLs (default for them);
 * - `10.1`: D3xx/D7xx on firmware 10.x (a wrong password answers 200 "Login failed!");
 * - `10.1-D8xx`: D8xx "Phone Manager" on firmware 10.x (no `command.htm`).
 */
export type FirmwareProfile = '8.7' | '7.3' | '3.x-190' | '10.1' | '10.1-D8xx';

/** Every firmware profile, the default of full-class models first. */
export const FIRMWARE_PROFILES: readonly FirmwareProfile[] = [
  '8.7',
  '7.3',
  '3.x-190',
  '10.1',
  '10.1-D8xx',
];

/**
 * How the phone introduces a SIP message in its log:
 * - `public`: `Received from udp:… at 2/12/2026 08:31:02:770 (425 bytes):`, a blank line, the
 *   message (verbatim shape of the abptech trace, snom-evidence.md §4; High);
 * - `fw7-embedded`: the same intro and every message line behind a firmware 6/7 log head
 *   `[5] 2/12/2026 08:31:02: ` (the head is public, embedding SIP in it is Unverified);
 * - `syslog`: the intro behind a firmware 8.x head `Dec  2 08:31:02  [DEBUG2] SIP: `, no ` at`
 *   time, the message lines plain (head public, this combination Unverified);
 * - `legacy`: snomlink's first guess `[5]02/12/2026 08:31:02.770 SIP: Received from …`.
 */
export type SipTraceFormat = 'public' | 'fw7-embedded' | 'syslog' | 'legacy';

/** Line format of the log page's own lines (`PHN: Ringing line 1`): firmware 6/7 or 8.x. */
export type LogLineFormat = 'fw7' | 'fw8' | 'legacy';

/** What a profile decides. */
export interface FirmwareProfileSpec {
  readonly profile: FirmwareProfile;
  /** Model used when the options name none. */
  readonly defaultModel: string;
  /** Firmware version shown on info.htm and in the User-Agent. */
  readonly firmware: string;
  readonly traceFormat: SipTraceFormat;
  readonly logLineFormat: LogLineFormat;
  /** A wrong password is answered with 200 and "Login failed!" instead of 401 (10.x; Medium). */
  readonly loginFailedWith200: boolean;
}

const SPECS: Readonly<Record<FirmwareProfile, FirmwareProfileSpec>> = {
  '8.7': {
    profile: '8.7',
    defaultModel: 'snom360',
    firmware: '8.7.5.35',
    traceFormat: 'public',
    logLineFormat: 'fw8',
    loginFailedWith200: false,
  },
  '7.3': {
    profile: '7.3',
    defaultModel: 'snom360',
    firmware: '7.3.30',
    traceFormat: 'fw7-embedded',
    logLineFormat: 'fw7',
    loginFailedWith200: false,
  },
  '3.x-190': {
    profile: '3.x-190',
    defaultModel: 'snom190',
    firmware: '3.60s',
    traceFormat: 'public',
    logLineFormat: 'fw7',
    loginFailedWith200: false,
  },
  '10.1': {
    profile: '10.1',
    defaultModel: 'D785',
    firmware: '10.1.159.12',
    traceFormat: 'syslog',
    logLineFormat: 'fw8',
    loginFailedWith200: true,
  },
  '10.1-D8xx': {
    profile: '10.1-D8xx',
    defaultModel: 'D865',
    firmware: '10.1.175.0',
    traceFormat: 'syslog',
    logLineFormat: 'fw8',
    loginFailedWith200: true,
  },
};

/** The profile a model runs when none is given: 190 class → 3.x, D8xx → 10.1-D8xx, D → 10.1, else 8.7. */
export function defaultProfileForModel(model: string): FirmwareProfile {
  if (capabilityClassForModel(model) === 'parameterless') return '3.x-190';
  if (isHttpControlUnsupported(model)) return '10.1-D8xx';
  if (/^D\d/i.test(model)) return '10.1';
  return '8.7';
}

/** The settings of a profile. */
export function firmwareProfileSpec(profile: FirmwareProfile): FirmwareProfileSpec {
  return SPECS[profile];
}

/**
 * The User-Agent of the phone's HTTP client, in the public form
 * `Mozilla/4.0 (compatible; snom360-SIP 8.7.5.35 1.1.3-s)` (wazo-provd-plugins, GS3; High).
 */
export function httpUserAgent(model: string, firmware: string): string {
  return `Mozilla/4.0 (compatible; ${model}-SIP ${firmware} 1.1.3-s)`;
}

/** The root page title: `snom 360`, `snom D785`, `Phone Manager` on D8xx (Greenbone; High). */
export function pageTitle(model: string): string {
  if (isHttpControlUnsupported(model)) return 'Phone Manager';
  const m = /^snom\s*(.+)$/i.exec(model);
  return `snom ${m?.[1] ?? model}`;
}

/**
 * The topic tree (README "Topic tree"). Every segment that comes from configuration or a phone
 * goes through {@link sanitizeTopicSegment}, so no id can add a level or a wildcard.
 */

/** Longest topic segment we emit, in characters; longer ids are cut (and still unique-checked). */
export const MAX_SEGMENT_LENGTH = 64;

/**
 * Makes a string safe as one MQTT topic level: `+`, `#`, `/`, NUL and other control characters
 * become `_`; empty becomes `_`; cut to {@link MAX_SEGMENT_LENGTH}.
 */
export function sanitizeTopicSegment(value: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[+#/\u0000-\u001f\u007f-\u009f\u2028\u2029\uFFFE\uFFFF]/g, '_');
  const cut = Array.from(cleaned).slice(0, MAX_SEGMENT_LENGTH).join('');
  return cut === '' ? '_' : cut;
}

/**
 * Makes a string safe as a Home Assistant discovery `node_id` / `object_id` and `unique_id`
 * part: only `[A-Za-z0-9_-]` survive, everything else becomes `_`.
 */
export function sanitizeDiscoveryId(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_SEGMENT_LENGTH);
  return cleaned === '' ? '_' : cleaned;
}

/** Topics of one line, below `<prefix>/line/<lineSegment>/`. */
export interface LineTopics {
  /** `idle` | `ringing` | `dialing` | `talking`, retained. */
  readonly state: string;
  /** JSON of the party on the line's current call, retained. */
  readonly caller: string;
  /** JSON of the last missed call, retained. */
  readonly lastMissed: string;
  /** `ON` | `OFF`, retained. */
  readonly dnd: string;
  /** JSON `{ dnd, forwarding }`, retained. */
  readonly presence: string;
  /** `online` | `offline`: whether the phone is reachable, retained. */
  readonly availability: string;
  /** JSON per call event, not retained. */
  readonly event: string;
  /** Command: number to dial (only subscribed when dial commands are on for this line). */
  readonly dialCommand: string;
  /** Command: `ON` / `OFF` (only subscribed when DND commands are on for this line). */
  readonly dndCommand: string;
}

/** Topic of the bridge's own availability (`online`, last will `offline`), retained. */
export function statusTopic(prefix: string): string {
  return `${prefix}/status`;
}

/** All topics of one line. `lineSegment` must already be sanitized. */
export function lineTopics(prefix: string, lineSegment: string): LineTopics {
  const base = `${prefix}/line/${lineSegment}`;
  return {
    state: `${base}/state`,
    caller: `${base}/caller`,
    lastMissed: `${base}/last_missed`,
    dnd: `${base}/dnd`,
    presence: `${base}/presence`,
    availability: `${base}/availability`,
    event: `${base}/event`,
    dialCommand: `${base}/dial/set`,
    dndCommand: `${base}/dnd/set`,
  };
}

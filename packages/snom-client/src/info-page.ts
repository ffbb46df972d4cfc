import { htmlTitle, htmlToText } from './html-text.js';

/** What `info()` reads from a phone's `info.htm`. Fields the page does not show are null. */
export interface PhoneInfo {
  /** Model name as the phone shows it, e.g. `snom360`, `snom190`, `D785`. */
  model: string | null;
  /** MAC address, 12 upper-case hex digits without separators. */
  mac: string | null;
  /** Firmware version, e.g. `8.7.5.17`. */
  firmware: string | null;
}

/** Result of {@link parseInfoPage}: the info, and whether it is a D8xx "Phone Manager" page. */
export interface ParsedInfoPage {
  info: PhoneInfo;
  /** True for a `<title>Phone Manager</title>` page: D8xx phones take no HTTP commands. */
  phoneManager: boolean;
}

const MODEL = /(?:snom\s?\d{3}[a-z]*|\bD\d{3}[a-z]*\b)/i;
const MAC = /MAC(?:[\s-]*Address)?[\s:=]*((?:[0-9A-F]{2}[:-]?){5}[0-9A-F]{2})(?![0-9A-F])/i;
const FIRMWARE =
  /(?:Firmware|Software|Version)(?:[\s-]*Version)?[\s:=]*(?:(snom\s?\d{3}[a-z]*|D\d{3}[a-z]*)(?:-SIP)?\s+)?v?(\d+(?:\.\d+){1,4}(?:[-\w.]*)?)/i;
const HARDWARE = /(?:Hardware|Model|Phone\s*Type|Type)[\s:=]*(snom\s?\d{3}[a-z]*|D\d{3}[a-z]*)/i;

/** Normalises `snom 360` → `snom360`, `d785` → `D785`. */
function normaliseModel(raw: string): string {
  const compact = raw.replace(/\s+/g, '');
  return /^d/i.test(compact) ? compact.toUpperCase() : `snom${compact.slice(4)}`;
}

/**
 * Reads model, MAC and firmware from an `info.htm` page (HTML or plain text). Tolerant of the
 * label variants seen in public code (`Mac:000413…`, `MAC Address: 00:04:13:…`,
 * `Hardware: D785`, `Firmware-Version: snom360-SIP 8.7.5.17`).
 */
export function parseInfoPage(page: string): ParsedInfoPage {
  const title = htmlTitle(page);
  const phoneManager = title !== null && /phone\s*manager/i.test(title);
  const text = htmlToText(page).replace(/[ \t]+/g, ' ');
  const mac = MAC.exec(text)?.[1]?.replace(/[:-]/g, '').toUpperCase() ?? null;
  const firmwareMatch = FIRMWARE.exec(text);
  const firmware = firmwareMatch?.[2] ?? null;
  const modelRaw = HARDWARE.exec(text)?.[1] ?? firmwareMatch?.[1] ?? MODEL.exec(text)?.[0] ?? null;
  return {
    info: { model: modelRaw === null ? null : normaliseModel(modelRaw), mac, firmware },
    phoneManager,
  };
}

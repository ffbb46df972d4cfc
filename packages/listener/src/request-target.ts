/**
 * Characters that may stay as they are in a re-encoded request target: printable ASCII except
 * the characters a URL parser would treat specially or re-encode (`"#'<>\^`{|}` and space).
 */
const SAFE = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) SAFE[c] = 1;
for (const ch of '"#\'<>\\^`{|}') SAFE[ch.charCodeAt(0)] = 0;

const HEX = '0123456789ABCDEF';

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function validEscapeAt(text: string, i: number): boolean {
  return i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2));
}

/**
 * `encodeRequestTarget` for a target read as Latin-1 text, one character per byte (how the phone
 * port reads request heads). A target that needs nothing (every encoding phone's) is returned as
 * it is; otherwise the safe runs are copied as slices between the escapes.
 */
export function encodeTarget(text: string): string {
  let out = '';
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) & 0xff;
    if (c === 37) {
      if (validEscapeAt(text, i)) continue;
      out += `${text.slice(copied, i)}%25`;
    } else if (SAFE[c] === 1) {
      continue;
    } else {
      out += `${text.slice(copied, i)}%${HEX[c >> 4] ?? '0'}${HEX[c & 15] ?? '0'}`;
    }
    copied = i + 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * Percent-encodes every byte of a raw request target that is not safe in a URL (raw spaces,
 * UTF-8 or Latin-1 bytes, `#`, quotes, …). Valid `%XX` escapes are kept; a `%` that starts no
 * valid escape becomes `%25`. The result is plain ASCII that any URL parser accepts unchanged.
 */
export function encodeRequestTarget(bytes: Uint8Array): string {
  return encodeTarget(
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'),
  );
}

/** The request line of a raw HTTP/1.x request head. */
export interface RawRequestLine {
  method: string;
  /** The target, re-encoded by `encodeRequestTarget`; always starts with `/`. */
  target: string;
  version: '1.0' | '1.1';
}

const METHOD = /^[A-Z]{1,16}$/;
const VERSION_MARK = ' HTTP/1.';

/**
 * Reads a request line (without its line end) tolerantly, as Latin-1 text: the target is
 * everything between the first space and the LAST ` HTTP/1.x`, so raw spaces inside it survive.
 * An absolute-form target (`http://host/path`) is reduced to its path. Returns `undefined`
 * when the line is not an HTTP/1.x request line at all.
 */
export function parseRequestLine(line: string): RawRequestLine | undefined {
  const firstSpace = line.indexOf(' ');
  if (firstSpace <= 0) return undefined;
  const method = line.slice(0, firstSpace);
  if (!METHOD.test(method)) return undefined;
  const end = line.lastIndexOf(VERSION_MARK);
  if (end <= firstSpace) return undefined;
  const minor = line.charCodeAt(end + VERSION_MARK.length);
  if ((minor !== 48 && minor !== 49) || line.slice(end + VERSION_MARK.length + 1).trim() !== '') {
    return undefined;
  }
  let start = firstSpace + 1;
  if (line.startsWith('http://', start) || line.startsWith('https://', start)) {
    const slash = line.indexOf('/', line.indexOf('//', start) + 2);
    if (slash < 0 || slash >= end) return undefined;
    start = slash;
  }
  if (line.charCodeAt(start) !== 47) return undefined;
  return {
    method,
    target: encodeTarget(line.slice(start, end)),
    version: minor === 48 ? '1.0' : '1.1',
  };
}

/**
 * Bytes that may stay as they are in a re-encoded request target: printable ASCII except the
 * characters a URL parser would treat specially or re-encode (`"#'<>\^`{|}` and space).
 */
const SAFE = new Uint8Array(256);
for (let b = 0x21; b <= 0x7e; b++) SAFE[b] = 1;
for (const ch of '"#\'<>\\^`{|}') SAFE[ch.charCodeAt(0)] = 0;

const HEX = '0123456789ABCDEF';

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 48 && b <= 57) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102));
}

/**
 * Percent-encodes every byte of a raw request target that is not safe in a URL (raw spaces,
 * UTF-8 or Latin-1 bytes, `#`, quotes, …). Valid `%XX` escapes are kept; a `%` that starts no
 * valid escape becomes `%25`. The result is plain ASCII that any URL parser accepts unchanged.
 */
export function encodeRequestTarget(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (b === 37) {
      out += isHex(bytes[i + 1]) && isHex(bytes[i + 2]) ? '%' : '%25';
    } else if (SAFE[b] === 1) {
      out += String.fromCharCode(b);
    } else {
      out += '%' + (HEX[b >> 4] ?? '0') + (HEX[b & 15] ?? '0');
    }
  }
  return out;
}

/** The request line of a raw HTTP/1.x request head. */
export interface RawRequestLine {
  method: string;
  /** The target, re-encoded by `encodeRequestTarget`; always starts with `/`. */
  target: string;
  version: '1.0' | '1.1';
}

const METHOD = /^[A-Z]{1,16}$/;

/**
 * Reads the request line of a raw head (`line` without its CRLF) tolerantly: the target is
 * everything between the first space and the LAST ` HTTP/1.x`, so raw spaces inside it survive.
 * An absolute-form target (`http://host/path`) is reduced to its path. Returns `undefined`
 * when the line is not an HTTP/1.x request line at all.
 */
export function parseRawRequestLine(line: Uint8Array): RawRequestLine | undefined {
  const text = Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('latin1');
  const firstSpace = text.indexOf(' ');
  if (firstSpace <= 0) return undefined;
  const method = text.slice(0, firstSpace);
  if (!METHOD.test(method)) return undefined;
  const match = / HTTP\/1\.([01])\s*$/.exec(text);
  if (match === null || match.index <= firstSpace) return undefined;
  let start = firstSpace + 1;
  const end = match.index;
  if (text.startsWith('http://', start) || text.startsWith('https://', start)) {
    const slash = text.indexOf('/', text.indexOf('//', start) + 2);
    if (slash < 0 || slash >= end) return undefined;
    start = slash;
  }
  if (text.charCodeAt(start) !== 47) return undefined;
  return {
    method,
    target: encodeRequestTarget(line.subarray(start, end)),
    version: match[1] === '0' ? '1.0' : '1.1',
  };
}

/**
 * CSV export that is safe to open in a spreadsheet. Caller names and numbers are hostile input:
 * a cell starting with `=`, `+`, `-`, `@`, tab or carriage return would be run as a formula
 * (CSV injection, OWASP), so such cells get a leading `'`. Cells holding a separator, quote or
 * line break are quoted (RFC 4180).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell, neutralised and quoted as needed. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  if (/[",;\r\n]/.test(text)) text = `"${text.replaceAll('"', '""')}"`;
  return text;
}

/** A whole CSV document (CRLF line ends, as spreadsheets expect) from a header and rows. */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | boolean | null | undefined)[])[],
): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

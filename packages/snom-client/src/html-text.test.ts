import { describe, expect, it } from 'vitest';
import { costRatio } from './__fixtures__/cost-ratio.js';
import { decodeHtmlEntities, htmlTitle, htmlToText } from './html-text.js';

/** A normal settings-like page of about `bytes` characters. */
function normalPage(bytes: number): string {
  const rows: string[] = ['<html><head><title>snom 360</title></head><body><table>'];
  let size = rows[0]?.length ?? 0;
  for (let i = 0; size < bytes - 30; i++) {
    const row = `<tr><td>user_name${i % 12}</td><td>Jürgen &amp; Co ${i}</td></tr>\n`;
    rows.push(row);
    size += row.length;
  }
  rows.push('</table></body></html>');
  return rows.join('').padEnd(bytes, ' ');
}

describe('decodeHtmlEntities', () => {
  it('decodes every named entity, decimal and hex references', () => {
    expect(decodeHtmlEntities('&auml;&ouml;&uuml;&szlig; &euro;5 &hellip; &nbsp;|')).toBe(
      'äöüß €5 … \u00a0|',
    );
    expect(
      decodeHtmlEntities('&lt;sip:201@pbx&gt; &quot;A&quot; &apos;&#39;&#228;&#xE4;&#X1F4DE;'),
    ).toBe('<sip:201@pbx> "A" \'\'ää📞');
  });

  it('needs the semicolon, so unescaped query strings and unknown names stay', () => {
    expect(decodeHtmlEntities('/a?x=1&notify=2&reg=3&amp')).toBe('/a?x=1&notify=2&reg=3&amp');
    expect(decodeHtmlEntities('&bogus; & &;')).toBe('&bogus; & &;');
  });

  it('turns invalid code points into U+FFFD instead of throwing', () => {
    expect(decodeHtmlEntities('&#0;&#xD800;&#x110000;')).toBe('\ufffd\ufffd\ufffd');
  });
});

describe('htmlToText', () => {
  it('drops head, script, style and comments, and breaks lines at blocks and <br>', () => {
    const page =
      '<!DOCTYPE html><html><head><title>T</title><style>p{}</style></head><body>' +
      '<script>var a = "<p>x</p>";</script><!-- hidden --><p>one</p>two<br>three<BR/>four</body></html>';
    expect(htmlToText(page).split('\n').filter(Boolean)).toEqual(['one', 'two', 'three', 'four']);
  });

  it('joins adjacent table cells with ": " and decodes entities in them', () => {
    const page =
      '<table><tr><td>user_name1</td>\n  <td>M&uuml;ller &amp; S&ouml;hne</td></tr></table>';
    expect(htmlToText(page)).toContain('user_name1: Müller & Söhne');
  });

  it('counts the line break after a <br> as part of it (SIP trace pages keep their blank lines)', () => {
    const page =
      'Received from udp:192.0.2.10:5060 (425 bytes):<br>\n<br>\nINVITE sip:201@pbx SIP/2.0<br>\nVia: x<br>\n';
    expect(htmlToText(page)).toBe(
      'Received from udp:192.0.2.10:5060 (425 bytes):\n\nINVITE sip:201@pbx SIP/2.0\nVia: x\n',
    );
  });

  it('keeps text that only looks like a tag (an unescaped SIP trace)', () => {
    const page = '<pre>From: "A, B" <sip:201@pbx;line=wxecg2hg>;tag=1\nTo: <201>\n</pre>';
    expect(htmlToText(page)).toBe(
      '\nFrom: "A, B" <sip:201@pbx;line=wxecg2hg>;tag=1\nTo: <201>\n\n',
    );
  });

  it('passes plain text through unchanged', () => {
    const text = 'user_name1: 201\nnote: a < b && c > d, <201> called\n';
    expect(htmlToText(text)).toBe(text);
  });

  it('stays linear on hostile pages: 100,000 unclosed tags cost about what a normal page of the same size costs', () => {
    const unclosed = '<div>'.repeat(100_000); // 500 kB, well within the 1 MiB body cap
    const unclosedOpen = '<a '.repeat(100_000); // tags that never end
    const unmatched = '<div>'.repeat(50_000) + '</x>'.repeat(50_000); // a tree builder's worst case
    const normal = normalPage(unclosed.length);
    htmlToText(normal); // warm up
    for (const hostile of [unclosed, unclosedOpen, unmatched]) {
      // Measured about 0.3-1.2; the old regex stripping took minutes on `unclosedOpen`.
      expect(costRatio(htmlToText, hostile.padEnd(normal.length, ' '), normal)).toBeLessThan(5);
    }
  });
});

describe('htmlTitle', () => {
  it('reads the first title, decoded and trimmed', () => {
    expect(htmlTitle('<html><head><TITLE> snom&nbsp;360 </TITLE></head></html>')).toBe(
      'snom\u00a0360',
    );
    expect(htmlTitle('<title>Phone Manager</title><title>x</title>')).toBe('Phone Manager');
  });

  it('is null without a complete title', () => {
    expect(htmlTitle('<html><body>no title</body></html>')).toBeNull();
    expect(htmlTitle('<title>never closed')).toBeNull();
  });
});

import { decodeHTMLStrict } from 'entities';
import { Tokenizer, type TokenizerCallbacks } from 'htmlparser2';

/**
 * Decodes every HTML character reference: all HTML5 named entities (`&auml;`, `&euro;`,
 * `&amp;`), decimal and hex references (`&#228;`, `&#xE4;`). A reference needs its `;`, so an
 * unescaped query string in a phone page (`?a=1&notify=2`, `&reg=3`) stays as it is; unknown
 * names stay too. Invalid code points (0, surrogates, > U+10FFFF) become U+FFFD, as browsers do.
 * Built on `entities` (the decoder htmlparser2 and cheerio use), linear in the input.
 */
export function decodeHtmlEntities(text: string): string {
  return text.includes('&') ? decodeHTMLStrict(text) : text;
}

/** Tags whose start or end is a line break in the text. */
const BLOCK_TAGS = new Set([
  'address',
  'article',
  'blockquote',
  'body',
  'dd',
  'div',
  'dl',
  'dt',
  'fieldset',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'html',
  'li',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'tbody',
  'tfoot',
  'thead',
  'tr',
  'ul',
]);

/** Tags whose content is not page text. */
const HIDDEN_TAGS = new Set(['script', 'style', 'title', 'template', 'noscript']);

/** An HTML tag name; anything else between `<` and `>` (`<sip:201@pbx>`) is text on a phone page. */
const HTML_TAG_NAME = /^[a-z][a-z0-9-]*$/i;

/**
 * Turns an HTML page into plain text lines, in one pass of htmlparser2's tokenizer (no element
 * stack, so no input makes it slower than linear): `<head>`, `<script>`, `<style>` and `<title>`
 * content dropped; `<br>` (and the one line break after it in the source) and the start and end of
 * block tags become line breaks; adjacent table cells become `cell: cell`; comments and doctypes
 * go; entities are decoded. Text that only looks like a tag (`<sip:201@pbx;line=x>`, `<201>`)
 * is kept, so an unescaped SIP trace survives. Plain text passes through unchanged (apart from
 * entities).
 */
export function htmlToText(html: string): string {
  const out: string[] = [];
  // Raw text since the last line break we emitted, decoded as one run (an entity never spans a
  // tag). Adjacent source ranges are merged, so a page of 500,000 `<` stays one slice.
  const run: string[] = [];
  let runStart = -1;
  let runEnd = -1;
  let heldCellGap = ''; // whitespace after </td> that becomes ': ' if a cell follows
  let afterCell = false;
  let afterBreak = false; // the next source line break belongs to the <br> before it
  let inHead = false;
  let hiddenTag: string | null = null;
  let openName = '';
  let openStart = 0;
  let closeName = '';

  const name = (start: number, end: number): string => html.slice(start, end).toLowerCase();
  const closeRange = (): void => {
    if (runStart !== -1) run.push(html.slice(runStart, runEnd));
    runStart = -1;
  };
  const addRange = (start: number, end: number): void => {
    if (start === runEnd && runStart !== -1) {
      runEnd = end;
      return;
    }
    closeRange();
    runStart = start;
    runEnd = end;
  };
  const flush = (): void => {
    closeRange();
    if (run.length > 0) out.push(decodeHtmlEntities(run.join('')));
    run.length = 0;
  };
  const endCellGap = (): void => {
    if (afterCell && heldCellGap !== '') {
      closeRange();
      run.push(heldCellGap);
    }
    heldCellGap = '';
    afterCell = false;
  };
  const emit = (text: string): void => {
    endCellGap();
    flush();
    out.push(text);
    afterBreak = false;
  };
  const tag = (tagName: string, closing: boolean): void => {
    if (tagName === 'head') {
      inHead = !closing;
      return;
    }
    if (tagName === 'body') inHead = false;
    if (HIDDEN_TAGS.has(tagName)) {
      hiddenTag = closing ? null : tagName;
      return;
    }
    if ((tagName === 'td' || tagName === 'th') && !closing && afterCell) {
      heldCellGap = '';
      afterCell = false;
      emit(': ');
      return;
    }
    if (tagName === 'br') {
      emit('\n');
      afterBreak = true;
      return;
    }
    if (BLOCK_TAGS.has(tagName)) emit('\n');
    if ((tagName === 'td' || tagName === 'th') && closing) {
      endCellGap();
      afterCell = true;
    }
  };

  const callbacks: TokenizerCallbacks = {
    ontext(start, end) {
      if (hiddenTag !== null || inHead) return;
      let from = start;
      if (afterBreak) {
        if (html.charCodeAt(from) === 13 && html.charCodeAt(from + 1) === 10) from += 2;
        else if (html.charCodeAt(from) === 10) from += 1;
        afterBreak = false;
      }
      if (afterCell) {
        const text = html.slice(from, end);
        if (/^\s*$/.test(text)) {
          heldCellGap += text;
          return;
        }
      }
      endCellGap();
      if (from < end) addRange(from, end);
    },
    ontextentity() {
      // decodeEntities is off: entities arrive as text and are decoded per run.
    },
    onopentagname(start, end) {
      openStart = start - 1;
      openName = html.slice(start, end);
    },
    onopentagend(end) {
      openTag(end);
    },
    onselfclosingtag(end) {
      openTag(end);
    },
    onclosetag(start, end) {
      closeName = name(start, end);
      if (HTML_TAG_NAME.test(closeName)) tag(closeName, true);
    },
    onattribname() {},
    onattribdata() {},
    onattribentity() {},
    onattribend() {},
    oncdata() {},
    oncomment() {},
    ondeclaration() {},
    onprocessinginstruction() {},
    onend() {
      endCellGap();
      flush();
    },
  };

  function openTag(end: number): void {
    if (HTML_TAG_NAME.test(openName)) {
      tag(openName.toLowerCase(), false);
    } else if (hiddenTag === null && !inHead) {
      // Not HTML: `<sip:201@pbx>` in an unescaped page is text.
      endCellGap();
      addRange(openStart, end + 1);
    }
  }

  const tokenizer = new Tokenizer({ decodeEntities: false }, callbacks);
  tokenizer.write(html);
  tokenizer.end();
  return out.join('');
}

/** The text of the page's first `<title>` (entities decoded, trimmed), or null. */
export function htmlTitle(html: string): string | null {
  const at = html.search(/<title\b/i);
  if (at === -1) return null;
  // Start at the first `<title`: the page before it cannot change what the title says.
  const page = html.slice(at);
  let title: string | null = null;
  let inTitle = false;
  let text = '';
  const noop = (): void => undefined;
  const tokenizer = new Tokenizer(
    { decodeEntities: false },
    {
      ontext(start, end) {
        if (inTitle) text += page.slice(start, end);
      },
      onopentagname(start, end) {
        if (title === null && page.slice(start, end).toLowerCase() === 'title') inTitle = true;
      },
      onclosetag(start, end) {
        if (inTitle && page.slice(start, end).toLowerCase() === 'title') {
          inTitle = false;
          title = decodeHtmlEntities(text).trim();
          tokenizer.pause();
        }
      },
      ontextentity: noop,
      onopentagend: noop,
      onselfclosingtag: noop,
      onattribname: noop,
      onattribdata: noop,
      onattribentity: noop,
      onattribend: noop,
      oncdata: noop,
      oncomment: noop,
      ondeclaration: noop,
      onprocessinginstruction: noop,
      onend: noop,
    },
  );
  tokenizer.write(page);
  if (tokenizer.running) tokenizer.end();
  return title;
}

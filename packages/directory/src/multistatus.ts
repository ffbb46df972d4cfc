import { Parser } from 'htmlparser2';

/** One `<response>` of a WebDAV multistatus with the address data it carries. */
export interface MultistatusItem {
  readonly href: string;
  readonly addressData: string | null;
}

const localName = (tag: string): string => tag.slice(tag.indexOf(':') + 1).toLowerCase();

/**
 * Reads a WebDAV `207 Multi-Status` body (RFC 4918) as sent for a CardDAV addressbook-query:
 * each response's href and the text of its `address-data` in a propstat whose status is 200.
 * Namespace prefixes differ between servers (`D:`, `d:`, none), so elements match by local name.
 */
export function parseMultistatus(xml: string): MultistatusItem[] {
  const items: MultistatusItem[] = [];
  const stack: string[] = [];
  let href = '';
  let data: string | null = null;
  let propData: string | null = null;
  let status = '';
  let text = '';
  const parser = new Parser(
    {
      onopentag(name) {
        const tag = localName(name);
        stack.push(tag);
        text = '';
        if (tag === 'response') {
          href = '';
          data = null;
        } else if (tag === 'propstat') {
          propData = null;
          status = '';
        }
      },
      ontext(chunk) {
        text += chunk;
      },
      onclosetag(name) {
        const tag = localName(name);
        stack.pop();
        const parent = stack[stack.length - 1];
        if (tag === 'href' && parent === 'response') href = text.trim();
        else if (tag === 'address-data') propData = text;
        else if (tag === 'status' && parent === 'propstat') status = text;
        else if (tag === 'propstat') {
          if (/\s200\s/.test(` ${status} `) || status === '') data = propData ?? data;
        } else if (tag === 'response') items.push({ href, addressData: data });
        text = '';
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(xml);
  parser.end();
  return items;
}

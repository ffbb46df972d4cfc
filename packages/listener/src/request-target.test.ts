import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRequestTarget, parseRequestLine } from './request-target.js';

describe('encodeRequestTarget', () => {
  it('encodes raw spaces, UTF-8 and Latin-1 bytes, # and quotes; keeps valid escapes and +', () => {
    expect(encodeRequestTarget(Buffer.from('/a?dr=Jörg Müller+1#"x"%41%zz'))).toBe(
      '/a?dr=J%C3%B6rg%20M%C3%BCller+1%23%22x%22%41%25zz',
    );
    expect(encodeRequestTarget(Buffer.from('/a?dr=J\xf6rg', 'latin1'))).toBe('/a?dr=J%F6rg');
  });

  it('yields printable ASCII that the URL parser leaves unchanged', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        // In the query (where phones put the variables): the path would still get dot segments
        // resolved, which is harmless for /snom/{id}/{event}.
        const target = '/q?' + encodeRequestTarget(bytes);
        expect(target).toMatch(/^[\x21-\x7e]*$/);
        expect(new URL(`http://h${target}`).href).toBe(`http://h${target}`);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseRequestLine', () => {
  it('takes the target up to the last HTTP/1.x, keeping raw spaces', () => {
    expect(parseRequestLine('GET /snom/p/incoming?dr=A HTTP/1.1 B HTTP/1.1')).toEqual({
      method: 'GET',
      target: '/snom/p/incoming?dr=A%20HTTP/1.1%20B',
      version: '1.1',
    });
  });

  it('reads raw UTF-8 and Latin-1 bytes (as Latin-1 text) into escapes', () => {
    const utf8 = Buffer.from('GET /a?dr=Jörg HTTP/1.1').toString('latin1');
    expect(parseRequestLine(utf8)?.target).toBe('/a?dr=J%C3%B6rg');
    expect(parseRequestLine('GET /a?dr=J\xf6rg HTTP/1.0')?.target).toBe('/a?dr=J%F6rg');
  });

  it('reduces an absolute-form target to its path', () => {
    expect(parseRequestLine('GET http://pc:8080/snom/p/x?a=b c HTTP/1.0')).toEqual({
      method: 'GET',
      target: '/snom/p/x?a=b%20c',
      version: '1.0',
    });
  });

  it.each([
    '',
    'GET',
    'GET /a',
    'get /a HTTP/1.1',
    'GET a HTTP/1.1',
    ' /a HTTP/1.1',
    'GET /a HTTP/2',
    'GET /a HTTP/1.2',
    'GET /a HTTP/1.1 x',
  ])('refuses %j', (line) => {
    expect(parseRequestLine(line)).toBeUndefined();
  });
});

import fc from 'fast-check';
import { costRatio } from './__fixtures__/cost-ratio.js';
import { describe, expect, it } from 'vitest';
import { parseSettingsPage } from './settings-page.js';

describe('parseSettingsPage', () => {
  it('reads plain name: value lines with permission flags, keeping colons in values', () => {
    const page = [
      'user_name1!: 201',
      'action_incoming_url&: http://10.0.0.1:8080/a?k=s&e=incoming',
      'display_method$: display_name_number',
      'empty_one: ',
      'not a setting line',
    ].join('\n');
    expect(parseSettingsPage(page)).toEqual({
      user_name1: '201',
      action_incoming_url: 'http://10.0.0.1:8080/a?k=s&e=incoming',
      display_method: 'display_name_number',
      empty_one: '',
    });
  });

  it('strips HTML around the lines and decodes entities', () => {
    const page =
      '<html><head><title>Settings</title></head><body><pre>' +
      'action_outgoing_url: http://h/x?a=1&amp;b=&lt;2&gt;\nuser_realname1: Anna &quot;A&quot; M&#252;ller' +
      '</pre></body></html>';
    expect(parseSettingsPage(page)).toEqual({
      action_outgoing_url: 'http://h/x?a=1&b=<2>',
      user_realname1: 'Anna "A" Müller',
    });
  });

  it('reads the <tr><td>name</td><td>value</td></tr> table form', () => {
    const page =
      '<table><tr><td>user_name1</td><td>201</td></tr>\n' +
      '<tr><td class="n">http_user</td> <td>admin &amp; co</td></tr></table>';
    expect(parseSettingsPage(page)).toEqual({ user_name1: '201', http_user: 'admin & co' });
  });

  it('reads provisioning XML, turning idx into the numbered name', () => {
    const page =
      '<settings><phone-settings><user_name idx="1" perm="">201</user_name>' +
      '<language perm="RW">Deutsch</language><empty perm=""/></phone-settings></settings>';
    expect(parseSettingsPage(page)).toEqual({ user_name1: '201', language: 'Deutsch', empty: '' });
  });

  it('round-trips any name/value map written as escaped lines (property)', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/);
    const value = fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, '').trim());
    fc.assert(
      fc.property(fc.dictionary(name, value), (settings) => {
        const escape = (s: string): string =>
          s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
        const page = `<html><body><pre>${Object.entries(settings)
          .map(([k, v]) => `${k}: ${escape(v)}`)
          .join('\n')}</pre></body></html>`;
        expect(parseSettingsPage(page)).toEqual({ ...settings });
      }),
    );
  });
});

describe('parseSettingsPage on hostile pages', () => {
  it('a line with a long run of inner whitespace costs what a normal page of the same size costs', () => {
    const size = 200_000;
    const hostile = `a: ${' '.repeat(size - 4)}x`;
    const normal = 'user_name1: 201\n'.repeat(size / 16);
    expect(parseSettingsPage(hostile)['a']?.length).toBe(size - 3); // one space after ':' dropped
    // The old `(.*?)\s*$` took about 0.7 s for 20 kB here, growing with the square.
    expect(costRatio(parseSettingsPage, hostile, normal, 5)).toBeLessThan(5);
  });

  it('many unclosed <phone-settings> tags cost what a normal page of the same size costs', () => {
    const size = 200_000;
    const hostile = '<phone-settings>'.repeat(size / 16);
    const normal = 'user_name1: 201\n'.repeat(size / 16);
    expect(parseSettingsPage(hostile)).toEqual({});
    // The old lazy `[\s\S]*?` regex rescanned the page from every unclosed tag.
    expect(costRatio(parseSettingsPage, hostile, normal, 5)).toBeLessThan(5);
  });
});

import { ACTION_EVENT_KINDS } from '@snomlink/core';
import { describe, expect, it } from 'vitest';
import { ACTION_URL_SETTING_NAMES, buildActionUrls, removeActionUrls } from './action-urls.js';
import { isListenerConfigError } from './errors.js';

const base = {
  publicBase: 'http://192.168.1.5:8080',
  phoneId: 'desk-201',
  secret: 'Abc_123-xyz~.',
};

describe('buildActionUrls', () => {
  it('full class: every event with the full template, free text last', () => {
    const urls = buildActionUrls({ ...base, capabilities: 'full' });
    expect(Object.keys(urls)).toHaveLength(ACTION_EVENT_KINDS.length);
    expect(urls.action_incoming_url).toBe(
      'http://192.168.1.5:8080/snom/desk-201/incoming?k=Abc_123-xyz~.&cid=$call-id&n=$nr_ongoing_calls' +
        '&user=$active_user&local=$local&remote=$remote&dr=$display_remote',
    );
    for (const url of Object.values(urls)) expect(url.endsWith('&dr=$display_remote')).toBe(true);
  });

  it('uses the exact snom setting names, including the ones without _url', () => {
    const urls = buildActionUrls({ ...base, capabilities: 'full' });
    for (const name of [
      'action_hold',
      'action_unhold',
      'action_reg_failed',
      'action_transfer',
      'action_blind_transfer',
      'action_attended_transfer',
      'action_setup_url',
      'action_dnd_on_url',
      'action_log_off_url',
    ]) {
      expect(urls).toHaveProperty(name);
    }
    expect(urls.action_hold).toContain('/snom/desk-201/hold?');
    expect(urls.action_reg_failed).toContain('/snom/desk-201/reg-failed?');
    expect(urls).not.toHaveProperty('action_hold_url');
    expect(urls).not.toHaveProperty('action_registered_url');
  });

  it('parameterless class: incoming/outgoing/offhook/onhook with ?k= only', () => {
    expect(buildActionUrls({ ...base, capabilities: 'parameterless' })).toEqual({
      action_incoming_url: 'http://192.168.1.5:8080/snom/desk-201/incoming?k=Abc_123-xyz~.',
      action_outgoing_url: 'http://192.168.1.5:8080/snom/desk-201/outgoing?k=Abc_123-xyz~.',
      action_offhook_url: 'http://192.168.1.5:8080/snom/desk-201/offhook?k=Abc_123-xyz~.',
      action_onhook_url: 'http://192.168.1.5:8080/snom/desk-201/onhook?k=Abc_123-xyz~.',
    });
  });

  it('custom subset, with or without parameters', () => {
    const urls = buildActionUrls({ ...base, capabilities: { events: ['connected', 'hold'] } });
    expect(Object.keys(urls)).toEqual(['action_connected_url', 'action_hold']);
    expect(urls.action_hold).toContain('&cid=$call-id');
    const bare = buildActionUrls({
      ...base,
      capabilities: { events: ['missed'], parameters: false },
    });
    expect(bare).toEqual({
      action_missed_url: 'http://192.168.1.5:8080/snom/desk-201/missed?k=Abc_123-xyz~.',
    });
  });

  it('keeps an https base and strips a trailing slash', () => {
    const urls = buildActionUrls({
      ...base,
      publicBase: 'https://pc.example:8443/',
      capabilities: 'parameterless',
    });
    expect(urls.action_onhook_url).toBe(
      'https://pc.example:8443/snom/desk-201/onhook?k=Abc_123-xyz~.',
    );
  });

  it.each([
    [{ phoneId: 'a b' }, 'phoneId'],
    [{ phoneId: '' }, 'phoneId'],
    [{ phoneId: 'x/y' }, 'phoneId'],
    [{ secret: 'a&b' }, 'secret'],
    [{ secret: '' }, 'secret'],
    [{ publicBase: 'not a url' }, 'publicBase'],
    [{ publicBase: 'ftp://pc' }, 'publicBase'],
    [{ publicBase: 'http://pc:8080/?x=1' }, 'publicBase'],
  ])('rejects %j with ListenerConfigError naming %s', (override, option) => {
    let error: unknown;
    try {
      buildActionUrls({ ...base, capabilities: 'full', ...override });
    } catch (e) {
      error = e;
    }
    expect(isListenerConfigError(error)).toBe(true);
    expect((error as { option: string }).option).toBe(option);
  });

  it('rejects unknown events in a custom subset', () => {
    expect(() =>
      buildActionUrls({ ...base, capabilities: { events: ['ringing' as 'incoming'] } }),
    ).toThrow(/unknown Action URL event "ringing"/);
  });
});

describe('removeActionUrls', () => {
  it('gives the same keys with empty values', () => {
    for (const capabilities of ['full', 'parameterless', { events: ['hold' as const] }] as const) {
      const built = buildActionUrls({ ...base, capabilities });
      const removed = removeActionUrls(capabilities);
      expect(Object.keys(removed)).toEqual(Object.keys(built));
      expect(new Set(Object.values(removed))).toEqual(new Set(['']));
    }
  });

  it('names every kind', () => {
    expect(Object.keys(ACTION_URL_SETTING_NAMES).sort()).toEqual([...ACTION_EVENT_KINDS].sort());
  });
});

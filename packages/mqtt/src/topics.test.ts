import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineStateOf, lineStateOfCall } from './bridge-event.js';
import { discoveryMessages } from './discovery.js';
import { lineTopics, sanitizeDiscoveryId, sanitizeTopicSegment } from './topics.js';
import { testCall } from './testing/index.js';

describe('sanitizeTopicSegment', () => {
  it('any string becomes exactly one non-empty topic level without wildcards or NUL', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (value) => {
        const segment = sanitizeTopicSegment(value);
        expect(segment.length).toBeGreaterThan(0);
        expect(Array.from(segment).length).toBeLessThanOrEqual(64);
        for (const bad of ['+', '#', '/', '\u0000', '\r', '\n']) expect(segment).not.toContain(bad);
        expect(lineTopics('p', segment).state.split('/')).toHaveLength(4);
      }),
    );
  });

  it('keeps ordinary ids as they are', () => {
    expect(sanitizeTopicSegment('desk-1')).toBe('desk-1');
    expect(sanitizeTopicSegment('Büro 2')).toBe('Büro 2');
    expect(sanitizeTopicSegment('a/b+c#d\u0000')).toBe('a_b_c_d_');
    expect(sanitizeTopicSegment('')).toBe('_');
  });
});

describe('sanitizeDiscoveryId', () => {
  it('leaves only the characters Home Assistant accepts in node and object ids', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (value) => {
        expect(sanitizeDiscoveryId(value)).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      }),
    );
  });
});

describe('line state', () => {
  it('maps call states to idle/ringing/dialing/talking', () => {
    expect(lineStateOfCall('offering')).toBe('ringing');
    expect(lineStateOfCall('ringback')).toBe('dialing');
    expect(lineStateOfCall('onhold')).toBe('talking');
    expect(lineStateOfCall('disconnected')).toBe('idle');
  });

  it('a ringing call wins over a connected one, which wins over dialing', () => {
    const talking = testCall({ phoneId: 'p', id: 'a', state: 'connected' });
    const ringing = testCall({ phoneId: 'p', id: 'b', state: 'offering' });
    const dialing = testCall({ phoneId: 'p', id: 'c', state: 'dialing', direction: 'outbound' });
    expect(lineStateOf([dialing, talking, ringing])).toEqual({ state: 'ringing', call: ringing });
    expect(lineStateOf([dialing, talking])).toEqual({ state: 'talking', call: talking });
    expect(lineStateOf([])).toEqual({ state: 'idle', call: null });
  });
});

describe('discoveryMessages', () => {
  it('one device per line; a hostile name stays inside the JSON', () => {
    const name = '"}],"device":{"identifiers":["x"]}';
    const messages = discoveryMessages({
      discoveryPrefix: 'homeassistant',
      topicPrefix: 'snomlink',
      line: { id: 'desk/1', name },
      topics: lineTopics('snomlink', sanitizeTopicSegment('desk/1')),
      dndCommand: false,
      dialCommand: false,
    });
    expect(messages.map((m) => m.topic)).toContain(
      'homeassistant/sensor/snomlink_snomlink_desk_1/state/config',
    );
    for (const m of messages) {
      const config = JSON.parse(JSON.stringify(m.config)) as {
        device: { identifiers: string[]; name: string };
      };
      expect(config.device).toMatchObject({ identifiers: ['snomlink_snomlink_desk_1'], name });
    }
  });
});

import { describe, expect, it } from 'vitest';
import {
  SnomAuthError,
  SnomProtocolError,
  SnomTimeoutError,
  SnomUnsupportedModelError,
} from '@snomlink/snom-client';
import { describePhoneError, healthStatusOf, toPhoneApiError } from './phone-errors.js';

const context = { phoneHost: '127.0.0.2' };

describe('toPhoneApiError', () => {
  it.each([
    [new SnomTimeoutError('no answer within 5000 ms', 5000, context), 504, 'phone-timeout'],
    [new SnomAuthError('401', 'digest', context), 502, 'phone-auth-failed'],
    [
      new SnomUnsupportedModelError('D865 takes no commands', 'D865', context),
      422,
      'phone-unsupported',
    ],
    [new SnomProtocolError('not a snom page', 200, '<html>', context), 502, 'phone-not-snom'],
  ])('maps %s', (error, status, code) => {
    expect(toPhoneApiError('desk', 'dial', error)).toMatchObject({ status, code });
  });

  it('does not take an unbranded error of the same name for snom-client’s', () => {
    const lookalike = Object.assign(new Error('late'), {
      name: 'SnomTimeoutError',
      code: 'timeout',
    });
    expect(toPhoneApiError('desk', 'dial', lookalike)).toMatchObject({
      status: 502,
      code: 'phone-error',
    });
    expect(
      healthStatusOf(Object.assign(new Error('x'), { name: 'SnomAuthError', code: 'auth' })),
    ).toBe('unreachable');
    expect(healthStatusOf(new SnomAuthError('401', 'basic', context))).toBe('auth-failed');
  });

  it('says when the host answers but is no snom phone', () => {
    expect(describePhoneError(new SnomProtocolError('no model', 200, '', context))).toMatch(
      /^answers, but not like a snom phone: /,
    );
  });
});

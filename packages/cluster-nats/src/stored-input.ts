import { safeParseActionEvent, type LineInput } from '@snomlink/core';
import type { StoredInput } from './cluster-types.js';

/** Phone ids usable as subject tokens and KV keys (the cluster's rule for phone ids). */
export const PHONE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** True when `phoneId` is safe as a subject token and KV key. */
export function isClusterPhoneId(phoneId: string): boolean {
  return PHONE_ID_PATTERN.test(phoneId);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

function parseLineInput(value: unknown, phoneId: string): LineInput | null {
  if (!isRecord(value)) return null;
  switch (value['kind']) {
    case 'tick':
      return { kind: 'tick' };
    case 'directory-name': {
      const { callId, party, number, name } = value;
      if (typeof callId !== 'string' || typeof number !== 'string') return null;
      if (party !== 'callerId' && party !== 'calledId' && party !== 'connectedId') return null;
      if (!isNullableString(name)) return null;
      return { kind: 'directory-name', phoneId, callId, party, number, name };
    }
    case 'forwarding-target': {
      const { mode, target } = value;
      if (!isNullableString(mode) || !isNullableString(target)) return null;
      return { kind: 'forwarding-target', phoneId, mode, target };
    }
    default: {
      const parsed = safeParseActionEvent(value);
      return parsed.success && parsed.output.phoneId === phoneId ? parsed.output : null;
    }
  }
}

/**
 * Parses one EVENTS message. The subject's phone id must match the body's, and the input must be
 * one the reducer knows; anything else is null (skipped by the owner, the same way on every
 * owner, so skipping stays deterministic).
 */
export function parseStoredInput(data: Uint8Array, subjectPhoneId: string): StoredInput | null {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  const { phoneId, receivedAt, via } = value;
  if (phoneId !== subjectPhoneId || typeof phoneId !== 'string') return null;
  if (typeof receivedAt !== 'number' || !Number.isFinite(receivedAt)) return null;
  const input = parseLineInput(value['input'], phoneId);
  if (input === null) return null;
  return { phoneId, input, receivedAt, via: typeof via === 'string' ? via : '' };
}

/** The last token of a subject (the phone id of an EVENTS or CHANGES subject). */
export function lastToken(subject: string): string {
  const dot = subject.lastIndexOf('.');
  return dot < 0 ? subject : subject.slice(dot + 1);
}

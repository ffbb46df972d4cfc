import type { DialRules } from '@snomlink/core';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api/client.js';

let cached: DialRules | null = null;
let pending: Promise<DialRules> | null = null;
const subscribers = new Set<(rules: DialRules) => void>();

/** Loads the daemon's dial rules once per page load (click-to-dial preview needs them). */
export function loadDialRules(): Promise<DialRules> {
  if (cached !== null) return Promise.resolve(cached);
  pending ??= api<DialRules>('GET', '/api/dialing').then(
    (rules) => {
      setDialRules(rules);
      return rules;
    },
    (e: unknown) => {
      pending = null;
      throw e;
    },
  );
  return pending;
}

/** Replaces the cached rules after a save, so every preview follows at once. */
export function setDialRules(rules: DialRules): void {
  cached = rules;
  for (const fn of subscribers) fn(rules);
}

/** The daemon's dial rules (null while loading or when loading failed), and the load error. */
export function useDialRules(): { rules: DialRules | null; error: unknown } {
  const [rules, setRules] = useState<DialRules | null>(cached);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    subscribers.add(setRules);
    loadDialRules().then(setRules, setError);
    return () => {
      subscribers.delete(setRules);
    };
  }, []);
  return { rules, error };
}

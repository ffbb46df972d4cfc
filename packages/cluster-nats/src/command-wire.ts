import { createHash } from 'node:crypto';
import * as v from 'valibot';
import type { ClusterCommand, ClusterCommandResult } from './cluster-types.js';

// What travels on the command subjects and what the commands bucket stores, validated with
// valibot on every read: a command subject and the bucket are writable by anyone holding NATS
// credentials for them, so nothing read from either is trusted beyond its shape.

/** Phone ids are subject tokens and KV keys (the cluster plan's rule). */
export const PHONE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Command ids become KV keys in the commands bucket: uuids and similar, nothing else. */
export const COMMAND_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

const commandSchema = v.object({
  id: v.pipe(v.string(), v.regex(COMMAND_ID_PATTERN)),
  phoneId: v.pipe(v.string(), v.regex(PHONE_ID_PATTERN)),
  name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)),
  args: v.unknown(),
});

const resultSchema = v.union([
  v.object({ ok: v.literal(true), value: v.unknown() }),
  v.object({
    ok: v.literal(false),
    status: v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(599)),
    error: v.string(),
  }),
]);

/** A request on a command subject. `waitMs`: how long a server may wait on a running claim. */
export const commandRequestSchema = v.object({
  v: v.literal(1),
  waitMs: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(600_000)),
  command: commandSchema,
});

/** A request on a command subject, after validation. */
export type CommandRequest = v.InferOutput<typeof commandRequestSchema>;

/** The owner's reply: the result, or "claimed elsewhere and not finished yet" (retry). */
export const commandReplySchema = v.variant('kind', [
  v.object({ v: v.literal(1), kind: v.literal('result'), result: resultSchema }),
  v.object({ v: v.literal(1), kind: v.literal('pending'), node: v.string() }),
]);

/** A reply on a command subject, after validation. */
export type CommandReply =
  | { readonly v: 1; readonly kind: 'result'; readonly result: ClusterCommandResult }
  | { readonly v: 1; readonly kind: 'pending'; readonly node: string };

/** A command id's record in the commands bucket: claimed (running) or done with its result. */
export const commandRecordSchema = v.variant('state', [
  v.object({
    state: v.literal('running'),
    claimer: v.string(),
    node: v.string(),
    digest: v.string(),
    at: v.number(),
  }),
  v.object({
    state: v.literal('done'),
    claimer: v.string(),
    node: v.string(),
    digest: v.string(),
    at: v.number(),
    result: resultSchema,
  }),
]);

/** A command id's record in the commands bucket, after validation. */
export type CommandRecord =
  | {
      readonly state: 'running';
      readonly claimer: string;
      readonly node: string;
      readonly digest: string;
      readonly at: number;
    }
  | {
      readonly state: 'done';
      readonly claimer: string;
      readonly node: string;
      readonly digest: string;
      readonly at: number;
      readonly result: ClusterCommandResult;
    };

/** JSON with object keys sorted, so equal values give equal text whatever their key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((x) => stableJson(x ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, x]) => x !== undefined && typeof x !== 'function')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  // JSON.stringify gives undefined for undefined, functions and symbols (its type says string).
  const text = JSON.stringify(value) as string | undefined;
  return text ?? 'null';
}

/**
 * What a command id stands for: a reused id with other content is refused, never answered with
 * another command's stored result.
 */
export function commandDigest(command: ClusterCommand): string {
  return createHash('sha256')
    .update(stableJson({ phoneId: command.phoneId, name: command.name, args: command.args }))
    .digest('base64url');
}

/** Parses JSON text against a schema; undefined when either fails. */
export function parseJson<S extends v.GenericSchema>(
  schema: S,
  text: string,
): v.InferOutput<S> | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = v.safeParse(schema, raw);
  return parsed.success ? parsed.output : undefined;
}

/** A failed result as data (the daemon maps `status` to its HTTP answer). */
export function failure(status: number, error: string): ClusterCommandResult {
  return { ok: false, status, error };
}

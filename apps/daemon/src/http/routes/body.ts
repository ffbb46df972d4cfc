import type { Context } from 'hono';
import * as v from 'valibot';
import { ApiError } from '../../errors.js';

/** The JSON body validated by `schema`; 400 `invalid-json` or `validation` naming the field. */
export async function jsonBody<S extends v.GenericSchema>(
  c: Context,
  schema: S,
): Promise<v.InferOutput<S>> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw new ApiError(
      400,
      'invalid-json',
      'the request body must be JSON (content-type: application/json)',
    );
  }
  const result = v.safeParse(schema, json);
  if (!result.success) {
    const issue = result.issues[0];
    throw new ApiError(400, 'validation', `${v.getDotPath(issue) ?? 'body'}: ${issue.message}`);
  }
  return result.output;
}

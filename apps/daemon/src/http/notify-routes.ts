import { Hono } from 'hono';
import * as v from 'valibot';
import { isNotifySmtpError } from '@snomlink/notify';
import type { TestMailResult } from '@snomlink/notify';
import { ApiError } from '../errors.js';
import { component, describe } from './route-docs.js';

/** What `POST /api/notify/test` needs: the running mailer, or null when e-mail is off. */
export interface NotifyRoutesDeps {
  readonly email: () => { sendTest(to?: string): Promise<TestMailResult> } | null;
}

/** Body of `POST /api/notify/test`: optionally one address instead of every recipient. */
export const notifyTestRequestSchema = v.object({
  to: v.optional(
    v.pipe(v.string(), v.trim(), v.email('to must be an e-mail address, e.g. "anna@example.com"')),
  ),
});

/** Answer of `POST /api/notify/test`: what the SMTP server accepted. */
export const notifyTestResultSchema = v.object({
  messageId: v.string(),
  accepted: v.array(v.string()),
  rejected: v.array(v.string()),
});
/** Answer of `POST /api/notify/test`. */
export type NotifyTestResult = v.InferOutput<typeof notifyTestResultSchema>;

function readOptionalBody(body: string): v.InferOutput<typeof notifyTestRequestSchema> {
  if (body.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ApiError(
      400,
      'invalid-json',
      'the request body must be JSON, e.g. {"to":"anna@example.com"}, or empty',
    );
  }
  const result = v.safeParse(notifyTestRequestSchema, json);
  if (!result.success)
    throw new ApiError(400, 'invalid-request', result.issues.map((i) => i.message).join('; '));
  return result.output;
}

/**
 * Admin routes of missed-call notification: `POST /test` sends a test e-mail to every
 * configured recipient (or to `to`) over the configured SMTP server and answers what the
 * server accepted. 409 when `notify.email` is not configured; 502 with the SMTP error code when
 * the server refused or could not be reached. Mounted under `/api/notify` (after auth).
 */
export function createNotifyRoutes(deps: NotifyRoutesDeps): Hono {
  const app = new Hono();
  app.post(
    '/test',
    describe({
      tag: 'notify',
      summary: 'Send a test missed-call e-mail (to every recipient, or to `to`)',
      description: 'The body is empty or `{"to": "anna@example.com"}`.',
      response: component('NotifyTestResult', notifyTestResultSchema),
      errors: [400, 409, 502],
      changesState: true,
    }),
    async (c) => {
      const input = readOptionalBody(await c.req.text());
      const email = deps.email();
      if (email === null)
        throw new ApiError(
          409,
          'notify-not-configured',
          'missed-call e-mail is off: add a notify.email section (smtp, from, recipients) to the config and restart',
        );
      try {
        const result = await email.sendTest(input.to);
        const body: NotifyTestResult = {
          messageId: result.messageId,
          accepted: [...result.accepted],
          rejected: [...result.rejected],
        };
        return c.json(body);
      } catch (error) {
        if (isNotifySmtpError(error))
          throw new ApiError(
            502,
            'smtp-failed',
            `the test e-mail was not sent: ${error.message}${error.code === null ? '' : ` (${error.code})`}`,
            { cause: error },
          );
        throw error;
      }
    },
  );
  return app;
}

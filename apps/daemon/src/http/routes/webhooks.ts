import { Hono } from 'hono';
import type { Webhook, WebhookListResult, WebhookView } from '../../api/schemas.js';
import { generateWebhookSecret } from '../../events/webhook-signing.js';
import type { AdminAppDeps } from '../admin-deps.js';
import { C } from '../api-components.js';
import { describe, jsonBody } from '../route-docs.js';

const tag = 'webhooks';

/** A webhook as the API shows it: never its secret. */
export function webhookView(webhook: Webhook): WebhookView {
  const { secret, ...rest } = webhook;
  return { ...rest, hasSecret: secret !== undefined };
}

/** `/api/webhooks`: the outgoing webhooks; secrets are write-only and shown once when generated. */
export function webhookRoutes(deps: AdminAppDeps): Hono {
  const app = new Hono();
  app.get(
    '/',
    describe({
      tag,
      summary: 'Outgoing webhooks (without their secrets)',
      response: C.WebhookList,
    }),
    (c) => c.json({ webhooks: deps.config.current.webhooks.map(webhookView) }),
  );
  app.put(
    '/',
    describe({
      tag,
      summary: 'Replace the webhooks',
      description:
        'A webhook without `secret` keeps the one stored under its id or gets a new one; new ' +
        'secrets are in `generatedSecrets`, shown this once.',
      response: C.WebhookListResult,
      errors: [400],
      changesState: true,
    }),
    jsonBody(C.WebhookListInput),
    async (c) => {
      const input = c.req.valid('json');
      const stored = new Map(deps.config.current.webhooks.map((w) => [w.id, w.secret]));
      const generatedSecrets: Record<string, string> = {};
      const webhooks = input.webhooks.map((w): Webhook => {
        const secret = w.secret ?? stored.get(w.id);
        if (secret !== undefined) return { ...w, secret };
        const fresh = generateWebhookSecret();
        generatedSecrets[w.id] = fresh;
        return { ...w, secret: fresh };
      });
      await deps.config.update((cfg) => ({ ...cfg, webhooks }));
      const generated = Object.keys(generatedSecrets);
      if (generated.length > 0)
        deps.logger.info({ webhooks: generated }, 'webhook signing secrets generated');
      const body: WebhookListResult = { webhooks: webhooks.map(webhookView), generatedSecrets };
      return c.json(body);
    },
  );
  return app;
}

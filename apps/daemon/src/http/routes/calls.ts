import { Hono } from 'hono';
import * as v from 'valibot';
import type { Call } from '@snomlink/core';
import { CALL_COMMANDS } from '../../api/schemas.js';
import type { CallCommand, CallCommandResult } from '../../api/schemas.js';
import { ApiError } from '../../errors.js';
import { toPhoneApiError } from '../../phones/phone-errors.js';
import type { AdminAppDeps } from '../admin-deps.js';
import { C } from '../api-components.js';
import { phoneClient } from '../phone-lookup.js';
import { describe, params } from '../route-docs.js';
import { maySeeLine, requireControlledLine, visibleCalls } from '../scope.js';

const tag = 'calls';

const SUMMARY: Readonly<Record<CallCommand, string>> = {
  drop: 'Hang up the call',
  answer: 'Answer the ringing call',
  hold: 'Put the call on hold',
  unhold: 'Take the call off hold',
};

async function runCommand(
  deps: AdminAppDeps,
  call: Pick<Call, 'id' | 'phoneId'>,
  command: CallCommand,
): Promise<CallCommandResult> {
  const client = phoneClient(deps, call.phoneId).client;
  try {
    switch (command) {
      case 'drop':
        await client.hangUp();
        break;
      case 'answer':
        await client.answer();
        break;
      case 'hold':
        await client.hold();
        break;
      case 'unhold':
        await client.unhold();
        break;
    }
  } catch (error) {
    throw toPhoneApiError(call.phoneId, command, error);
  }
  return { callId: call.id, phoneId: call.phoneId, command };
}

/** `/api/calls`: live calls and the commands on them (one route per command). */
export function callRoutes(deps: AdminAppDeps): Hono {
  const app = new Hono();
  // The owner's side of the command bus: what runs here when this daemon owns the phone.
  for (const command of CALL_COMMANDS) {
    deps.commands?.handle(`call.${command}`, (phoneId, args) =>
      runCommand(deps, { id: (args as { callId: string }).callId, phoneId }, command),
    );
  }

  app.get('/', describe({ tag, summary: 'Live calls', response: C.CallList }), (c) =>
    c.json({ calls: visibleCalls(c, deps.lineModel.liveCalls()) }),
  );

  for (const command of CALL_COMMANDS) {
    app.post(
      `/:callId/${command}`,
      describe({
        tag,
        summary: SUMMARY[command],
        response: C.CallCommandResult,
        errors: [404, 502, 503, 504],
        changesState: true,
      }),
      params(v.object({ callId: v.string() })),
      async (c) => {
        const callId = c.req.valid('param').callId;
        const call = deps.lineModel.getCall(callId);
        // Another line's call answers like no call at all.
        if (call === undefined || !maySeeLine(c, call.phoneId)) {
          throw new ApiError(
            404,
            'not-found',
            `no live call with id "${callId}"; GET /api/calls lists them`,
          );
        }
        requireControlledLine(c, call.phoneId);
        const result =
          deps.commands === undefined
            ? await runCommand(deps, call, command)
            : ((await deps.commands.run(call.phoneId, `call.${command}`, {
                callId: call.id,
              })) as CallCommandResult);
        deps.logger.info({ phoneId: call.phoneId, callId, command }, 'call command');
        return c.json(result);
      },
    );
  }

  return app;
}

import type { ActionEvent, ActionEventKind, ActionEventParams } from '../action-event.js';

/**
 * Builds an ActionEvent for tests: `actionEvent('p1', 'incoming', { callId: 'a', remote: 'sip:201@pbx' })`.
 * Source defaults to `action-url`, receive time to 0.
 */
export function actionEvent(
  phoneId: string,
  kind: ActionEventKind,
  params: ActionEventParams = {},
  extra: Partial<Pick<ActionEvent, 'source' | 'receivedAt'>> = {},
): ActionEvent {
  return {
    phoneId,
    kind,
    params,
    source: extra.source ?? 'action-url',
    receivedAt: extra.receivedAt ?? 0,
  };
}

/**
 * The admin API's schemas under the names the OpenAPI document lists them by
 * (`components.schemas`). Routes use these in `describe()`, `jsonBody()` and `query()`.
 */
import { clusterStateSchema } from '../api/cluster-schemas.js';
import * as s from '../api/schemas.js';
import { component } from './route-docs.js';

/** Named schemas of the admin API document. */
export const C = {
  Health: component('Health', s.healthSchema),
  ClusterState: component('ClusterState', clusterStateSchema),
  PhoneView: component('PhoneView', s.phoneViewSchema),
  PhoneList: component('PhoneList', s.phoneListSchema),
  PhoneInput: component('PhoneInput', s.phoneInputSchema),
  PhoneUpdate: component('PhoneUpdate', s.phoneUpdateSchema),
  PhoneTestResult: component('PhoneTestResult', s.phoneTestResultSchema),
  ActionUrlsView: component('ActionUrlsView', s.actionUrlsViewSchema),
  ProvisionResult: component('ProvisionResult', s.provisionResultSchema),
  DialRequest: component('DialRequest', s.dialRequestSchema),
  DialResult: component('DialResult', s.dialResultSchema),
  CallList: component('CallList', s.callListSchema),
  CallCommandResult: component('CallCommandResult', s.callCommandResultSchema),
  JournalPage: component('JournalPage', s.journalPageSchema),
  JournalQuery: component('JournalQuery', s.journalQuerySchema),
  DialingRules: component('DialingRules', s.dialingRulesSchema),
  WebhookList: component('WebhookList', s.webhookListSchema),
  WebhookListInput: component('WebhookListInput', s.webhookListInputSchema),
  WebhookListResult: component('WebhookListResult', s.webhookListResultSchema),
  ListenerStatus: component('ListenerStatus', s.listenerStatusSchema),
  ListenerUpdate: component('ListenerUpdate', s.listenerUpdateSchema),
  ListenerUpdateResult: component('ListenerUpdateResult', s.listenerUpdateResultSchema),
  RecentEvents: component('RecentEvents', s.recentEventsSchema),
  RecentEventsQuery: component('RecentEventsQuery', s.recentEventsQuerySchema),
} as const;

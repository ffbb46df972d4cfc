import type { ApiCall, JournalEntry, JournalPage, ProvisionResult, SseCall } from './api-types.js';
import type { DaemonProcess } from './daemon-process.js';
import { connectSse } from './sse-client.js';
import type { SseClient } from './sse-client.js';
import type { TestPhone } from './phones.js';

/** Opens an SSE reader on the daemon's `/api/events`. */
export function events(daemon: DaemonProcess, lastEventId?: string): Promise<SseClient> {
  return connectSse(`${daemon.adminBase}/api/events`, {
    token: daemon.token,
    ...(lastEventId === undefined ? {} : { lastEventId }),
  });
}

/** Provisions every phone through the daemon and checks that each took all Action URLs. */
export async function provisionAll(
  daemon: DaemonProcess,
  phones: readonly TestPhone[],
): Promise<void> {
  for (const { entry } of phones) {
    const result = await daemon.json<ProvisionResult>(`/api/phones/${entry.id}/provision`, {
      method: 'POST',
    });
    if (!result.ok) throw new Error(`provisioning ${entry.id} failed: ${JSON.stringify(result)}`);
  }
}

/** Waits for the SSE `call-finished` of the call with this SIP Call-ID. */
export function finished(sse: SseClient, sipCallId: string, timeoutMs = 20_000): Promise<SseCall> {
  return sse.waitForData<SseCall>(
    'call',
    (d) => d.type === 'call-finished' && d.call.sipCallId === sipCallId,
    timeoutMs,
  );
}

/** Waits for an SSE call event of `phoneId` in `state`. */
export function callState(
  sse: SseClient,
  phoneId: string,
  state: string,
  timeoutMs = 20_000,
): Promise<SseCall> {
  return sse.waitForData<SseCall>(
    'call',
    (d) => d.type === 'call-state' && d.call.phoneId === phoneId && d.call.state === state,
    timeoutMs,
  );
}

/** Every journal row (all pages). */
export async function journal(daemon: DaemonProcess, query = ''): Promise<JournalEntry[]> {
  const rows: JournalEntry[] = [];
  let before: number | null = null;
  for (;;) {
    const page: JournalPage = await daemon.json<JournalPage>(
      `/api/journal?limit=500${before === null ? '' : `&before=${before}`}${query}`,
    );
    rows.push(...page.entries);
    if (page.nextBefore === null) return rows;
    before = page.nextBefore;
  }
}

/** Live calls, optionally of one phone. */
export async function liveCalls(daemon: DaemonProcess, phoneId?: string): Promise<ApiCall[]> {
  const { calls } = await daemon.json<{ calls: ApiCall[] }>('/api/calls');
  return phoneId === undefined ? calls : calls.filter((c) => c.phoneId === phoneId);
}

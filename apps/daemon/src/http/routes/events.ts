import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { RecentEvent, RecentEvents, SseResyncEvent } from '../../api/schemas.js';
import { ApiError } from '../../errors.js';
import type { BufferedEvent } from '../../events/event-buffer.js';
import type { AdminAppDeps } from '../admin-deps.js';
import { C } from '../api-components.js';
import { describe, query } from '../route-docs.js';
import { eventsFor } from '../scope.js';

const tag = 'events';

/** `/api/events`: the SSE stream of call, line and raw phone events, and its recent history. */
export function eventRoutes(deps: AdminAppDeps): Hono {
  const app = new Hono();
  const keepAliveMs = deps.keepAliveMs ?? 15_000;
  const queueLimit = Math.max(1, deps.sseQueueLimit ?? 10_000);

  app.get(
    '/recent',
    describe({
      tag,
      summary: 'The latest events of the SSE buffer and the id to resume the stream from',
      response: C.RecentEvents,
      errors: [400],
    }),
    query(C.RecentEventsQuery),
    (c) => {
      // A user token's view holds only its lines' events.
      const buffer = eventsFor(c, deps.events);
      const q = c.req.valid('query');
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (limit < 1 || limit > 2000) {
        throw new ApiError(
          400,
          'validation',
          `limit: limit is a number 1-2000, got ${q.limit ?? ''}`,
        );
      }
      // Synchronous, so `lastId` and the list are one snapshot: resuming from it loses nothing.
      const lastId = buffer.lastId;
      const events = deps.events
        .recent(limit, q.event?.split(','))
        .map(
          (e) => ({ id: e.id, event: e.event, data: JSON.parse(e.data) as unknown }) as RecentEvent,
        );
      const body: RecentEvents = { events, lastId };
      return c.json(body);
    },
  );

  app.get(
    '/',
    describe({
      tag,
      summary: 'Server-sent events: call, line, action-event, resync',
      description:
        'Each message has an id, an event name and JSON data (see the Sse*Event schemas of ' +
        '@snomlink/daemon/api). Resume with `Last-Event-ID` or `?lastEventId=`.',
      media: { type: 'text/event-stream', description: 'SSE stream' },
    }),
    (c) => {
      const buffer = eventsFor(c, deps.events);
      const lastHeader = c.req.header('last-event-id') ?? c.req.query('lastEventId');
      return streamSSE(c, async (stream) => {
        const queue: BufferedEvent[] = [];
        let wake: (() => void) | null = null;
        // `lost`: the events this reader lost because it stopped reading (queue over the limit),
        // told to it in a `resync` before the next event it gets.
        const state: { closed: boolean; lost: { from: number; to: number; count: number } | null } =
          {
            closed: false,
            lost: null,
          };
        const isOpen = (): boolean => !state.closed && !stream.aborted;
        const signal = (): void => {
          const w = wake;
          wake = null;
          w?.();
        };
        let lastSent = buffer.lastId;
        const unsubscribe = buffer.subscribe((event) => {
          queue.push(event);
          if (queue.length > queueLimit) {
            const first = queue[0];
            const lost = state.lost;
            if (lost === null) {
              state.lost = { from: first?.id ?? event.id, to: event.id, count: queue.length };
              deps.logger.warn(
                { dropped: queue.length, limit: queueLimit },
                'SSE reader stopped reading; its queued events were dropped and it will be told to resync',
              );
            } else {
              lost.to = event.id;
              lost.count += queue.length;
            }
            queue.length = 0;
          }
          signal();
        });
        const sendLost = async (): Promise<void> => {
          const gap = state.lost;
          if (gap === null) return;
          state.lost = null;
          if (gap.to > lastSent) lastSent = gap.to;
          deps.metrics?.sseResync();
          const body: SseResyncEvent = {
            type: 'resync',
            reason: `this reader fell behind and ${String(gap.count)} events (ids ${String(gap.from)}-${String(gap.to)}) were dropped; reload /api/calls (and /api/events/recent for the history)`,
            lostFrom: gap.from,
            lostTo: gap.to,
            lostCount: gap.count,
          };
          await stream.writeSSE({
            id: String(gap.to),
            event: 'resync',
            data: JSON.stringify(body),
          });
        };
        const untrack = deps.trackStream?.(() => {
          state.closed = true;
          signal();
        });
        stream.onAbort(() => {
          state.closed = true;
          signal();
        });
        try {
          await stream.write('retry: 2000\n\n');
          if (lastHeader !== undefined && /^\d+$/.test(lastHeader)) {
            const readerId = Number(lastHeader);
            const resume = await buffer.resume(readerId);
            if (resume.ok) {
              // Cluster mode: a reader from a daemon further along than this one has seen the
              // events up to its id already; they reach this buffer later and are not sent.
              if (readerId > lastSent) lastSent = readerId;
              for (const event of resume.events) {
                await stream.writeSSE({
                  id: String(event.id),
                  event: event.event,
                  data: event.data,
                });
                // Events pushed after `lastSent` was read are in the queue too: send them once.
                if (event.id > lastSent) lastSent = event.id;
              }
            } else {
              deps.metrics?.sseResync();
              await stream.writeSSE({
                id: String(lastSent),
                event: 'resync',
                data: JSON.stringify({ type: 'resync', reason: resume.reason }),
              });
            }
          } else {
            await stream.write(': connected\n\n');
          }
          while (isOpen()) {
            while (queue.length > 0 || state.lost !== null) {
              await sendLost();
              const event = queue.shift();
              if (event === undefined || event.id <= lastSent) continue;
              lastSent = event.id;
              await stream.writeSSE({ id: String(event.id), event: event.event, data: event.data });
            }
            const woke = await new Promise<boolean>((resolve) => {
              const timer = setTimeout(() => {
                wake = null;
                resolve(false);
              }, keepAliveMs);
              wake = () => {
                clearTimeout(timer);
                resolve(true);
              };
            });
            if (!woke && isOpen()) await stream.write(': keep-alive\n\n');
          }
        } finally {
          unsubscribe();
          untrack?.();
        }
      });
    },
  );

  return app;
}

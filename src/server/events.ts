import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BinderyError, ChangeSeq, ChangeStreamQuery, parseInput } from '../contract/index.js';
import { hideOtherProjects, type LinkReader } from '../service/project-access.js';
import { inProjects } from '../store/actor.js';
import type { ChangeHub, FeedEvent } from './change-hub.js';

export interface EventStreamTuning {
  /** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
  pingMs?: number;
  /** Unsent data a subscriber may have before the stream waits for it to drain (its memory bound). */
  maxBufferedBytes?: number;
  /** A subscriber that leaves that data undrained this long reads too slowly: it is cut, and resumes by id. */
  maxStallMs?: number;
}

export interface EventStreamOptions extends EventStreamTuning {
  hub: ChangeHub;
  /** Where a project-limited token's stream learns which parents it may not name. */
  store: LinkReader;
}

const PING_MS = 15_000;
const MAX_BUFFERED_BYTES = 1024 * 1024;
const MAX_STALL_MS = 10_000;

/** Whether the response drained within `ms` (false when it closed or the time ran out first). */
function drained(response: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      response.off('drain', onDrain);
      response.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(onClose, ms);
    response.on('drain', onDrain);
    response.on('close', onClose);
  });
}

/** `Last-Event-ID` (sent by a reconnecting EventSource) wins over `?since=`, which only sets the start. */
function startOf(request: FastifyRequest, since: number | undefined): number | undefined {
  const header = request.headers['last-event-id'];
  if (header === undefined || header === '') return since;
  const parsed = ChangeSeq.safeParse(header);
  if (!parsed.success) {
    throw BinderyError.validation([{ field: 'Last-Event-ID', reason: 'must be a non-negative integer' }]);
  }
  return parsed.data;
}

function frame(event: FeedEvent): string {
  if (event.type === 'change') {
    return `id: ${event.change.seq}\nevent: change\ndata: ${JSON.stringify(event.change)}\n\n`;
  }
  // The reset and ready frames carry an id too, so a reconnect after them resumes from there.
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify({ seq: event.seq })}\n\n`;
}

/**
 * `GET /api/events`: the change log as Server-Sent Events, behind the same Host, Origin and token checks as
 * every route (they run in onRequest, before this handler). Bad `since`, `entity` or `Last-Event-ID` are a
 * 400 before the stream starts.
 */
export function registerEventStream(app: FastifyInstance, options: EventStreamOptions): void {
  const pingMs = options.pingMs ?? PING_MS;
  const maxBuffered = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
  const maxStall = options.maxStallMs ?? MAX_STALL_MS;

  app.get('/api/events', async (request: FastifyRequest, reply: FastifyReply) => {
    const query = parseInput(ChangeStreamQuery, { ...(request.query as object) });
    const since = startOf(request, query.since);
    const subscription = await options.hub.subscribe({
      since,
      filter: { entity: query.entity, project_id: query.project_id },
    });
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write('retry: 1000\n\n');
    const ping = setInterval(() => response.write(': ping\n\n'), pingMs);
    const end = () => subscription.close();
    request.raw.on('close', end);
    response.on('close', end);
    try {
      const { access } = request;
      for await (const event of subscription) {
        if (response.destroyed) break;
        // A project-limited token sees only its projects' changes, as if the others never happened.
        if (event.type === 'change' && !inProjects(access, event.change.project_id)) continue;
        // Nor a parent in another project (docs/access.md).
        const shown =
          event.type === 'change' && event.change.parent_id && access?.project_ids
            ? { ...event, change: await hideOtherProjects(options.store, event.change, access) }
            : event;
        // Events the window already holds come without a pause for I/O, so a catching-up reader would get its
        // whole backlog in memory at once: past the bound, wait for the reader before taking more.
        if (response.write(frame(shown)) || response.writableLength < maxBuffered) continue;
        const buffered = response.writableLength;
        if (await drained(response, maxStall)) continue;
        if (!response.destroyed) request.log.warn({ buffered }, 'event stream reader too slow; cut');
        response.destroy();
        break;
      }
    } finally {
      clearInterval(ping);
      if (!response.destroyed) response.end();
    }
  });
}

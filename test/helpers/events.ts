import { type IncomingMessage, request } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface EventStream {
  status: number;
  events: EventSourceMessage[];
  /** Raw text received, comments (`: ping`) included. */
  text: () => string;
  /** Resolves with the events once `done` holds for them (checked on every event), or rejects after `ms`. */
  until: (done: (events: EventSourceMessage[]) => boolean, ms?: number) => Promise<EventSourceMessage[]>;
  close: () => void;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
}

/** Opens `GET path` on a real socket and parses the Server-Sent Events it streams. */
export function openEvents(
  baseUrl: string,
  path = '/api/events',
  headers: Record<string, string> = {},
): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const events: EventSourceMessage[] = [];
    let raw = '';
    const checks = new Set<() => void>();
    const parser = createParser({
      onEvent: (event) => {
        events.push(event);
        for (const check of [...checks]) check();
      },
    });
    const req = request(`${baseUrl}${path}`, { headers, agent: false }, (res: IncomingMessage) => {
      const ended = new Promise<void>((done) => {
        res.on('end', done);
        res.on('close', done);
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw += chunk;
        parser.feed(chunk);
      });
      res.on('error', () => {});
      resolve({
        status: res.statusCode ?? 0,
        events,
        text: () => raw,
        ended,
        close: () => req.destroy(),
        until: (done, ms = 10_000) =>
          new Promise((ok, fail) => {
            const timer = setTimeout(() => {
              checks.delete(check);
              fail(new Error(`events not as expected within ${ms} ms: ${JSON.stringify(events)}`));
            }, ms);
            const check = () => {
              if (!done(events)) return;
              clearTimeout(timer);
              checks.delete(check);
              ok(events);
            };
            checks.add(check);
            check();
          }),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The change events' data, parsed. */
export function changesOf(events: readonly EventSourceMessage[]): any[] {
  return events.filter((e) => e.event === 'change').map((e) => JSON.parse(e.data));
}

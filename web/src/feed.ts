/**
 * The change feed (`GET /api/events`), read with fetch rather than EventSource so the token travels in a
 * header. After a drop (network, server restart) it reconnects with `Last-Event-ID` = the last seq it saw,
 * so nothing is missed or seen twice; `reset` (the position was pruned) tells the page to reload.
 */
import { createParser } from 'eventsource-parser';
import type { Change } from '../../src/contract/change.js';
import { ApiError, authHeaders, reportUnauthorized } from './api.js';

export type FeedState = 'connecting' | 'live' | 'reconnecting';

export interface FeedHandlers {
  /** The stream is caught up to `seq` (first time: load the data now; later: after a reconnect). */
  ready(seq: number, first: boolean): void;
  change(change: Change): void;
  /** The asked position was pruned: reload everything. */
  reset(): void;
  state(state: FeedState): void;
}

const MAX_BACKOFF_MS = 5000;

export interface Feed {
  stop(): void;
  /** Reconnect now (after the person gave a token). */
  retry(): void;
}

export function openFeed(handlers: FeedHandlers): Feed {
  let lastSeq: number | undefined;
  let stopped = false;
  let controller: AbortController | undefined;
  let first = true;
  let retryMs = 1000;
  let wake: (() => void) | undefined;

  const connectOnce = async () => {
    controller = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream', ...authHeaders() };
    if (lastSeq !== undefined) headers['last-event-id'] = String(lastSeq);
    const response = await fetch('/api/events', { headers, signal: controller.signal, cache: 'no-store' });
    if (response.status === 401) {
      reportUnauthorized();
      throw new ApiError('unauthorized', 'token needed');
    }
    if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
    const parser = createParser({
      onRetry: (ms) => {
        retryMs = ms;
      },
      onEvent: (event) => {
        if (event.id !== undefined && event.id !== '') lastSeq = Number(event.id);
        if (event.event === 'change') handlers.change(JSON.parse(event.data) as Change);
        else if (event.event === 'reset') handlers.reset();
        else if (event.event === 'ready') {
          handlers.state('live');
          handlers.ready(Number(event.id), first);
          first = false;
        }
      },
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(value);
    }
  };

  const run = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        await connectOnce();
        failures = 0;
      } catch (error) {
        if (error instanceof ApiError) {
          // Wait for the person to give a token (the page wakes the loop), then try again.
          handlers.state('reconnecting');
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          continue;
        }
        failures++;
      }
      if (stopped) return;
      handlers.state('reconnecting');
      const wait = Math.min(MAX_BACKOFF_MS, retryMs * 2 ** Math.max(0, failures - 1));
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, wait);
      });
    }
  };
  handlers.state('connecting');
  void run();
  const stop = () => {
    stopped = true;
    controller?.abort();
    wake?.();
  };
  return { stop, retry: () => wake?.() };
}

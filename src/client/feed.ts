import { setTimeout as sleep } from 'node:timers/promises';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { BINDERY_VERSION, Change } from '../contract/index.js';
import { Client } from './undici.js';

export interface FeedState {
  /** The event stream is open. */
  connected: boolean;
  /** Connected, and every change up to the server's newest at connect time has arrived. */
  caught_up: boolean;
  /** The last change seen (the position a reconnect resumes from). */
  last_seq: number | null;
  /** Milliseconds between the last change's commit and its arrival here. */
  lag_ms: number | null;
  reconnects: number;
  resets: number;
}

export interface FeedHandlers {
  change(change: Change): void;
  /** The log no longer holds where this feed was: whatever was derived from it must be dropped. */
  reset(): void;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/**
 * One `GET /api/events` stream per client, on a connection of its own (so the request pool keeps all of
 * its connections): every change arrives once, in order; a dropped stream reconnects with Last-Event-ID
 * and misses nothing. Read with fetch-style streaming rather than EventSource, because the token must
 * travel in a header.
 */
export class ChangeFeed {
  private readonly connection: Client;
  private readonly abort = new AbortController();
  private readonly state: FeedState = {
    connected: false,
    caught_up: false,
    last_seq: null,
    lag_ms: null,
    reconnects: 0,
    resets: 0,
  };
  private running: Promise<void> | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly url: URL,
    private readonly token: string | undefined,
    private readonly handlers: FeedHandlers,
  ) {
    this.connection = new Client(url.origin, { bodyTimeout: 0, headersTimeout: 10_000 });
  }

  /** Starts the stream (once); it runs until `close`. */
  start(): void {
    this.running ??= this.run();
  }

  /** Connected and caught up: every committed change has reached the handlers within the lag. */
  get live(): boolean {
    return this.state.connected && this.state.caught_up;
  }

  stats(): FeedState {
    return { ...this.state };
  }

  /** Resolves once the feed is live (tests and benchmarks wait for it). */
  whenLive(): Promise<void> {
    if (this.live) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!this.live) return;
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
    });
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private async run(): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    while (!this.abort.signal.aborted) {
      const openedAt = Date.now();
      try {
        await this.stream();
      } catch {
        // a refused or broken stream: reconnect below
      }
      this.state.connected = false;
      this.state.caught_up = false;
      this.changed();
      if (this.abort.signal.aborted) return;
      this.state.reconnects++;
      // A stream that lived a while was healthy: reconnect fast. Repeated failures back off.
      backoff =
        Date.now() - openedAt > MAX_BACKOFF_MS ? MIN_BACKOFF_MS : Math.min(backoff * 2, MAX_BACKOFF_MS);
      await sleep(backoff * Math.random() + MIN_BACKOFF_MS, undefined, { signal: this.abort.signal }).catch(
        () => {},
      );
    }
  }

  private async stream(): Promise<void> {
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      'user-agent': `bindery-client/${BINDERY_VERSION}`,
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.state.last_seq !== null) headers['last-event-id'] = String(this.state.last_seq);
    const response = await this.connection.request({
      method: 'GET',
      path: `${this.url.pathname.replace(/\/+$/, '')}/api/events`,
      headers,
      signal: this.abort.signal,
    });
    if (response.statusCode === 400 && this.state.last_seq !== null) {
      // Our position is beyond the store's newest: the store was replaced. Start over from now.
      await response.body.dump();
      this.state.last_seq = null;
      this.reset();
      return;
    }
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new Error(`event stream answered ${response.statusCode}`);
    }
    this.state.connected = true;
    const firstConnect = this.state.last_seq === null;
    const parser = createParser({ onEvent: (event) => this.onEvent(event, firstConnect) });
    for await (const chunk of response.body) parser.feed((chunk as Buffer).toString('utf8'));
  }

  private onEvent(event: EventSourceMessage, firstConnect: boolean): void {
    if (event.event === 'change') {
      const change = Change.parse(JSON.parse(event.data));
      this.state.last_seq = change.seq;
      this.state.lag_ms = Math.max(0, Date.now() - Date.parse(change.at));
      this.handlers.change(change);
    } else if (event.event === 'reset') {
      this.reset();
    } else if (event.event === 'ready') {
      this.state.last_seq = Number(event.id);
      // Without a position to resume from, changes before this stream opened were never seen.
      if (firstConnect) this.handlers.reset();
      this.state.caught_up = true;
      this.changed();
    }
  }

  private reset(): void {
    this.state.resets++;
    this.handlers.reset();
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.running?.catch(() => {});
    // Nothing on this connection needs finishing: the stream resumes by id wherever it is reopened.
    await this.connection.destroy().catch(() => {});
  }
}

import {
  type BinderyApi,
  type Change,
  OPERATION_NAMES,
  type OperationName,
  operations,
} from '../contract/index.js';
import { readChanges } from '../service/changes.js';
import type { ChangeFilter, ChangeStore } from '../store/change-log.js';

/** What a subscriber receives, in log order. */
export type FeedEvent =
  | { type: 'change'; change: Change }
  /** The position asked for was pruned: drop what was derived from the log; changes go on after `seq`. */
  | { type: 'reset'; seq: number }
  /** Every change up to `seq` (the newest when the subscriber caught up) has been delivered. */
  | { type: 'ready'; seq: number };

export interface Subscription extends AsyncIterable<FeedEvent> {
  /** Ends the iteration (the consumer went away). */
  close(): void;
}

export interface HubOptions {
  /** Recent changes kept in memory for every subscriber to read from (a subscriber further behind reads the store). */
  bufferSize?: number;
  /** Rows per read of the store. */
  readBatch?: number;
  /** Reads the log this often while someone listens, to see writes no signal announced (a sweep, another process on SQLite). */
  pollMs?: number;
  onError?: (error: unknown) => void;
  /** Sees every batch of changes as this hub reads it (metrics: how late the log reaches the server). */
  onRead?: (changes: readonly Change[]) => void;
}

/**
 * The one reader of the change log in a server: a wake-up (a write of this server, a NOTIFY from another
 * one, a slow poll) makes it read what is new once and append it to an in-memory window; every subscriber
 * pulls from that window at its own pace. So a thousand subscribers cost one database read per batch of
 * changes, and a slow one costs no memory: when it falls behind the window it reads the store itself.
 */
export class ChangeHub {
  private window: Change[] = [];
  /** Every committed change in (floor, head] is in the window. */
  private floor = 0;
  private head = 0;
  private reading: Promise<void> | undefined;
  private again = false;
  private waiters = new Set<() => void>();
  private listening = 0;
  private closed = false;
  private poll: NodeJS.Timeout | undefined;
  private watcher: { close(): Promise<void> } | null = null;
  private readonly bufferSize: number;
  private readonly readBatch: number;

  constructor(
    private readonly store: ChangeStore,
    private readonly options: HubOptions = {},
  ) {
    this.bufferSize = options.bufferSize ?? 10_000;
    this.readBatch = options.readBatch ?? 1_000;
  }

  private async newestInStore(): Promise<number> {
    return (await this.store.changesAfter(Number.MAX_SAFE_INTEGER, {}, 1)).newest;
  }

  async start(): Promise<void> {
    this.floor = this.head = await this.newestInStore();
    this.watcher = await this.store.watchChanges(() => this.wake());
    this.poll = setInterval(() => {
      if (this.listening > 0) this.wake();
    }, this.options.pollMs ?? 1_000);
    this.poll.unref();
  }

  /** The newest change this hub has read. */
  get position(): number {
    return this.head;
  }

  get subscribers(): number {
    return this.listening;
  }

  /** Something may have been committed: read it (once, however many wake-ups arrive meanwhile). */
  wake(): void {
    if (this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.readNew()
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.reading = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const read = await this.store.changesAfter(this.head, {}, this.readBatch);
      const last = read.items.at(-1);
      this.window.push(...read.items);
      if (read.items.length > 0) this.options.onRead?.(read.items);
      const full = read.items.length === this.readBatch;
      this.head = full && last ? last.seq : Math.max(this.head, read.newest);
      const excess = this.window.length - this.bufferSize;
      if (excess > 0) this.floor = this.window.splice(0, excess).at(-1)!.seq;
      if (read.items.length > 0 || !full) this.notify();
      if (!full) return;
    }
  }

  private notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const resolve of waiters) resolve();
  }

  /**
   * Changes after `since` (or from now), matching `filter`, then every later one as it is committed. A
   * `since` beyond the newest change is refused (validation error naming `since`) before anything is
   * delivered; a pruned one yields a `reset` first.
   */
  async subscribe(request: { since?: number | undefined; filter: ChangeFilter }): Promise<Subscription> {
    // "From now" is the store's newest change, which this hub may not have read yet.
    let position = request.since ?? (await this.newestInStore());
    let backlog: FeedEvent[] = [];
    if (request.since !== undefined && (request.since < this.floor || request.since > this.head)) {
      const page = await readChanges(this.store, request.since, request.filter, this.readBatch);
      if (page.reset) backlog.push({ type: 'reset', seq: request.since });
      backlog.push(...page.items.map((change) => ({ type: 'change' as const, change })));
      position = page.next_since;
    }
    let ended = false;
    let wakeSelf: (() => void) | undefined;
    const close = () => {
      ended = true;
      wakeSelf?.();
    };
    const hub = this;
    async function* events(): AsyncGenerator<FeedEvent> {
      hub.listening++;
      try {
        yield* backlog;
        backlog = [];
        let ready = false;
        while (!ended && !hub.closed) {
          if (position < hub.floor) {
            const page = await readChanges(hub.store, position, request.filter, hub.readBatch);
            if (page.reset) yield { type: 'reset', seq: position };
            for (const change of page.items) yield { type: 'change', change };
            position = page.next_since;
            continue;
          }
          // The head as of this slice of the window: the hub may read on while a yield waits for the consumer,
          // and what it reads then is not in `fresh`.
          const head = hub.head;
          const fresh = hub.after(position);
          for (const change of fresh) {
            if (matches(change, request.filter)) yield { type: 'change', change };
            position = change.seq;
          }
          position = Math.max(position, head);
          if (!ready) {
            ready = true;
            yield { type: 'ready', seq: position };
            continue;
          }
          // Only when nothing was yielded since the slice was taken: no wake-up can have been missed.
          if (fresh.length === 0) await hub.changed((resolve) => (wakeSelf = resolve));
        }
      } finally {
        hub.listening--;
      }
    }
    const iterable = events();
    return { [Symbol.asyncIterator]: () => iterable, close };
  }

  /** The window's changes after `seq`. */
  private after(seq: number): Change[] {
    let low = 0;
    let high = this.window.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.window[mid]!.seq <= seq) low = mid + 1;
      else high = mid;
    }
    return this.window.slice(low);
  }

  private changed(register: (resolve: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.add(resolve);
      register(resolve);
    });
  }

  /** Ends every subscription (server shutdown) and stops listening. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poll);
    this.notify();
    await this.watcher?.close();
    await this.reading;
  }
}

export function matches(change: Change, filter: ChangeFilter): boolean {
  return (
    (filter.entity === undefined || change.entity === filter.entity) &&
    (filter.project_id === undefined || change.project_id === filter.project_id)
  );
}

/**
 * The API with every write followed by a wake-up of the hub, so this server's own changes reach its
 * subscribers at once (a failed write may still have committed, so it wakes too).
 */
export function wakeAfterWrites(api: BinderyApi, hub: ChangeHub): BinderyApi {
  const wrapped = { ...api } as Record<OperationName, (input: unknown) => Promise<unknown>>;
  for (const name of OPERATION_NAMES) {
    if (operations[name].kind === 'read') continue;
    const call = api[name] as (input: unknown) => Promise<unknown>;
    wrapped[name] = (input) => call(input).finally(() => hub.wake());
  }
  return wrapped as BinderyApi;
}

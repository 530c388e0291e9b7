import { LRUCache } from 'lru-cache';
import type { ReadEntry, ReadName } from './invalidation.js';
import type { ResolvedOptions } from './options.js';

export interface CacheStats {
  enabled: boolean;
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  /** Reads that joined an identical read already in flight instead of sending their own. */
  coalesced: number;
  /** Entries dropped by the LRU bounds (entries or bytes). */
  evictions: number;
  /** Entries and reads in flight dropped because a mutation could have changed them. */
  invalidations: number;
  /** Cached entities asked again with If-None-Match (the feed was not live), and how many were unchanged. */
  revalidations: number;
  not_modified: number;
  /** hits / (hits + misses), coalesced reads counted as hits. */
  hit_rate: number;
}

export interface Loaded<T> {
  value: T;
  /** Size of the answer's JSON, the entry's weight in the byte bound. */
  bytes: number;
}

interface Stored extends ReadEntry {
  value: unknown;
  /** When the server last vouched for this answer (stored, or confirmed by a 304). */
  confirmedAt: number;
}

/** `load`'s answer when the server confirmed the cached entity (304 Not Modified). */
export const NOT_MODIFIED = null;

/** A cached entity's version as an entity tag, for If-None-Match. */
function entityTag(value: unknown): string | undefined {
  const version = (value as { version?: unknown } | null)?.version;
  return typeof version === 'number' ? `"${version}"` : undefined;
}

interface InFlight extends ReadEntry {
  promise: Promise<unknown>;
  /** Other reads answered by this one, or the answer was stored: its caller gets a copy too. */
  shared: boolean;
  /** Set when a mutation overtook the read: its answer may predate the mutation and is not stored. */
  stale: boolean;
  /**
   * Changes that overtook the read but that its answer may already show: it is stored only if it shows
   * every one of them (checked on the answer once it arrives).
   */
  mustShow: ((entry: ReadEntry) => boolean)[];
}

/**
 * Views over many entities go stale through any other process's write, so they live only `listTtlMs`:
 * that is the longest such a write can stay unseen in them (single entities: `ttlMs`).
 */
const AGGREGATES: ReadonlySet<ReadName> = new Set([
  'list_tasks',
  'list_children',
  'list_projects',
  'list_notes',
  'list_documents',
  'search',
  'get_task_dashboard',
]);

/** Arguments in a canonical form: keys sorted, undefined dropped, so equal requests share a key. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
  );
}

export function cacheKey(op: ReadName, args: Record<string, unknown>): string {
  return `${op}:${JSON.stringify(canonical(args))}`;
}

/**
 * Answers of read operations: LRU-bounded by entries and by the answers' JSON bytes, with TTLs, and
 * identical concurrent reads coalesced into one request. Callers get their own copy, so nobody can edit the
 * cached answer (an answer that is neither cached nor shared with a coalesced read is handed over as is).
 *
 * Consistency: this process never reads its own stale write. A mutation invalidates, before it resolves,
 * every entry it can change and every read still in flight that it can change; such a read still answers
 * its own callers (they asked before the write finished) but is neither stored nor joined by later reads.
 * A change from the feed spares what already shows it (the changed entity, read at that version or later),
 * so the echo of this process's own write does not drop the entity it has just read again.
 * Another process's write stays unseen for at most the TTL: `listTtlMs` (default 5 s) for lists, search and
 * the dashboard, `ttlMs` (default 300 s) for single entities.
 */
export class ResponseCache {
  private readonly lru: LRUCache<string, Stored> | null;
  private readonly inFlight = new Map<string, InFlight>();
  /** Reads overtaken by a change that they may still show: no later read joins them, but they can be stored. */
  private readonly overtaken = new Set<InFlight>();
  private counts = {
    hits: 0,
    misses: 0,
    coalesced: 0,
    evictions: 0,
    invalidations: 0,
    revalidations: 0,
    not_modified: 0,
  };

  constructor(
    private readonly options: ResolvedOptions['cache'],
    /** Sees every answer that is current enough to cache. */
    private readonly onFresh: (value: unknown) => void,
    /** Whether an entry confirmed at `confirmedAt` must be checked with the server before it is answered. */
    private readonly mustRevalidate: (op: ReadName, confirmedAt: number) => boolean = () => false,
  ) {
    this.lru =
      options.ttlMs > 0
        ? new LRUCache<string, Stored>({
            max: options.maxEntries,
            maxSize: options.maxBytes,
            ttl: options.ttlMs,
            dispose: (_value, _key, reason) => {
              if (reason === 'evict') this.counts.evictions++;
            },
          })
        : null;
  }

  /**
   * The cached answer, or `load`'s. An entry that must be revalidated is loaded with its entity tag: `load`
   * answers NOT_MODIFIED when the server confirms it, and the entry is answered (and trusted anew).
   */
  async read<T>(
    op: ReadName,
    args: Record<string, unknown>,
    load: (ifNoneMatch?: string) => Promise<Loaded<T> | typeof NOT_MODIFIED>,
  ): Promise<T> {
    const key = cacheKey(op, args);
    const hit = this.lru?.get(key);
    const revalidate = hit !== undefined && this.mustRevalidate(op, hit.confirmedAt);
    if (hit && !revalidate) {
      this.counts.hits++;
      return structuredClone(hit.value as T);
    }
    const joined = this.inFlight.get(key);
    if (joined) {
      this.counts.coalesced++;
      joined.shared = true;
      return structuredClone((await joined.promise) as T);
    }
    if (hit) this.counts.revalidations++;
    else this.counts.misses++;
    const entry: InFlight = {
      op,
      args,
      stale: false,
      shared: false,
      mustShow: [],
      promise: Promise.resolve(),
    };
    const started = Date.now();
    entry.promise = load(hit ? entityTag(hit.value) : undefined)
      .then((loaded) => {
        const current = (value: unknown) =>
          !entry.stale && entry.mustShow.every((shows) => shows({ op, args, value }));
        if (loaded === NOT_MODIFIED) {
          this.counts.not_modified++;
          entry.shared = true;
          if (current(hit!.value)) hit!.confirmedAt = started;
          return hit!.value;
        }
        const { value, bytes } = loaded;
        if (current(value)) {
          this.onFresh(value);
          const ttl = AGGREGATES.has(op) ? this.options.listTtlMs : this.options.ttlMs;
          if (ttl > 0 && this.lru) {
            this.lru.set(key, { op, args, value, confirmedAt: started }, { ttl, size: Math.max(1, bytes) });
            entry.shared = true;
          }
        }
        return value;
      })
      .finally(() => {
        this.overtaken.delete(entry);
        if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
      });
    this.inFlight.set(key, entry);
    const value = (await entry.promise) as T;
    // By now the read has left inFlight (its `finally` ran first), so nobody else can join it: an answer
    // that was neither stored nor shared is this caller's alone and needs no copy.
    return entry.shared ? structuredClone(value) : value;
  }

  /**
   * Drops every entry, and detaches every read in flight, that `affected` says a change could touch. With
   * `alreadyShows` (a change from the feed), an entry or answer that already shows the change is kept.
   */
  invalidate(affected: (entry: ReadEntry) => boolean, alreadyShows?: (entry: ReadEntry) => boolean): void {
    const overtake = (entry: InFlight) => {
      if (alreadyShows) entry.mustShow.push(alreadyShows);
      else entry.stale = true;
    };
    for (const entry of this.overtaken) if (affected(entry)) overtake(entry);
    for (const [key, entry] of this.inFlight) {
      if (!affected(entry)) continue;
      overtake(entry);
      this.inFlight.delete(key);
      if (!entry.stale) this.overtaken.add(entry);
      this.counts.invalidations++;
    }
    if (!this.lru) return;
    const doomed: string[] = [];
    for (const [key, entry] of this.lru.entries()) {
      if (affected(entry) && !alreadyShows?.(entry)) doomed.push(key);
    }
    for (const key of doomed) this.lru.delete(key);
    this.counts.invalidations += doomed.length;
  }

  stats(): CacheStats {
    const { hits, misses, coalesced } = this.counts;
    const served = hits + coalesced;
    return {
      enabled: this.lru !== null,
      entries: this.lru?.size ?? 0,
      bytes: this.lru?.calculatedSize ?? 0,
      ...this.counts,
      hit_rate: served + misses === 0 ? 0 : Math.round((served / (served + misses)) * 10_000) / 10_000,
    };
  }

  clear(): void {
    this.lru?.clear();
    this.inFlight.clear();
  }
}

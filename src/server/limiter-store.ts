import { createRequire } from 'node:module';
import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { Logger } from '../runtime/logger.js';

type Counted = { current: number; ttl: number };
type Callback = (error: Error | null, result?: Counted) => void;
interface CounterStore {
  incr(key: string, callback: Callback, timeWindow: number, max: number): void;
  lru?: { size: number };
}

// The plugin's own counting (its window rules, its Redis script) is reused as it is; it does not export the
// two stores, so they are loaded by path. Our store only chooses between them.
const require = createRequire(import.meta.url);
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  cache: number,
) => CounterStore;
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  key: string,
) => CounterStore;

export interface SharedCounters {
  /** Redis connection shared by every limit; undefined counts per process only. */
  redis: Redis | undefined;
  keyPrefix: string;
  /** Most callers remembered per limit and process; the least recently seen is forgotten first. */
  maxCallers: number;
  log: Logger;
  /** Set while Redis cannot be used (the counters are this process's own then). */
  unavailable: string | null;
  /** Every limit's store, for the tracked-callers gauge. */
  stores: FallbackStore[];
}

/** A Redis connection that never queues or hangs a request: a command fails at once when it is down. */
export async function connectRedis(
  url: string,
  shared: Pick<SharedCounters, 'log' | 'unavailable'>,
): Promise<Redis> {
  // Loaded only with BINDERY_REDIS_URL, so a server without it does not pay for the client at start-up.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
  });
  // ioredis emits 'error' on each failed (re)connection; without a listener Node would end the process.
  redis.on('error', (error: Error) => {
    if (shared.unavailable === null)
      shared.log.warn({ err: error.message }, 'redis unreachable; rate limits count per process');
    shared.unavailable ??= `redis unreachable: ${error.message}`;
  });
  redis.on('ready', () => {
    if (shared.unavailable !== null) shared.log.info('redis reachable again; rate limits are shared');
    shared.unavailable = null;
  });
  return redis;
}

/**
 * One limit's counters: in Redis when it is configured and reachable (every server shares one budget),
 * else in this process. A Redis failure never fails the request: that count falls back to the local store.
 */
export class FallbackStore implements FastifyRateLimitStore {
  private readonly local: CounterStore;
  private readonly remote: CounterStore | undefined;

  constructor(
    private readonly shared: SharedCounters,
    bucket: string,
  ) {
    this.local = new LocalStore(false, false, shared.maxCallers);
    this.remote = shared.redis && new RedisStore(false, false, shared.redis, `${shared.keyPrefix}${bucket}:`);
    shared.stores.push(this);
  }

  incr(key: string, callback: Callback, timeWindow: number, max: number): void {
    const { remote, shared } = this;
    if (!remote || shared.redis?.status !== 'ready') {
      this.local.incr(key, callback, timeWindow, max);
      return;
    }
    remote.incr(
      key,
      (error, result) => {
        if (!error) return callback(null, result);
        if (shared.unavailable === null)
          shared.log.warn({ err: error.message }, 'redis rate-limit count failed');
        shared.unavailable ??= `redis failed: ${error.message}`;
        this.local.incr(key, callback, timeWindow, max);
      },
      timeWindow,
      max,
    );
  }

  /** Each limit (`createRateLimit({bucket})`) counts in its own namespace. */
  child(options: object): FastifyRateLimitStore {
    return new FallbackStore(this.shared, String((options as { bucket?: unknown }).bucket ?? 'all'));
  }

  /** Callers this process remembers for this limit (bounded by maxCallers). */
  trackedCallers(): number {
    return this.local.lru?.size ?? 0;
  }
}

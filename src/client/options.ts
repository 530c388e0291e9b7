import { Actor } from '../contract/index.js';

/** The knobs of a BinderyClient (README, "The client"); everything but `url` has a default. */
export interface ClientOptions {
  /** Base URL of the Bindery server, e.g. `http://127.0.0.1:3000` (a path prefix is kept). */
  url: string;
  /** Bearer token for a backend bound beyond loopback. */
  token?: string | undefined;
  /** Who the writes are made for, sent as `X-Bindery-Actor` (≤ 100 characters, no control characters). */
  actor?: string | undefined;
  /**
   * Follow the server's change feed (one event stream per client) to drop exactly the cached answers other
   * processes' writes change. Default true; without it, cached entities older than 1 s are revalidated.
   */
  feed?: boolean;
  /** Keep-alive connections in the pool. Default 10. */
  connections?: number;
  /** Deadline of one HTTP attempt, connect to last body byte. Default 30 s. */
  timeoutMs?: number;
  /** Larger answers are refused with payload_too_large. Default 50 MB. */
  maxResponseBytes?: number;
  /** Body limit of routes without their own (mirrors the server's 2 MB default). */
  maxRequestBytes?: number;
  retry?: {
    /** Retries after the first attempt. Default 3. */
    maxRetries?: number;
    /** Full-jitter exponential backoff: random(0, min(maxDelayMs, baseDelayMs·2^n)). Defaults 100 ms / 2 s. */
    baseDelayMs?: number;
    maxDelayMs?: number;
    /** A Retry-After longer than this is not waited for: the call fails with the server's error. Default 10 s. */
    maxRetryAfterMs?: number;
  };
  breaker?: {
    /** Consecutive failed calls that open the circuit. Default 5. */
    threshold?: number;
    /** Open time before one probe may pass. Default 60 s. */
    resetMs?: number;
    /** While open, how often the server's /health is asked; an answer closes the circuit. Default 1 s. */
    healthProbeMs?: number;
  };
  cache?: {
    /** TTL of single entities (get_*, roles, version); 0 disables the cache. Default 300 s. */
    ttlMs?: number;
    /** TTL of lists, search and the dashboard, capped by ttlMs. Default 5 s. */
    listTtlMs?: number;
    maxEntries?: number;
    /** Bound on the cached answers' JSON bytes. Default 16 MB. */
    maxBytes?: number;
  };
}

export interface ResolvedOptions {
  url: URL;
  token: string | undefined;
  actor: string | undefined;
  feed: boolean;
  connections: number;
  timeoutMs: number;
  maxResponseBytes: number;
  maxRequestBytes: number;
  retry: { maxRetries: number; baseDelayMs: number; maxDelayMs: number; maxRetryAfterMs: number };
  breaker: { threshold: number; resetMs: number; healthProbeMs: number };
  cache: { ttlMs: number; listTtlMs: number; maxEntries: number; maxBytes: number };
}

const MB = 1024 * 1024;

function check(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  integer = false,
): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new RangeError(
      `BinderyClient option ${name} must be ${integer ? 'a whole number' : 'a number'} ≥ ${min}, got ${value}.`,
    );
  }
  return value;
}

function baseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`BinderyClient option url is not a valid URL: "${raw}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`BinderyClient option url must start with http:// or https://, got "${raw}".`);
  }
  return url;
}

function actorOption(actor: string | undefined): string | undefined {
  if (actor === undefined) return undefined;
  const parsed = Actor.safeParse(actor);
  if (!parsed.success) {
    throw new TypeError(`BinderyClient option actor ${parsed.error.issues[0]?.message ?? 'is invalid'}.`);
  }
  return parsed.data;
}

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  const { retry = {}, breaker = {}, cache = {} } = options;
  const ttlMs = check('cache.ttlMs', cache.ttlMs, 300_000, 0);
  return {
    url: baseUrl(options.url),
    token: options.token || undefined,
    actor: actorOption(options.actor),
    feed: options.feed ?? true,
    connections: check('connections', options.connections, 10, 1, true),
    timeoutMs: check('timeoutMs', options.timeoutMs, 30_000, 1),
    maxResponseBytes: check('maxResponseBytes', options.maxResponseBytes, 50 * MB, 1, true),
    maxRequestBytes: check('maxRequestBytes', options.maxRequestBytes, 2 * MB, 1, true),
    retry: {
      maxRetries: check('retry.maxRetries', retry.maxRetries, 3, 0, true),
      baseDelayMs: check('retry.baseDelayMs', retry.baseDelayMs, 100, 0),
      maxDelayMs: check('retry.maxDelayMs', retry.maxDelayMs, 2_000, 0),
      maxRetryAfterMs: check('retry.maxRetryAfterMs', retry.maxRetryAfterMs, 10_000, 0),
    },
    breaker: {
      threshold: check('breaker.threshold', breaker.threshold, 5, 1, true),
      resetMs: check('breaker.resetMs', breaker.resetMs, 60_000, 1),
      healthProbeMs: check('breaker.healthProbeMs', breaker.healthProbeMs, 1_000, 1),
    },
    cache: {
      ttlMs,
      listTtlMs: Math.min(ttlMs, check('cache.listTtlMs', cache.listTtlMs, 5_000, 0)),
      maxEntries: check('cache.maxEntries', cache.maxEntries, 1_000, 1, true),
      maxBytes: check('cache.maxBytes', cache.maxBytes, 16 * MB, 1, true),
    },
  };
}

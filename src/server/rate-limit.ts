import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Gauge } from 'prom-client';
import { BinderyError, changesData, isOperationName } from '../contract/index.js';
import type { Logger } from '../runtime/logger.js';
import { connectRedis, FallbackStore, type SharedCounters } from './limiter-store.js';
import type { ServerMetrics } from './metrics.js';

export interface RateLimitOptions {
  /** Requests per minute per caller; undefined = no limit. */
  perMinute?: number | undefined;
  /** Mutations per minute per caller, on top of perMinute; undefined = no limit. */
  writesPerMinute?: number | undefined;
  /** Counters shared by every server through this Redis; undefined = per process. */
  redisUrl?: string | undefined;
  /** Redis key prefix, so several deployments (or test runs) can share one Redis. */
  redisPrefix?: string | undefined;
  /** Callers remembered per limit in this process (LRU). */
  maxCallers?: number;
  /** The counting window; one minute, shorter only in tests. */
  windowMs?: number;
}
/** Monitoring must keep answering a client that is over its budget. */
const UNLIMITED_PATHS = new Set(['/health', '/metrics']);

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

/** Who is calling: the token, else the declared actor, else the address. Secrets never become keys. */
function callerKey(request: FastifyRequest): string {
  const authorization = request.headers.authorization;
  if (authorization) return `token:${digest(authorization)}`;
  const actor = request.headers['x-bindery-actor'];
  if (typeof actor === 'string' && actor !== '') return `actor:${digest(actor)}`;
  return `ip:${request.ip}`;
}

function isWrite(name: unknown): boolean {
  return typeof name === 'string' && isOperationName(name) && changesData(name);
}

/** Does the request change state: a REST mutation, or a JSON-RPC call (or batch) holding one. */
function changesState(request: FastifyRequest): boolean {
  const operation = request.routeOptions.config?.operation;
  if (operation) return isWrite(operation);
  if (request.routeOptions.url !== '/rpc') return false;
  const body = request.body;
  const calls = Array.isArray(body) ? body : [body];
  return calls.some((call) => isWrite((call as { method?: unknown } | null)?.method));
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/** Checks one limit; over it → 429 rate_limit_exceeded with Retry-After and RateLimit-* headers. */
async function enforce(
  limiter: Limiter,
  request: FastifyRequest,
  reply: FastifyReply,
  onRefused: () => void,
) {
  const result = await limiter(request);
  if (result.isAllowed) return;
  reply.header('ratelimit-limit', result.max);
  reply.header('ratelimit-remaining', result.remaining);
  reply.header('ratelimit-reset', result.ttlInSeconds);
  if (!result.isExceeded) return;
  onRefused();
  throw new BinderyError(
    'rate_limit_exceeded',
    `This caller is over its limit of ${result.max} requests in ${Math.round(result.timeWindow / 1000)} s; retry in ${result.ttlInSeconds} s.`,
    { retryAfterS: Math.max(1, result.ttlInSeconds) },
  );
}

/**
 * BINDERY_RATE_LIMIT / BINDERY_WRITE_RATE_LIMIT through @fastify/rate-limit. With Redis the budget is one
 * for all servers; when Redis is unreachable each server counts on its own, logs it and reports
 * `degraded` in /health (see `unavailable`), and no request fails because of the limiter.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  options: RateLimitOptions,
  context: { log: Logger; metrics: ServerMetrics },
): Promise<{ unavailable: () => string | null }> {
  const shared: SharedCounters = {
    redis: undefined,
    keyPrefix: options.redisPrefix ?? 'bindery:rate:',
    maxCallers: options.maxCallers ?? 10_000,
    log: context.log,
    unavailable: null,
    stores: [],
  };
  const status = { unavailable: () => shared.unavailable };
  if (options.perMinute === undefined && options.writesPerMinute === undefined) return status;
  if (options.redisUrl) {
    const redis = await connectRedis(options.redisUrl, shared);
    shared.redis = redis;
    // The first requests should count in the shared budget too: wait for the connection (or its failure).
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        redis.off('ready', done).off('error', done);
        resolve();
      };
      const timer = setTimeout(done, 2000);
      redis.once('ready', done).once('error', done);
    });
    app.addHook('onClose', async () => {
      redis.disconnect();
    });
  }
  const root = new FallbackStore(shared, 'root');
  // Loaded only when a limit is set: a server without limits starts without it.
  const { default: fastifyRateLimit } = await import('@fastify/rate-limit');
  await app.register(fastifyRateLimit, {
    global: false,
    store: class {
      constructor() {
        // biome-ignore lint/correctness/noConstructorReturn: the plugin constructs the store; ours is built above
        return root;
      }
    } as never,
    keyGenerator: callerKey,
    skipOnError: true,
  });
  const limit = (bucket: 'all' | 'write', max: number | undefined) =>
    max === undefined
      ? undefined
      : app.createRateLimit({ max, timeWindow: options.windowMs ?? 60_000, bucket } as never);
  const all = limit('all', options.perMinute);
  const writes = limit('write', options.writesPerMinute);
  new Gauge({
    name: 'bindery_rate_limit_tracked_callers',
    help: 'Callers whose counts this process keeps (bounded, least recently seen forgotten first).',
    registers: [context.metrics.registry],
    collect() {
      this.set(shared.stores.reduce((sum, store) => sum + store.trackedCallers(), 0));
    },
  });
  if (all) {
    app.addHook('onRequest', async (request, reply) => {
      if (UNLIMITED_PATHS.has(request.url)) return;
      await enforce(all, request, reply, () => context.metrics.rateLimited.inc({ limit: 'all' }));
    });
  }
  if (writes) {
    app.addHook('preHandler', async (request, reply) => {
      if (!changesState(request)) return;
      await enforce(writes, request, reply, () => context.metrics.rateLimited.inc({ limit: 'write' }));
    });
  }
  return status;
}

import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { type BinderyApi, BinderyError, RPC_PARSE_ERROR } from '../contract/index.js';
import type { Logger } from '../runtime/logger.js';
import type { Store } from '../store/types.js';
import { BOARD_PUBLIC_PATHS, registerBoard } from './board.js';
import type { ChangeHub } from './change-hub.js';
import { type ChangeRetentionOptions, pruneChangesInBackground } from './change-retention.js';
import { errorBody, toBinderyError } from './errors.js';
import { type EventStreamTuning, registerEventStream } from './events.js';
import { registerHealthGuard } from './health-guard.js';
import { IdempotencyGate } from './idempotency.js';
import { JsonSyntaxError, parseJsonBody } from './json-body.js';
import { sweepLeasesInBackground } from './lease-sweep.js';
import {
  applyHeadersTimeout,
  DEFAULT_LIMITS,
  registerLoadShedding,
  type ServerLimits,
  timeoutOptions,
} from './limits.js';
import { registerMetrics, ServerMetrics } from './metrics.js';
import { type RateLimitOptions, registerRateLimits } from './rate-limit.js';
import { registerOperationRoutes } from './routes.js';
import { registerRpc, rpcFailure } from './rpc.js';
import { type HttpSafetyOptions, registerHttpSafety } from './safety.js';
import { registerTracing } from './tracing.js';

export const DEFAULT_BODY_LIMIT = 2 * 1024 * 1024;

export interface ServerOptions {
  api: BinderyApi;
  store: Store;
  logger: Logger;
  safety: HttpSafetyOptions;
  /** The server's one reader of the change log (its API wakes it after writes: `wakeAfterWrites`). */
  hub: ChangeHub;
  retention: ChangeRetentionOptions;
  /** Event stream ping interval and slow-reader bound (tests shorten them). */
  eventStream?: EventStreamTuning;
  limits?: ServerLimits;
  /** Answers discovery challenges on /health (see registerMonitoring). */
  prove?: (challenge: string, port: number) => string;
  /** Prometheus metrics; pass the one whose instrumentStore() wraps `store` to get store timings. */
  metrics?: ServerMetrics;
  /** BINDERY_RATE_LIMIT and friends; no limits when not given. */
  rateLimits?: RateLimitOptions;
  /** Receives the checks of dependencies that can degrade (the limiter's Redis), for the health answer. */
  degradations?: (() => string | null)[];
  /** Extra routes mounted behind the same safety checks (the MCP endpoint). */
  plugins?: ((app: FastifyInstance) => void | Promise<void>)[];
}

/**
 * The Bindery HTTP server: REST routes and JSON-RPC over one BinderyApi (health and pool metrics are
 * operations too). The store is needed only for the Idempotency-Key records and to close it on shutdown.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { api, store, logger } = options;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const app = Fastify({
    ...timeoutOptions(limits),
    loggerInstance: logger as FastifyBaseLogger,
    // Per-request lines would cost throughput and fill stderr; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    forceCloseConnections: 'idle',
    // Once close() starts, every request (health included) gets 503, so managers stop sending work.
    return503OnClosing: true,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.setErrorHandler((thrown, request, reply) => {
    if (request.url === '/rpc' && thrown instanceof JsonSyntaxError) {
      return reply.code(200).send(rpcFailure(null, { code: RPC_PARSE_ERROR, message: thrown.message }));
    }
    const error = toBinderyError(thrown);
    if (error.code === 'internal_error')
      request.log.error({ err: thrown, url: request.url }, 'request failed');
    if (error.retryAfterS !== undefined) reply.header('retry-after', String(error.retryAfterS));
    return reply.code(error.httpStatus).send(errorBody(error));
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new BinderyError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`);
    return reply.code(404).send(errorBody(error));
  });

  applyHeadersTimeout(app, limits);
  registerTracing(app);
  registerHttpSafety(app, {
    ...options.safety,
    publicPaths: [...(options.safety.publicPaths ?? []), ...BOARD_PUBLIC_PATHS],
  });
  await registerLoadShedding(app, limits);
  const metrics = options.metrics ?? new ServerMetrics();
  registerMetrics(app, metrics, store);
  metrics.watchSubscribers(options.hub);
  const rateLimiter = await registerRateLimits(app, options.rateLimits ?? {}, { log: logger, metrics });
  options.degradations?.push(rateLimiter.unavailable);
  const idempotency = new IdempotencyGate(store);
  await idempotency.start((error) => logger.warn({ err: error }, 'idempotency heartbeat failed'));
  registerHealthGuard(app, options.prove);
  registerOperationRoutes(app, api, idempotency);
  registerRpc(app, api, logger, limits.rpcMaxBatch);
  const { hub } = options;
  await hub.start();
  registerEventStream(app, { hub, store, ...options.eventStream });
  const stopPruning = pruneChangesInBackground(store, options.retention, (error) =>
    logger.error({ err: error }, 'pruning the change log failed'),
  );
  const stopSweeping = sweepLeasesInBackground(
    store,
    (count) => {
      logger.info({ expired: count }, 'execution leases expired; their tasks are back to todo');
      hub.wake();
    },
    (error) => logger.error({ err: error }, 'expiring execution leases failed'),
  );
  for (const plugin of options.plugins ?? []) await plugin(app);
  await registerBoard(app);

  app.addHook('preClose', async () => {
    // Open event streams would keep the server from closing: end them first.
    await hub.close();
    await stopPruning();
    await stopSweeping();
  });
  app.addHook('onClose', async () => {
    await idempotency.stop();
    await store.close();
  });
  return app;
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type Change, isOperationName } from '../contract/index.js';
import { aroundMethods, onSettled } from '../runtime/around-methods.js';
import { type PoolMetrics, SEARCH_PATHS, type SearchPage, type Store } from '../store/types.js';

/** Seconds; from a cached read (~0.2 ms) to a slow document index (seconds). */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The server's Prometheus metrics, one registry per server (a test process runs several). Every label value
 * comes from a fixed set — operation names, route patterns, store method names, HTTP methods and statuses —
 * never from an id or a raw URL, so the series count stays bounded whatever clients send.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'bindery_http_requests_total',
    help: 'HTTP requests answered, by operation (or route), interface, method and status.',
    labelNames: ['operation', 'interface', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'bindery_http_request_duration_seconds',
    help: 'Time from request to response, by operation (or route), interface, method and status.',
    labelNames: ['operation', 'interface', 'method', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly storeDuration = new Histogram({
    name: 'bindery_store_operation_duration_seconds',
    help: 'Time of one store method (one transaction or query), by method and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly searchDuration = new Histogram({
    name: 'bindery_search_duration_seconds',
    help: 'Time of one store search, by the path it took (empty, rare, common, fill: docs/operations.md).',
    labelNames: ['path'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly idempotentReplays = new Counter({
    name: 'bindery_idempotent_replays_total',
    help: 'Requests answered from a stored answer of the same Idempotency-Key.',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'bindery_rate_limited_total',
    help: 'Requests refused with 429 rate_limit_exceeded, by limit (all or write).',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly feedLag = new Histogram({
    name: 'bindery_change_feed_lag_seconds',
    help: "Time from a change's commit to this server's change reader seeing it; every event stream waits at least this.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** Label values come from fixed sets (see above), so this map stays small. */
  private readonly series = new Map<
    string,
    { count: { inc(): void }; duration: { observe(value: number): void } }
  >();

  constructor() {
    // The standard names (process_*, nodejs_*) so ready-made Node.js dashboards work.
    collectDefaultMetrics({ register: this.registry });
    // Every path from the start, so a rate over each series exists before its first query.
    for (const path of SEARCH_PATHS) this.searchDuration.zero({ path });
  }

  /** A store whose async methods are timed into `bindery_store_operation_duration_seconds`. */
  instrumentStore(store: Store): Store {
    const histogram = this.storeDuration;
    const searches = this.searchDuration;
    // The labelled series are made once per method (on its first call), not per call.
    return aroundMethods(store, (operation) => {
      const ok = histogram.labels({ operation, outcome: 'ok' });
      const failed = histogram.labels({ operation, outcome: 'error' });
      const searched = operation === 'search';
      return (call) => {
        const started = performance.now();
        const result = call();
        if (!(result instanceof Promise)) return result; // metrics(), configuration(): not store work
        return onSettled(result, (outcome) => {
          const seconds = (performance.now() - started) / 1000;
          (outcome.ok ? ok : failed).observe(seconds);
          if (searched && outcome.ok)
            searches.observe({ path: (outcome.answer as SearchPage).path }, seconds);
        });
      };
    });
  }

  /** The labelled request counter and histogram of one label set, made once per distinct set. */
  requestSeries(operation: string, iface: string, method: string, status: number) {
    const key = `${operation} ${iface} ${method} ${status}`;
    let series = this.series.get(key);
    if (!series) {
      const labels = { operation, interface: iface, method, status: String(status) };
      series = { count: this.requests.labels(labels), duration: this.requestDuration.labels(labels) };
      this.series.set(key, series);
    }
    return series;
  }

  /** Feed lag of each change the server's hub reads (ChangeHub's onRead). */
  observeFeed(changes: readonly Change[]): void {
    const now = Date.now();
    for (const change of changes) this.feedLag.observe(Math.max(0, now - Date.parse(change.at)) / 1000);
  }

  /** Open event streams, read from the hub at each scrape. */
  watchSubscribers(hub: { readonly subscribers: number }): void {
    new Gauge({
      name: 'bindery_event_stream_subscribers',
      help: 'Event streams (GET /api/events) open on this server.',
      registers: [this.registry],
      collect() {
        this.set(hub.subscribers);
      },
    });
  }

  /** Pool figures read from the store at each scrape. */
  watchPool(store: Store): void {
    const registers = [this.registry];
    new Gauge({
      name: 'bindery_pool_connections',
      help: 'Store connections by state (active, idle, total, max).',
      labelNames: ['state'] as const,
      registers,
      collect() {
        const m = store.metrics();
        this.set({ state: 'active' }, m.active_connections);
        this.set({ state: 'idle' }, m.idle_connections);
        this.set({ state: 'total' }, m.total_connections);
        this.set({ state: 'max' }, m.max_connections);
      },
    });
    const fromPool = (name: string, help: string, read: (m: PoolMetrics) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(store.metrics()));
        },
      });
    fromPool(
      'bindery_pool_waiting_requests',
      'Requests waiting for a store connection.',
      (m) => m.waiting_requests,
    );
    fromPool(
      'bindery_pool_utilization_percent',
      'Share of store connections in use.',
      (m) => m.pool_utilization,
    );
    fromPool('bindery_store_queries', 'Store operations since start.', (m) => m.total_queries);
    fromPool(
      'bindery_store_slow_queries',
      'Store operations over 100 ms since start.',
      (m) => m.slow_queries,
    );
    fromPool('bindery_store_busy_errors', 'Busy, locked or deadlock errors since start.', (m) => m.deadlocks);
  }
}

/** The bounded name of what a request asked for: its operation, else its route pattern. */
function labelsOf(request: FastifyRequest): { operation: string; interface: string } {
  const route = request.routeOptions;
  const operation = route.config?.operation;
  if (operation) return { operation, interface: 'rest' };
  if (route.url === '/rpc') {
    const body = request.body as { method?: unknown } | unknown[] | undefined;
    if (Array.isArray(body)) return { operation: 'batch', interface: 'rpc' };
    const method = body?.method;
    return {
      operation: typeof method === 'string' && isOperationName(method) ? method : 'unknown',
      interface: 'rpc',
    };
  }
  if (route.url === '/mcp') return { operation: 'mcp', interface: 'mcp' };
  return { operation: route.url ?? 'unmatched', interface: 'other' };
}

/**
 * `GET /metrics` in the Prometheus text format, and the request metrics behind it. Recording never fails a
 * request: an error here is logged and the answer goes out as it was.
 */
export function registerMetrics(app: FastifyInstance, metrics: ServerMetrics, store: Store): void {
  metrics.watchPool(store);
  app.addHook('onResponse', (request, reply, done) => {
    try {
      const { operation, interface: iface } = labelsOf(request);
      const series = metrics.requestSeries(operation, iface, request.method, reply.statusCode);
      series.count.inc();
      series.duration.observe(reply.elapsedTime / 1000);
      if (reply.getHeader('idempotent-replayed') === 'true') metrics.idempotentReplays.inc({ operation });
    } catch (error) {
      request.log.warn({ err: error }, 'recording request metrics failed');
    }
    done();
  });
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ClientStats } from '../client/index.js';
import type { Logger } from '../runtime/logger.js';

const BREAKER_STATES = ['closed', 'open', 'half_open', 'isolated'] as const;

/** A counter that mirrors a running total the client already keeps, read at each scrape. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let reported = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const total = read();
      if (total > reported) this.inc(total - reported);
      reported = total;
    },
  });
}

/** The `bindery mcp` process's client metrics (breaker, cache, retries, failures) and process metrics. */
export function clientRegistry(stats: () => ClientStats): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'bindery_client_breaker_state',
    help: 'Circuit breaker state: 1 for the current state, 0 for the others.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const current = stats().breaker.state;
      for (const state of BREAKER_STATES) this.set({ state }, state === current ? 1 : 0);
    },
  });
  mirroredCounter(
    registry,
    'bindery_client_calls_total',
    'Logical calls to the server.',
    () => stats().calls,
  );
  mirroredCounter(
    registry,
    'bindery_client_retries_total',
    'Extra attempts after transient failures.',
    () => stats().retries,
  );
  mirroredCounter(
    registry,
    'bindery_client_cache_hits_total',
    'Reads answered from the cache.',
    () => stats().cache.hits,
  );
  mirroredCounter(
    registry,
    'bindery_client_cache_misses_total',
    'Reads sent to the server.',
    () => stats().cache.misses,
  );
  const failures = new Gauge({
    name: 'bindery_client_failures',
    help: 'Failed calls since start, by error code.',
    labelNames: ['code'] as const,
    registers: [registry],
    collect() {
      for (const [code, count] of Object.entries(stats().failures)) failures.set({ code }, count ?? 0);
    },
  });
  new Gauge({
    name: 'bindery_client_in_flight',
    help: 'Calls waiting for the server now.',
    registers: [registry],
    collect() {
      this.set(stats().in_flight);
    },
  });
  return registry;
}

/**
 * BINDERY_MCP_METRICS_PORT: `GET /metrics` of this process on 127.0.0.1 only (it has no token check, so it
 * never listens beyond loopback). A scrape that fails is a 500 and a log line; MCP work goes on.
 */
export async function serveClientMetrics(
  port: number,
  stats: () => ClientStats,
  log: Logger,
): Promise<Server> {
  const registry = clientRegistry(stats);
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => {
        log.warn({ err: error }, 'metrics scrape failed');
        response.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  server.unref();
  return server;
}

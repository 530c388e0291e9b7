import type { FastifyInstance } from 'fastify';
import type { PoolMetrics, Store } from '../store/types.js';

export type HealthStatus = 'healthy' | 'warning' | 'unhealthy';

export interface PoolHealth {
  status: HealthStatus;
  is_healthy: boolean;
  pool_utilization: number;
  success_rate: number;
  average_acquisition_time_ms: number;
  total_queries: number;
  slow_query_count: number;
  deadlock_count: number;
  active_connections: number;
  max_connections: number;
  recommendations: string[];
}

/** SPEC §2.2 rules, applied to measured metrics and a live `SELECT 1` probe. */
export function analysePool(metrics: PoolMetrics, probeOk: boolean): PoolHealth {
  const attempts = metrics.total_acquired;
  const successRate = attempts ? ((attempts - metrics.total_acquisition_failures) / attempts) * 100 : 100;
  const slowShare = metrics.total_queries ? (metrics.slow_queries / metrics.total_queries) * 100 : 0;
  const recommendations: string[] = [];
  if (metrics.pool_utilization > 90)
    recommendations.push('Pool utilisation is above 90 %: raise max connections or reduce load.');
  if (metrics.average_acquisition_time_ms > 500) {
    recommendations.push(
      'Connection acquisition averages over 500 ms: the pool is too small or queries hold connections too long.',
    );
  }
  if (successRate < 95)
    recommendations.push('Fewer than 95 % of operations succeed: check the server log for database errors.');
  if (slowShare > 10)
    recommendations.push('Over 10 % of queries are slow (>100 ms): check indexes and the largest lists.');
  if (metrics.deadlocks > 0)
    recommendations.push('Busy/locked errors occurred: reduce concurrent writers or long transactions.');
  let status: HealthStatus = 'healthy';
  if (!probeOk) status = 'unhealthy';
  else if (metrics.pool_utilization > 90 || metrics.average_acquisition_time_ms > 1000) status = 'warning';
  return {
    status,
    is_healthy: status !== 'unhealthy',
    pool_utilization: metrics.pool_utilization,
    success_rate: Math.min(100, Math.max(0, Math.round(successRate * 100) / 100)),
    average_acquisition_time_ms: metrics.average_acquisition_time_ms,
    total_queries: metrics.total_queries,
    slow_query_count: metrics.slow_queries,
    deadlock_count: metrics.deadlocks,
    active_connections: metrics.active_connections,
    max_connections: metrics.max_connections,
    recommendations,
  };
}

export interface MonitoringOptions {
  store: Store;
  version: string;
  workspace: string;
  startedAt: Date;
  /** True once shutdown began: health turns 503 so managers stop sending work. */
  isClosing: () => boolean;
  /** Dependencies working in a lesser mode (a rate limiter without its Redis): `degraded`, and why. */
  degradations?: () => string[];
}

async function probe(store: Store): Promise<boolean> {
  try {
    await store.probe();
    return true;
  } catch {
    return false;
  }
}

export function registerMonitoring(app: FastifyInstance, options: MonitoringOptions): void {
  const { store } = options;

  app.get('/health', async (_request, reply) => {
    const probeOk = !options.isClosing() && (await probe(store));
    const pool = analysePool(store.metrics(), probeOk);
    const degraded = options.degradations?.() ?? [];
    const status = !probeOk
      ? 'unhealthy'
      : pool.status === 'warning' || degraded.length > 0
        ? 'degraded'
        : 'healthy';
    const info = await store.info().catch(() => null);
    reply.code(status === 'unhealthy' ? 503 : 200);
    return {
      status,
      service: 'bindery',
      version: options.version,
      workspace: options.workspace,
      pid: process.pid,
      uptime_s: Math.round((Date.now() - options.startedAt.getTime()) / 1000),
      store: { kind: store.kind, schema_version: info?.schema_version ?? null, reachable: probeOk },
      pool: {
        status: pool.status,
        active_connections: pool.active_connections,
        max_connections: pool.max_connections,
        pool_utilization: pool.pool_utilization,
      },
      ...(degraded.length > 0 ? { degraded } : {}),
    };
  });

  app.get('/api/pool/metrics', async () => store.metrics());

  app.get('/api/pool/health', async () => ({
    health: analysePool(store.metrics(), await probe(store)),
    configuration: store.configuration(),
  }));
}

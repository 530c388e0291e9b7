/**
 * The monitoring operations: the server's health, its store's pool metrics and the pool health analysis
 * (rules in docs/design.md, "Monitoring"). Every number comes from the store's real connections and a live
 * `SELECT 1` probe, never from a guess.
 */
import type { PoolHealth, PoolMetrics } from '../contract/index.js';
import type { Store } from '../store/types.js';
import type { Handlers, ServiceContext } from './context.js';

type HealthOps = 'get_health' | 'get_pool_metrics' | 'get_pool_health';

/** The pool's state and recommendations, from measured metrics and whether the probe answered. */
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
  let status: PoolHealth['status'] = 'healthy';
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

async function probe(store: Store): Promise<boolean> {
  try {
    await store.probe();
    return true;
  } catch {
    return false;
  }
}

export function healthHandlers({
  store,
  version,
  workspace,
  startedAt,
  degradations,
}: ServiceContext): Handlers<HealthOps> {
  return {
    async get_health() {
      const probeOk = await probe(store);
      const pool = analysePool(store.metrics(), probeOk);
      const degraded = degradations?.() ?? [];
      const lesser = pool.status === 'warning' || degraded.length > 0;
      const status = !probeOk ? 'unhealthy' : lesser ? 'degraded' : 'healthy';
      const info = await store.info().catch(() => null);
      return {
        status,
        service: 'bindery' as const,
        version,
        workspace,
        pid: process.pid,
        uptime_s: Math.round((Date.now() - startedAt.getTime()) / 1000),
        store: { kind: store.kind, schema_version: info?.schema_version ?? null, reachable: probeOk },
        pool: {
          status: pool.status,
          active_connections: pool.active_connections,
          max_connections: pool.max_connections,
          pool_utilization: pool.pool_utilization,
        },
        ...(degraded.length > 0 ? { degraded } : {}),
      };
    },

    async get_pool_metrics() {
      return store.metrics();
    },

    async get_pool_health() {
      return {
        health: analysePool(store.metrics(), await probe(store)),
        configuration: store.configuration(),
      };
    },
  };
}

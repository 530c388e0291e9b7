/**
 * The monitoring answers: the server's health (GET /health), its store's pool metrics and the pool health
 * analysis. One schema each, shared by the server that answers, the client that reads and the backend
 * manager that recognises a Bindery server by its health answer.
 */
import { z } from 'zod';

const Count = z.number().int().min(0);
const Percent = z.number().min(0);

/** Measured on the store's real connections (SQLite: the one connection; PostgreSQL: the pool). */
export const PoolMetrics = z.strictObject({
  active_connections: Count,
  idle_connections: Count,
  total_connections: Count,
  max_connections: Count,
  waiting_requests: Count,
  total_acquired: Count,
  total_acquisition_failures: Count,
  average_acquisition_time_ms: z.number().min(0),
  pool_utilization: Percent.describe('Percent of max_connections in use.'),
  total_queries: Count,
  slow_queries: Count.describe('Queries slower than 100 ms.'),
  deadlocks: Count.describe('Busy/locked errors.'),
});
export type PoolMetrics = z.infer<typeof PoolMetrics>;

export const PoolStatus = z.enum(['healthy', 'warning', 'unhealthy']);

export const PoolHealth = z.strictObject({
  status: PoolStatus,
  is_healthy: z.boolean(),
  pool_utilization: Percent,
  success_rate: Percent.max(100),
  average_acquisition_time_ms: z.number().min(0),
  total_queries: Count,
  slow_query_count: Count,
  deadlock_count: Count,
  active_connections: Count,
  max_connections: Count,
  recommendations: z.array(z.string()),
});
export type PoolHealth = z.infer<typeof PoolHealth>;

export const PoolHealthReport = z.strictObject({
  health: PoolHealth,
  /** The store's connection settings; their keys differ between SQLite and PostgreSQL. */
  configuration: z.record(z.string(), z.unknown()),
});

/** 200 when healthy or degraded, 503 when unhealthy (the answer still carries this body). */
export const ServerHealth = z.strictObject({
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  service: z.literal('bindery'),
  version: z.string(),
  workspace: z.string(),
  pid: z.number().int(),
  uptime_s: z.number().int().min(0),
  store: z.strictObject({
    kind: z.enum(['sqlite', 'postgres']),
    schema_version: z.number().int().nullable(),
    reachable: z.boolean(),
  }),
  pool: z.strictObject({
    status: PoolStatus,
    active_connections: Count,
    max_connections: Count,
    pool_utilization: Percent,
  }),
  /** Dependencies working in a lesser mode (a rate limiter without its Redis), when any. */
  degraded: z.array(z.string()).optional(),
});
export type ServerHealth = z.infer<typeof ServerHealth>;

/**
 * health_check (docs/mcp.md): the backend's own /health, asked now and past the client's cache and breaker,
 * the client's breaker/cache/retry counts and the security counters. A backend that does not answer makes
 * the report unhealthy, and the question is cut short so the tool still answers quickly.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { ClientStats } from '../client/index.js';
import { BINDERY_VERSION } from '../contract/index.js';
import {
  INJECTION_POLICIES,
  type InjectionPolicy,
  type SecurityCounters,
  sanitizeMessage,
} from './security/index.js';

export const HEALTH_TIMEOUT_MS = 3_000;

const AnyObject = z.record(z.string(), z.unknown());

export const HealthReport = z.strictObject({
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  mcp_server: z.strictObject({
    name: z.literal('bindery'),
    version: z.string(),
    protocol_version: z.string().describe('Newest MCP protocol version this server speaks.'),
    transport: z.enum(['stdio', 'streamable-http']),
    node_version: z.string(),
    uptime_s: z.number(),
    production: z.boolean(),
    security: z.strictObject({
      injection_policy: z.enum(INJECTION_POLICIES),
      inputs_checked: z.number(),
      detections_total: z.number(),
      detections_by_pattern: z.record(z.string(), z.number()),
      rejections: z.number(),
      strings_stripped: z.number(),
    }),
  }),
  backend: z.strictObject({
    url: z.string().nullable().describe('null: the backend runs in this process.'),
    reachable: z.boolean(),
    status: z.string().nullable().describe("The backend's own /health status."),
    response_time_ms: z.number().nullable(),
    health: AnyObject.nullable().describe("The backend's /health answer."),
    error: z.string().optional(),
  }),
  client: z
    .strictObject({
      circuit_breaker: AnyObject,
      cache: AnyObject,
      retries: z.number(),
      calls: z.number(),
      failures: z.record(z.string(), z.number()),
      in_flight: z.number(),
      pool: AnyObject,
      feed: z
        .strictObject({
          connected: z.boolean(),
          caught_up: z.boolean(),
          last_seq: z.number().nullable(),
          lag_ms: z.number().nullable(),
          reconnects: z.number(),
          resets: z.number(),
        })
        .nullable()
        .describe('The change feed that keeps the cache coherent with other processes’ writes.'),
    })
    .nullable()
    .describe('The HTTP client to the backend; null when the backend runs in this process.'),
});
export type HealthReport = z.infer<typeof HealthReport>;

/** Where a health report comes from: differs between stdio (HTTP client) and the in-process endpoint. */
export interface HealthProbe {
  transport: 'stdio' | 'streamable-http';
  backendUrl: string | null;
  /** The backend's GET /health answer (also when it says unhealthy); throws when there is no answer. */
  backendHealth(): Promise<{ status: string }>;
  clientStats(): ClientStats | null;
}

export interface HealthInputs {
  probe: HealthProbe;
  policy: InjectionPolicy;
  counters: SecurityCounters;
  production: boolean;
  startedAt: number;
  /** The SDK's latest protocol version; passed in so the tool definitions (tools/system.ts) load without the SDK. */
  protocolVersion: string;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function checkBackend(probe: HealthProbe): Promise<HealthReport['backend']> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const health = await withTimeout(probe.backendHealth(), HEALTH_TIMEOUT_MS);
    return {
      url: probe.backendUrl,
      reachable: true,
      status: health.status,
      response_time_ms: elapsed(),
      health: health as Record<string, unknown>,
    };
  } catch (error) {
    return {
      url: probe.backendUrl,
      reachable: false,
      status: null,
      response_time_ms: null,
      health: null,
      error: sanitizeMessage(error instanceof Error ? error.message : String(error)),
    };
  }
}

export async function healthReport(inputs: HealthInputs): Promise<HealthReport> {
  const { probe } = inputs;
  const backend = await checkBackend(probe);
  const stats = probe.clientStats();
  const breakerState = stats?.breaker.state ?? 'closed';
  let status: HealthReport['status'] = 'healthy';
  if (!backend.reachable || backend.status === 'unhealthy') status = 'unhealthy';
  else if (backend.status !== 'healthy' || breakerState !== 'closed') status = 'degraded';
  return {
    status,
    mcp_server: {
      name: 'bindery',
      version: BINDERY_VERSION,
      protocol_version: inputs.protocolVersion,
      transport: probe.transport,
      node_version: process.version,
      uptime_s: Math.round((Date.now() - inputs.startedAt) / 1000),
      production: inputs.production,
      security: { injection_policy: inputs.policy, ...inputs.counters.snapshot() },
    },
    backend,
    client: stats && {
      circuit_breaker: { ...stats.breaker },
      cache: { ...stats.cache },
      retries: stats.retries,
      calls: stats.calls,
      failures: stats.failures,
      in_flight: stats.in_flight,
      pool: { ...stats.pool },
      feed: stats.feed,
    },
  };
}

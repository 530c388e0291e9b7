import type { ServerOptions } from 'node:http';
import { getHeapStatistics } from 'node:v8';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { BinderyError } from '../contract/index.js';

/** The server's resource limits; every one has a setting documented in docs/security.md. */
export interface ServerLimits {
  /** BINDERY_REQUEST_TIMEOUT_S: a whole request, headers and body, must arrive within this. */
  requestTimeoutS: number;
  /** BINDERY_RPC_MAX_BATCH: items in one JSON-RPC batch. */
  rpcMaxBatch: number;
  /** BINDERY_MAX_EVENT_LOOP_DELAY_MS: mean event-loop delay (over 1 s) above which work is shed; 0 = never. */
  maxEventLoopDelayMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  requestTimeoutS: 30,
  rpcMaxBatch: 100,
  maxEventLoopDelayMs: 1_000,
};

/** Headers must be complete within this (or the request timeout, when shorter). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** An idle keep-alive connection is closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Work is shed while the heap holds more than this share of V8's limit, long before it runs out. */
export const MAX_HEAP_SHARE = 0.85;
/** What a shed request is told to wait before retrying. */
export const SHED_RETRY_AFTER_S = 2;

/**
 * Node's own HTTP timeouts (the library made for this, enforced by the HTTP server before Fastify sees a
 * byte): a client trickling its headers or body is cut at the limit with 408 while every other
 * connection keeps being served. Node checks running requests every `connectionsCheckingInterval`
 * (30 s by default), so it is set to match short limits.
 */
export function timeoutOptions(limits: ServerLimits): {
  requestTimeout: number;
  keepAliveTimeout: number;
  http: ServerOptions;
} {
  const requestTimeoutMs = Math.round(limits.requestTimeoutS * 1000);
  return {
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    http: { connectionsCheckingInterval: Math.min(1_000, Math.max(100, requestTimeoutMs / 4)) },
  };
}

/** Node refuses a headers timeout above the request timeout; both are set once the server exists. */
export function applyHeadersTimeout(app: FastifyInstance, limits: ServerLimits): void {
  app.server.headersTimeout = Math.min(HEADERS_TIMEOUT_MS, Math.round(limits.requestTimeoutS * 1000));
}

/**
 * Load shedding with @fastify/under-pressure: while the event loop lags or the heap nears its limit, new
 * requests get 503 with Retry-After at once instead of queueing until every answer is late. /health is
 * exempt, so a supervisor sees a busy server answer and never mistakes it for a hung one.
 */
export async function registerLoadShedding(app: FastifyInstance, limits: ServerLimits): Promise<void> {
  await app.register(underPressure, {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxHeapUsedBytes: Math.round(getHeapStatistics().heap_size_limit * MAX_HEAP_SHARE),
    pressureHandler: (request, _reply, type) => {
      if (request.routeOptions.url === '/health') return;
      const why = type === 'heapUsedBytes' ? 'its memory is nearly full' : 'it is overloaded';
      return Promise.reject(
        new BinderyError('connection_error', `The server sheds load because ${why}; retry shortly.`, {
          httpStatus: 503,
          retryAfterS: SHED_RETRY_AFTER_S,
        }),
      );
    },
  });
}

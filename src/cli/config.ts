import type { ClientOptions } from '../client/index.js';
import { Actor } from '../contract/index.js';
import { DEFAULT_TOOL_PROFILE, toolNames } from '../mcp/profiles.js';
import { INJECTION_POLICIES, type InjectionPolicy } from '../mcp/security/index.js';
import type { ToolSelection } from '../mcp/server.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../mcp/transport/message-size.js';
import { bool, ConfigError, type Env, integer, list, number, oneOf, url } from '../runtime/settings.js';
import type { EventStreamTuning } from '../server/events.js';
import type { ServerLimits } from '../server/limits.js';
import type { RateLimitOptions } from '../server/rate-limit.js';
import { SQLITE_MEMORY, type SqliteMemory } from '../store/sqlite/memory.js';

/** A limit that is off unless set. */
function optionalInteger(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : integer(env, name, min, min, max);
}

/**
 * The server's, client's and MCP process's settings from the environment (README's Configuration table);
 * the readers refuse a bad value with a ConfigError naming the variable.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function logLevel(env: Env): (typeof LOG_LEVELS)[number] {
  return oneOf(env, 'BINDERY_LOG_LEVEL', LOG_LEVELS, 'info');
}

/** A typo here must stop start-up rather than silently weaken the policy. */
function injectionPolicy(env: Env): InjectionPolicy {
  return oneOf(env, 'BINDERY_INJECTION_POLICY', INJECTION_POLICIES, 'flag');
}

export interface ServerConfig {
  host: string;
  port: number;
  workspace?: string | undefined;
  databaseUrl?: string | undefined;
  sqliteMemory: SqliteMemory;
  logLevel: (typeof LOG_LEVELS)[number];
  token?: string | undefined;
  allowedHosts: string[];
  allowedOrigins: string[];
  injectionPolicy: InjectionPolicy;
  /** How long and how many change-log rows are kept. */
  changeRetention: { days: number; maxRows: number };
  /** Not a setting: tests shorten the event stream's ping interval and slow-reader bound through it. */
  eventStream?: EventStreamTuning;
  limits: ServerLimits;
  /** BINDERY_METRICS_PUBLIC: /metrics answers without the token. */
  metricsPublic: boolean;
  /** BINDERY_READ_ONLY: every write operation is refused with permission_denied. */
  readOnly: boolean;
  rateLimits: RateLimitOptions;
}

export interface ServerFlags {
  host?: string | undefined;
  port?: string | undefined;
  workspace?: string | undefined;
}

export function serverConfig(env: Env, flags: ServerFlags = {}): ServerConfig {
  const merged: Env = {
    ...env,
    ...(flags.host ? { BINDERY_HOST: flags.host } : {}),
    ...(flags.port ? { BINDERY_PORT: flags.port } : {}),
  };
  const host = merged.BINDERY_HOST || '127.0.0.1';
  const token = env.BINDERY_TOKEN || undefined;
  // A non-loopback bind also needs BINDERY_TOKEN or a named admin token: checked at start, with the store.
  return {
    host,
    port: integer(merged, 'BINDERY_PORT', 3000, 0, 65535),
    workspace: flags.workspace ?? (env.BINDERY_WORKSPACE || undefined),
    databaseUrl: url(env, 'BINDERY_DATABASE_URL', ['postgres:', 'postgresql:']),
    sqliteMemory: {
      cacheMb: integer(env, 'BINDERY_SQLITE_CACHE_MB', SQLITE_MEMORY.cacheMb, 1, 65_536),
      mmapMb: integer(env, 'BINDERY_SQLITE_MMAP_MB', SQLITE_MEMORY.mmapMb, 0, 1_048_576),
    },
    logLevel: logLevel(env),
    token,
    allowedHosts: list(env, 'BINDERY_ALLOWED_HOSTS'),
    allowedOrigins: list(env, 'BINDERY_ALLOWED_ORIGINS'),
    injectionPolicy: injectionPolicy(env),
    changeRetention: {
      days: number(env, 'BINDERY_CHANGES_RETENTION_DAYS', 30, 0),
      maxRows: integer(env, 'BINDERY_CHANGES_MAX_ROWS', 1_000_000, 1, Number.MAX_SAFE_INTEGER),
    },
    limits: {
      requestTimeoutS: number(env, 'BINDERY_REQUEST_TIMEOUT_S', 30, 0.1),
      rpcMaxBatch: integer(env, 'BINDERY_RPC_MAX_BATCH', 100, 1, 10_000),
      maxEventLoopDelayMs: integer(env, 'BINDERY_MAX_EVENT_LOOP_DELAY_MS', 1_000, 0, 600_000),
    },
    metricsPublic: bool(env, 'BINDERY_METRICS_PUBLIC', false),
    readOnly: readOnly(env),
    rateLimits: {
      perMinute: optionalInteger(env, 'BINDERY_RATE_LIMIT', 1, 1_000_000_000),
      writesPerMinute: optionalInteger(env, 'BINDERY_WRITE_RATE_LIMIT', 1, 1_000_000_000),
      redisUrl: url(env, 'BINDERY_REDIS_URL', ['redis:', 'rediss:']),
      redisPrefix: redisPrefix(env),
    },
  };
}

export function readOnly(env: Env): boolean {
  return bool(env, 'BINDERY_READ_ONLY', false);
}

function redisPrefix(env: Env): string | undefined {
  const raw = env.BINDERY_REDIS_PREFIX;
  if (raw === undefined || raw === '') return undefined;
  if (!/^[\w:.-]{1,100}$/.test(raw)) {
    throw new ConfigError(`BINDERY_REDIS_PREFIX must be 1-100 letters, digits or _ : . -, got "${raw}".`);
  }
  return raw;
}

export interface ClientSettings {
  url?: string | undefined;
  /** Sent as `Authorization: Bearer` when the backend requires it. */
  token?: string | undefined;
  timeoutS: number;
  cacheTtlS: number;
  /** TTL of lists, search and dashboard: how long another process's change can stay unseen there. */
  cacheListTtlS: number;
  breakerResetS: number;
  connections: number;
  /** BINDERY_ACTOR: who this process's writes are recorded for, instead of its MCP client's name. */
  actor?: string | undefined;
}

export function clientSettings(env: Env): ClientSettings {
  return {
    url: url(env, 'BINDERY_URL', ['http:', 'https:']),
    token: env.BINDERY_TOKEN || undefined,
    timeoutS: number(env, 'BINDERY_TIMEOUT', 30, 0.001),
    cacheTtlS: number(env, 'BINDERY_CACHE_TTL', 300, 0),
    cacheListTtlS: number(env, 'BINDERY_CACHE_LIST_TTL', 5, 0),
    breakerResetS: number(env, 'BINDERY_BREAKER_RESET_S', 60, 0.001),
    connections: integer(env, 'BINDERY_CLIENT_CONNECTIONS', 10, 1, 256),
    actor: actorSetting(env),
  };
}

function actorSetting(env: Env): string | undefined {
  const raw = env.BINDERY_ACTOR;
  if (raw === undefined || raw === '') return undefined;
  const parsed = Actor.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`BINDERY_ACTOR ${parsed.error.issues[0]?.message ?? 'is invalid'}.`);
  }
  return parsed.data;
}

export interface McpSettings {
  production: boolean;
  includeMetrics: boolean;
  autoLaunch: boolean;
  injectionPolicy: InjectionPolicy;
  /** Largest MCP message accepted (a stdio line, an HTTP body). */
  maxMessageBytes: number;
  /** BINDERY_MCP_METRICS_PORT: this process's own /metrics on 127.0.0.1; off when unset. */
  metricsPort?: number | undefined;
  /** BINDERY_TOOLS (default standard) and BINDERY_READ_ONLY. */
  tools: ToolSelection;
}

export function mcpSettings(env: Env): McpSettings {
  return {
    production: bool(env, 'MCP_PRODUCTION', false),
    includeMetrics: bool(env, 'MCP_INCLUDE_METRICS', false),
    autoLaunch: bool(env, 'MCP_AUTO_LAUNCH_BACKEND', true),
    injectionPolicy: injectionPolicy(env),
    maxMessageBytes: integer(env, 'MCP_MAX_MESSAGE_BYTES', DEFAULT_MAX_MESSAGE_BYTES, 1024, 1024 ** 3),
    metricsPort: optionalInteger(env, 'BINDERY_MCP_METRICS_PORT', 1, 65535),
    tools: { names: tools(env), readOnly: readOnly(env) },
  };
}

function tools(env: Env): string[] {
  const raw = env.BINDERY_TOOLS?.trim() || DEFAULT_TOOL_PROFILE;
  try {
    return toolNames(raw);
  } catch (error) {
    throw new ConfigError(`BINDERY_TOOLS ${(error as Error).message}, got "${env.BINDERY_TOOLS}".`);
  }
}

/**
 * Options from validated environment settings (`clientSettings(env)`); `url` is needed when BINDERY_URL is
 * unset, which is the backend manager's case.
 */
export function clientOptions(settings: ClientSettings, url?: string): ClientOptions {
  const target = settings.url ?? url;
  if (!target) throw new TypeError('BinderyClient needs a URL: set BINDERY_URL or pass the backend address.');
  return {
    url: target,
    token: settings.token,
    actor: settings.actor,
    connections: settings.connections,
    timeoutMs: settings.timeoutS * 1000,
    breaker: { resetMs: settings.breakerResetS * 1000 },
    cache: { ttlMs: settings.cacheTtlS * 1000, listTtlMs: settings.cacheListTtlS * 1000 },
  };
}

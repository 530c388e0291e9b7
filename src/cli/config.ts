import type { ClientOptions } from '../client/index.js';
import { INJECTION_POLICIES, type InjectionPolicy } from '../mcp/security/index.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../mcp/transport/stdio.js';
import { bool, ConfigError, type Env, integer, list, number, oneOf, url } from '../runtime/settings.js';

/**
 * The server's, client's and MCP process's settings from the environment (README's Configuration table);
 * the readers refuse a bad value with a ConfigError naming the variable.
 */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

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
  logLevel: (typeof LOG_LEVELS)[number];
  token?: string | undefined;
  allowedHosts: string[];
  allowedOrigins: string[];
  injectionPolicy: InjectionPolicy;
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
  if (!isLoopback(host) && !token) {
    throw new ConfigError(`BINDERY_TOKEN must be set to bind BINDERY_HOST=${host}, a non-loopback address.`);
  }
  return {
    host,
    port: integer(merged, 'BINDERY_PORT', 3000, 0, 65535),
    workspace: flags.workspace ?? (env.BINDERY_WORKSPACE || undefined),
    databaseUrl: url(env, 'BINDERY_DATABASE_URL', ['postgres:', 'postgresql:']),
    logLevel: logLevel(env),
    token,
    allowedHosts: list(env, 'BINDERY_ALLOWED_HOSTS'),
    allowedOrigins: list(env, 'BINDERY_ALLOWED_ORIGINS'),
    injectionPolicy: injectionPolicy(env),
  };
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
  };
}

export interface McpSettings {
  production: boolean;
  includeMetrics: boolean;
  autoLaunch: boolean;
  injectionPolicy: InjectionPolicy;
  /** Largest MCP message accepted (a stdio line, an HTTP body). */
  maxMessageBytes: number;
}

export function mcpSettings(env: Env): McpSettings {
  return {
    production: bool(env, 'MCP_PRODUCTION', false),
    includeMetrics: bool(env, 'MCP_INCLUDE_METRICS', false),
    autoLaunch: bool(env, 'MCP_AUTO_LAUNCH_BACKEND', true),
    injectionPolicy: injectionPolicy(env),
    maxMessageBytes: integer(env, 'MCP_MAX_MESSAGE_BYTES', DEFAULT_MAX_MESSAGE_BYTES, 1024, 1024 ** 3),
  };
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
    connections: settings.connections,
    timeoutMs: settings.timeoutS * 1000,
    breaker: { resetMs: settings.breakerResetS * 1000 },
    cache: { ttlMs: settings.cacheTtlS * 1000, listTtlMs: settings.cacheListTtlS * 1000 },
  };
}

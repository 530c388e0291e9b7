/**
 * `bindery mcp`: the stdio MCP server an AI client starts. stdout carries MCP messages only; every log line
 * goes to stderr. Backend: BINDERY_URL; else the workspace's backend, found or launched by the backend
 * manager (src/manager, docs/manager.md); with MCP_AUTO_LAUNCH_BACKEND=false,
 * http://127.0.0.1:${BINDERY_PORT:-3000}.
 */

import type { BinderyClient } from '../client/index.js';
import {
  BINDERY_VERSION,
  type BinderyApi,
  type Change,
  MAX_ACTOR,
  type TokenScope,
} from '../contract/index.js';
import {
  type Backend,
  type BackendConnection,
  ensureBackend,
  followBackend,
  type ManagerLog,
} from '../manager/index.js';
import type { HealthProbe } from '../mcp/health.js';
import type { McpServerOptions } from '../mcp/server.js';
import type { ChangeSource } from '../mcp/subscriptions.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import type { Env } from '../runtime/settings.js';
import { startTracing, stopTracing } from '../runtime/tracing.js';
import { detectWorkspace } from '../runtime/workspace.js';
import {
  type ClientSettings,
  clientOptions,
  clientSettings,
  logLevel,
  mcpSettings,
  serverConfig,
} from './config.js';

export const MCP_USAGE = `Usage: bindery mcp

Runs the Bindery MCP server on stdin/stdout, for an AI client (Claude Desktop, Claude Code, Cursor, ...).
Backend: BINDERY_URL; else the workspace's backend, which it finds or launches and shares with every other
"bindery mcp" of the workspace (MCP_AUTO_LAUNCH_BACKEND=false: http://127.0.0.1:$BINDERY_PORT, default 3000).
Workspace: BINDERY_WORKSPACE, else the nearest directory up holding .vespera/ or .git/. See "bindery status".
Settings: MCP_PRODUCTION, MCP_INCLUDE_METRICS, BINDERY_INJECTION_POLICY, MCP_MAX_MESSAGE_BYTES (default
16 MiB), BINDERY_TIMEOUT, BINDERY_CACHE_TTL, BINDERY_TOKEN, BINDERY_LOG_LEVEL, BINDERY_MCP_METRICS_PORT (serve this
process's /metrics on 127.0.0.1), BINDERY_TOOLS, BINDERY_READ_ONLY. Logs go to stderr.`;

/** Serves MCP on stdio until stdin closes or a signal arrives; resolves once everything is closed. */
export async function runMcp(env: Env): Promise<void> {
  const options = mcpSettings(env);
  const settings = clientSettings(env);
  const logger = createLogger(logLevel(env), 'bindery-mcp');
  await startTracing('bindery-mcp', logger, env);
  const actor = new ActorName(settings.actor);
  const changes = new ChangeRelay();
  // The backend is found (or its launch started) before the MCP server's own modules load, and they load
  // while it starts: a cold start waits for the slower of the two instead of for both (BENCHMARKS.md,
  // "Start-up").
  const [
    backend,
    { BinderyClient, LeaseKeeper, SecurityCounters, createMcpServer, LineTransport, serveStdio, readOnlyApi },
  ] = await Promise.all([
    options.autoLaunch && !settings.url ? findBackend(env, logger) : undefined,
    loadServing(),
  ]);
  const client = connectBackend(env, settings, backend, (url) =>
    changes.follow(actor.follow(new BinderyClient(clientOptions(settings, url)))),
  );
  const metricsServer =
    options.metricsPort === undefined
      ? undefined
      : // Loaded only when asked for, so a plain `bindery mcp` starts without prom-client.
        await (await import('../mcp/metrics-endpoint.js')).serveClientMetrics(
          options.metricsPort,
          () => client.stats(),
          logger,
        );
  const probe: HealthProbe = {
    transport: 'stdio',
    get backendUrl() {
      return client.url;
    },
    backendHealth: () => client.health(),
    clientStats: () => client.stats(),
  };
  // Executions this process starts keep their lease while it lives (docs/coordination.md).
  const leases = new LeaseKeeper(client.api, logger);
  const api = leases.wrap(options.tools.readOnly ? readOnlyApi(client.api) : client.api);
  // With a read token, list only the read tools (a write tool called anyway is refused by the server).
  const readScope = settings.token !== undefined && (await tokenScope(client.api, logger)) === 'read';
  const serverOptions: McpServerOptions = {
    logger,
    probe,
    security: { policy: options.injectionPolicy, counters: new SecurityCounters() },
    production: options.production,
    includeMetrics: options.includeMetrics,
    startedAt: Date.now(),
    tools: { ...options.tools, readOnly: options.tools.readOnly || readScope },
    onClientName: (name) => actor.fromClient(name),
    changes,
  };
  const transport = new LineTransport({
    input: process.stdin,
    output: process.stdout,
    maxMessageBytes: options.maxMessageBytes,
    logger,
  });
  // The opening message decides the connection's era (2025-11-25 initialize or 2026-07-28 requests).
  const served = serveStdio(() => createMcpServer(api, serverOptions), {
    transport,
    onerror: (error) => logger.warn({ err: error }, 'stdio transport error'),
  });
  logger.info(
    { version: BINDERY_VERSION, backend: client.url, policy: options.injectionPolicy },
    'bindery mcp ready on stdio',
  );
  client.health().catch((error: unknown) => {
    logger.warn({ backend: client.url, err: error }, 'backend not reachable; start it with "bindery serve"');
  });

  const stop = () => void served.close();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Node ends the process on an unhandled rejection; no input may do that, so it is logged instead.
  process.on('unhandledRejection', (error) => logger.error({ err: error }, 'unhandled rejection'));
  await transport.done;
  leases.close();
  metricsServer?.close();
  await client.close();
  await stopTracing();
  logger.info('stdin closed; bindery mcp exits');
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
}

/**
 * Who this process's writes are recorded for: BINDERY_ACTOR when set, else the name the MCP client gives in
 * `initialize` (control characters dropped, cut to 100 characters), sent by every client this process makes.
 */
class ActorName {
  private client: BinderyClient | undefined;
  private name: string | undefined;

  constructor(private readonly configured: string | undefined) {
    this.name = configured;
  }

  follow(client: BinderyClient): BinderyClient {
    this.client = client;
    if (this.name) client.setActor(this.name);
    return client;
  }

  fromClient(clientName: string | undefined): void {
    if (this.configured || !clientName) return;
    const name = clientName
      .replace(/[\u0000-\u001f\u007f]/g, '')
      .slice(0, MAX_ACTOR)
      .trim();
    if (!name) return;
    this.name = name;
    this.client?.setActor(name);
  }
}

/**
 * The change feed of this process's backend client, for resource subscribers. The feed reconnects with
 * Last-Event-ID by itself; when the manager replaces the client (a relaunched backend), subscribers are told
 * that anything may have changed, since the new feed starts from now.
 */
class ChangeRelay implements ChangeSource {
  private client: BinderyClient | undefined;
  private detach: (() => void) | undefined;
  private readonly listeners = new Set<(change: Change | null) => void>();

  follow(client: BinderyClient): BinderyClient {
    const replaced = this.client !== undefined;
    this.detach?.();
    this.detach = undefined;
    this.client = client;
    if (this.listeners.size > 0) this.attach();
    if (replaced) this.emit(null);
    return client;
  }

  onChange(listener: (change: Change | null) => void): () => void {
    this.listeners.add(listener);
    if (!this.detach) this.attach();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.detach?.();
        this.detach = undefined;
      }
    };
  }

  private attach(): void {
    this.detach = this.client?.onChange((change) => this.emit(change));
  }

  private emit(change: Change | null): void {
    for (const listener of this.listeners) listener(change);
  }
}

/** The modules that serve MCP on stdio and reach the backend, the bulk of this process's start-up. */
async function loadServing() {
  const [client, leases, security, server, transport, sdk, readOnly] = await Promise.all([
    import('../client/index.js'),
    import('../mcp/leases.js'),
    import('../mcp/security/index.js'),
    import('../mcp/server.js'),
    import('../mcp/transport/stdio.js'),
    import('@modelcontextprotocol/server/stdio'),
    import('../service/read-only.js'),
  ]);
  return {
    BinderyClient: client.BinderyClient,
    LeaseKeeper: leases.LeaseKeeper,
    SecurityCounters: security.SecurityCounters,
    createMcpServer: server.createMcpServer,
    LineTransport: transport.LineTransport,
    serveStdio: sdk.serveStdio,
    readOnlyApi: readOnly.readOnlyApi,
  };
}

/**
 * The manager's backend for the workspace: found or launched, then supervised and leased until released.
 * A manager failure (port taken, backend that cannot start) stops start-up with its message.
 */
function findBackend(env: Env, log: ManagerLog): Promise<Backend> {
  const workspace = detectWorkspace(process.cwd(), env.BINDERY_WORKSPACE || undefined);
  return ensureBackend({ workspace, env, log });
}

/**
 * BINDERY_URL as given; else the manager's `backend` (with a fresh client after each restart); else the fixed
 * address http://127.0.0.1:${BINDERY_PORT:-3000}.
 */
function connectBackend(
  env: Env,
  settings: ClientSettings,
  backend: Backend | undefined,
  makeClient: (url: string) => BinderyClient,
): BackendConnection {
  if (backend) return followBackend(backend, makeClient);
  // The fixed address; serverConfig parses BINDERY_PORT so a bad value is refused by name.
  const url = settings.url ?? `http://127.0.0.1:${serverConfig({ BINDERY_PORT: env.BINDERY_PORT }).port}`;
  const client = makeClient(url);
  return {
    api: client,
    url,
    health: () => client.health(),
    stats: () => client.stats(),
    close: () => client.close(),
  };
}

/** The scope of the token this process sends; undefined when the backend does not say (not reachable yet). */
async function tokenScope(api: BinderyApi, logger: Logger): Promise<TokenScope | undefined> {
  try {
    return (await api.get_access({})).scope;
  } catch (error) {
    logger.warn({ err: error }, 'could not read the token scope; listing every tool');
    return undefined;
  }
}

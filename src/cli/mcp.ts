/**
 * `bindery mcp`: the stdio MCP server an AI client starts. stdout carries MCP messages only; every log line
 * goes to stderr. Backend: BINDERY_URL; else the workspace's backend, found or launched by the backend
 * manager (src/manager, docs/manager.md); with MCP_AUTO_LAUNCH_BACKEND=false,
 * http://127.0.0.1:${BINDERY_PORT:-3000}.
 */

import { BinderyClient } from '../client/index.js';
import { BINDERY_VERSION, MAX_ACTOR } from '../contract/index.js';
import { type BackendConnection, ensureBackend, followBackend, type ManagerLog } from '../manager/index.js';
import type { HealthProbe } from '../mcp/health.js';
import { LeaseKeeper } from '../mcp/leases.js';
import { SecurityCounters } from '../mcp/security/index.js';
import { createMcpServer } from '../mcp/server.js';
import { LineTransport } from '../mcp/transport/stdio.js';
import { createLogger } from '../runtime/logger.js';
import type { Env } from '../runtime/settings.js';
import { detectWorkspace } from '../runtime/workspace.js';
import { readOnlyApi } from '../service/read-only.js';
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
  const actor = new ActorName(settings.actor);
  const client = await connectBackend(env, settings, options.autoLaunch, logger, actor);
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
  const server = createMcpServer(api, {
    logger,
    probe,
    security: { policy: options.injectionPolicy, counters: new SecurityCounters() },
    production: options.production,
    includeMetrics: options.includeMetrics,
    startedAt: Date.now(),
    tools: options.tools,
  });
  const transport = new LineTransport({
    input: process.stdin,
    output: process.stdout,
    maxMessageBytes: options.maxMessageBytes,
    logger,
  });
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = resolve;
  });
  transport.onerror = (error) => logger.warn({ err: error }, 'stdio transport error');
  server.server.oninitialized = () => actor.fromClient(server.server.getClientVersion()?.name);
  await server.connect(transport);
  logger.info(
    { version: BINDERY_VERSION, backend: client.url, policy: options.injectionPolicy },
    'bindery mcp ready on stdio',
  );
  client.health().catch((error: unknown) => {
    logger.warn({ backend: client.url, err: error }, 'backend not reachable; start it with "bindery serve"');
  });

  const stop = () => void server.close();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Node ends the process on an unhandled rejection; no input may do that, so it is logged instead.
  process.on('unhandledRejection', (error) => logger.error({ err: error }, 'unhandled rejection'));
  await closed;
  leases.close();
  metricsServer?.close();
  await client.close();
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
 * BINDERY_URL as given; else the manager's backend for the workspace (found or launched, then supervised and
 * leased until `close()`); else the fixed address http://127.0.0.1:${BINDERY_PORT:-3000}. A manager failure
 * (port taken, backend that cannot start) stops start-up with its message.
 */
async function connectBackend(
  env: Env,
  settings: ClientSettings,
  autoLaunch: boolean,
  log: ManagerLog,
  actor: ActorName,
): Promise<BackendConnection> {
  const makeClient = (url: string) => actor.follow(new BinderyClient(clientOptions(settings, url)));
  if (!settings.url && autoLaunch) {
    const workspace = detectWorkspace(process.cwd(), env.BINDERY_WORKSPACE || undefined);
    return followBackend(await ensureBackend({ workspace, env, log }), makeClient);
  }
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

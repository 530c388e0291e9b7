import type { FastifyInstance } from 'fastify';
import { BINDERY_VERSION } from '../contract/index.js';
import { managerSettings, publishUntilClosed, runManaged } from '../manager/index.js';
import { SecurityCounters } from '../mcp/security/index.js';
import { mcpHttpEndpoint } from '../mcp/transport/http.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import { dataDir, detectWorkspace } from '../runtime/workspace.js';
import { buildServer } from '../server/app.js';
import { RoleRegistry } from '../service/roles.js';
import { createService } from '../service/service.js';
import { openStore } from '../store/index.js';
import { type McpSettings, mcpSettings, type ServerConfig } from './config.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  workspace: string;
  logger: Logger;
}

export interface StartOptions {
  /** Launched by the backend manager: stop once no MCP process holds a lease (see src/manager). */
  managed?: boolean;
  /** Settings of the MCP endpoint at /mcp; defaults when not given. */
  mcp?: McpSettings;
}

/**
 * Wires store → service → HTTP server for a workspace, starts listening and announces itself in
 * `<workspace>/.vespera/server.json` until it closes.
 */
export async function startServer(
  config: ServerConfig,
  cwd: string,
  options: StartOptions = {},
): Promise<RunningServer> {
  // Read before any work, so a bad BINDERY_IDLE_GRACE_S is a start-up error like every other setting.
  const idleGraceMs = options.managed ? managerSettings(process.env).idleGraceMs : undefined;
  const logger = createLogger(config.logLevel);
  const workspace = detectWorkspace(cwd, config.workspace);
  const roles = RoleRegistry.forWorkspace(dataDir(workspace));
  const store = await openStore({ workspace, databaseUrl: config.databaseUrl });
  const api = createService({ store, roles, version: BINDERY_VERSION, workspace });
  const mcp = options.mcp ?? mcpSettings({});
  const app = await buildServer({
    api,
    store,
    logger,
    safety: {
      host: config.host,
      allowedHosts: config.allowedHosts,
      allowedOrigins: config.allowedOrigins,
      token: config.token,
    },
    plugins: [
      mcpHttpEndpoint({
        api,
        maxBodyBytes: mcp.maxMessageBytes,
        server: {
          logger,
          security: { policy: config.injectionPolicy, counters: new SecurityCounters() },
          production: mcp.production,
          includeMetrics: mcp.includeMetrics,
          startedAt: Date.now(),
        },
      }),
    ],
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `Port ${config.port} on ${config.host} is already in use; choose another with BINDERY_PORT or --port.`,
      );
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  publishUntilClosed(app.server, {
    pid: process.pid,
    port,
    url,
    version: BINDERY_VERSION,
    workspace,
    started_at: new Date().toISOString(),
    managed: idleGraceMs !== undefined,
  });
  logger.info({ url, workspace, store: store.kind }, 'bindery server listening');
  if (idleGraceMs !== undefined) runManaged(workspace, idleGraceMs, (message) => logger.info(message));
  return { app, url, workspace, logger };
}

/** SIGTERM/SIGINT: stop accepting, finish in-flight requests, close the database, exit 0. */
export function closeOnSignals(server: RunningServer): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    server.app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

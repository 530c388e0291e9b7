import type { FastifyInstance } from 'fastify';
import { BINDERY_VERSION } from '../contract/index.js';
import { buildServer } from '../server/app.js';
import { createLogger, type Logger } from '../server/logger.js';
import { RoleRegistry } from '../service/roles.js';
import { createService } from '../service/service.js';
import { dataDir, detectWorkspace, openStore } from '../store/index.js';
import type { ServerConfig } from './config.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  workspace: string;
  logger: Logger;
}

/** Wires store → service → HTTP server for a workspace and starts listening. */
export async function startServer(config: ServerConfig, cwd: string): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  const workspace = detectWorkspace(cwd, config.workspace);
  const roles = RoleRegistry.forWorkspace(dataDir(workspace));
  const store = await openStore({ workspace, databaseUrl: config.databaseUrl });
  const api = createService({ store, roles, version: BINDERY_VERSION });
  const app = await buildServer({
    api,
    store,
    logger,
    version: BINDERY_VERSION,
    workspace,
    safety: {
      host: config.host,
      allowedHosts: config.allowedHosts,
      allowedOrigins: config.allowedOrigins,
      token: config.token,
    },
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
  logger.info({ url, workspace, store: store.kind }, 'bindery server listening');
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

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { BINDERY_VERSION, isLoopbackHost } from '../contract/index.js';
import {
  discover,
  managerSettings,
  proof,
  publishUntilClosed,
  runManaged,
  workspaceSecret,
} from '../manager/index.js';
import { SecurityCounters } from '../mcp/security/index.js';
import { mcpHttpEndpoint } from '../mcp/transport/http.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import { startTracing, stopTracing, traceCalls } from '../runtime/tracing.js';
import { dataDir, detectWorkspace, sqlitePath } from '../runtime/workspace.js';
import { buildServer } from '../server/app.js';
import { ChangeHub, wakeAfterWrites } from '../server/change-hub.js';
import { ServerMetrics } from '../server/metrics.js';
import { TokenRegistry } from '../server/tokens.js';
import { accessApi } from '../service/access.js';
import { readOnlyApi } from '../service/read-only.js';
import { RoleRegistry } from '../service/roles.js';
import { createService } from '../service/service.js';
import { openStore } from '../store/index.js';
import { ensurePrivateDir } from '../store/private-files.js';
import { type McpSettings, mcpSettings, type ServerConfig } from './config.js';

/** Our package name, from <root>/package.json (this code is in <root>/dist/bin/ (the bundle), dist/cli/ or src/cli/). */
const PACKAGE_NAME = readPackageName(resolve(import.meta.dirname, '../..'));

function readPackageName(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/** `npm start` in a clone of Bindery makes the clone the workspace: its data lands in the source tree. */
function isBinderyClone(workspace: string): boolean {
  return PACKAGE_NAME !== undefined && readPackageName(workspace) === PACKAGE_NAME;
}

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
  await startTracing('bindery-server', logger);
  const workspace = detectWorkspace(cwd, config.workspace);
  const roles = RoleRegistry.forWorkspace(dataDir(workspace));
  const metrics = new ServerMetrics();
  const store = metrics.instrumentStore(
    traceCalls(
      await openStore({ workspace, databaseUrl: config.databaseUrl, sqliteMemory: config.sqliteMemory }),
      'store',
    ),
  );
  const hub = new ChangeHub(store, {
    onError: (error) => logger.error({ err: error }, 'reading the change log failed'),
    onRead: (changes) => metrics.observeFeed(changes),
  });
  const tokens = new TokenRegistry(store, (error) =>
    logger.warn({ err: error }, 'recording a token use failed'),
  );
  await refuseExposedWithoutCredential(config, tokens, () => store.close());
  const degradations: (() => string | null)[] = [];
  const service = createService({
    store,
    roles,
    version: BINDERY_VERSION,
    workspace,
    rootCredential: config.token !== undefined,
    onTokensChanged: () => tokens.invalidate(),
    degradations: () => degradations.map((check) => check()).filter((reason) => reason !== null),
  });
  const api = traceCalls(
    wakeAfterWrites(accessApi(config.readOnly ? readOnlyApi(service) : service, store), hub),
    'operation',
  );
  const mcp = options.mcp ?? mcpSettings({});
  ensurePrivateDir(dataDir(workspace));
  const secret = workspaceSecret(workspace);
  const app = await buildServer({
    api,
    store,
    logger,
    hub,
    retention: config.changeRetention,
    eventStream: config.eventStream,
    limits: config.limits,
    prove: (challenge, port) => proof(secret, { challenge, pid: process.pid, port, workspace }),
    safety: {
      host: config.host,
      allowedHosts: config.allowedHosts,
      allowedOrigins: config.allowedOrigins,
      token: config.token,
      tokens,
      publicPaths: config.metricsPublic ? ['/metrics'] : [],
    },
    metrics,
    rateLimits: config.rateLimits,
    degradations,
    plugins: [
      mcpHttpEndpoint({
        api,
        hub,
        maxBodyBytes: mcp.maxMessageBytes,
        server: {
          logger,
          security: { policy: config.injectionPolicy, counters: new SecurityCounters() },
          production: mcp.production,
          includeMetrics: mcp.includeMetrics,
          startedAt: Date.now(),
          tools: { names: mcp.tools.names, readOnly: config.readOnly },
        },
      }),
    ],
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw await portInUse(config, workspace);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${publishedHost(config.host)}:${port}`;
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
  if (store.kind === 'sqlite' && isBinderyClone(workspace)) {
    logger.warn(
      { data: sqlitePath(workspace) },
      `This is Bindery's own source tree, so its data goes to ${sqlitePath(workspace)}; ` +
        'to serve a project, run it there or set BINDERY_WORKSPACE (or --workspace).',
    );
  }
  if (idleGraceMs !== undefined) runManaged(workspace, idleGraceMs, (message) => logger.info(message));
  return { app, url, workspace, logger };
}

/**
 * A non-loopback bind is reachable by anyone who can route to it: it starts only with a credential that can
 * manage access, BINDERY_TOKEN or a named admin token that has not expired.
 */
async function refuseExposedWithoutCredential(
  config: ServerConfig,
  tokens: TokenRegistry,
  close: () => Promise<void>,
): Promise<void> {
  if (isLoopbackHost(config.host) || config.token !== undefined || (await tokens.liveAdmin())) return;
  await close();
  throw new Error(
    `BINDERY_TOKEN must be set (or a named admin token exist: bindery token create NAME --scope admin) to bind BINDERY_HOST=${config.host}, a non-loopback address.`,
  );
}

/** The port is taken: by this workspace's own Bindery (say so, it is the usual case) or by something else. */
async function portInUse(config: ServerConfig, workspace: string): Promise<Error> {
  const found = await discover(workspace, false);
  if (found.state !== 'absent') {
    const { url, pid } = found.info;
    return new Error(
      `This workspace's Bindery already runs at ${url}, pid ${pid}; use it, or stop it (kill ${pid}) first.`,
    );
  }
  return new Error(
    `Port ${config.port} on ${config.host} is already in use; choose another with BINDERY_PORT or --port.`,
  );
}

/**
 * The host clients of this machine use: a wildcard bind is reached on loopback (discovery only trusts a
 * loopback URL); any other address as it is.
 */
function publishedHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** SIGTERM/SIGINT: stop accepting, finish in-flight requests, close the database, exit 0. */
export function closeOnSignals(server: RunningServer): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    server.app
      .close()
      .then(stopTracing)
      .then(
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

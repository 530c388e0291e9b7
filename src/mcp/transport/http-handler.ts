/**
 * The per-request half of MCP at POST /mcp (http.ts registers the route): the SDK's handler for 2026-07-28
 * requests, a fresh McpServer per 2025-11-25 request, and the change bus of listen streams. Loaded on the
 * first request, so a server that never serves MCP over HTTP — every one an MCP process launched — starts
 * without the MCP SDK and its HTTP adapter.
 */
import { NodeStreamableHTTPServerTransport, toNodeHandler } from '@modelcontextprotocol/node';
import {
  classifyInboundRequest,
  createMcpHandler,
  InMemoryServerEventBus,
  type JSONRPCMessage,
  type ServerEvent,
} from '@modelcontextprotocol/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type BinderyApi, RPC_INTERNAL_ERROR } from '../../contract/index.js';
import type { Logger } from '../../runtime/logger.js';
import { requestCaller } from '../../server/actor.js';
import type { ChangeHub, Subscription } from '../../server/change-hub.js';
import { currentAccess, runAsCaller } from '../../store/actor.js';
import type { HealthProbe } from '../health.js';
import { createMcpServer, type McpServerOptions } from '../server.js';
import { urisOf } from '../subscriptions.js';
import { TOOLS } from '../tools/index.js';
import { readMessage } from './jsonrpc.js';
import { errorReply } from './reply.js';

export interface McpEndpointOptions {
  api: BinderyApi;
  /** The server's change hub: updates for 2026-07-28 subscriptions/listen streams. */
  hub?: ChangeHub;
  server: Omit<McpServerOptions, 'probe'>;
  /** Largest request body, as for a stdio message. */
  maxBodyBytes: number;
}

/** The backend is this process: its health is the service's own get_health. */
function inProcessProbe(api: BinderyApi): HealthProbe {
  return {
    transport: 'streamable-http',
    backendUrl: null,
    backendHealth: () => api.get_health({}),
    clientStats: () => null,
  };
}

export interface McpHttpHandler {
  handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
  close(): Promise<void>;
}

export function createHttpHandler(options: McpEndpointOptions): McpHttpHandler {
  const serverOptions: McpServerOptions = { ...options.server, probe: inProcessProbe(options.api) };
  const logger = options.server.logger;
  const bus = options.hub ? new ChangeBus(options.hub, logger) : undefined;
  const readScope: McpServerOptions = {
    ...serverOptions,
    tools: { names: serverOptions.tools?.names ?? TOOLS.map((tool) => tool.name), readOnly: true },
  };
  // A read token lists only the read tools; a write tool called anyway is refused by the API's scope check.
  // Servers are made inside the request's caller context (runAsCaller below), where its access is known.
  const serverForCaller = () =>
    createMcpServer(options.api, currentAccess()?.scope === 'read' ? readScope : serverOptions);
  const handler = createMcpHandler(serverForCaller, {
    ...(bus ? { bus } : {}),
    onerror: (error) => logger.debug({ err: error }, 'mcp request refused'),
  });
  const serve = toNodeHandler(handler, {
    onerror: (error) => logger.error({ err: error }, 'mcp request failed'),
  });

  /** One 2025-11-25 request: a fresh server and transport, answered with plain JSON. */
  async function serveLegacy(request: FastifyRequest, reply: FastifyReply, message: JSONRPCMessage) {
    const server = serverForCaller();
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    reply.raw.on('close', () => {
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request.raw, reply.raw, message);
  }

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    // Parsed here rather than by a content-type parser, so bad JSON is a JSON-RPC error, not a REST one.
    const inbound = readMessage((request.body as string | undefined) ?? '');
    if ('reply' in inbound) return reply.code(400).send(inbound.reply);
    reply.hijack();
    try {
      const route = classifyInboundRequest({
        httpMethod: 'POST',
        protocolVersionHeader: header(request, 'mcp-protocol-version'),
        mcpMethodHeader: header(request, 'mcp-method'),
        mcpNameHeader: header(request, 'mcp-name'),
        body: inbound.message,
      });
      // The MCP client's writes are recorded under the actor its request declares.
      await runAsCaller(requestCaller(request), () =>
        route.kind === 'legacy'
          ? serveLegacy(request, reply, inbound.message)
          : serve(request.raw, reply.raw, inbound.message),
      );
    } catch (error) {
      logger.error({ err: error }, 'mcp request failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': 'application/json' });
        reply.raw.end(JSON.stringify(errorReply(null, RPC_INTERNAL_ERROR, 'Internal error')));
      }
    }
  }

  return {
    handle,
    close: async () => {
      bus?.stop();
      await handler.close();
    },
  };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The handler's event bus, fed from the hub while at least one listen stream is open: every committed
 * change becomes resource updates, and each stream passes on the ones its filter names. With no stream
 * open the hub is not read for MCP at all.
 */
class ChangeBus extends InMemoryServerEventBus {
  private streams = 0;
  private subscription: Subscription | undefined;

  constructor(
    private readonly hub: ChangeHub,
    private readonly logger: Logger,
  ) {
    super((error) => logger.warn({ err: error }, 'mcp listen stream failed'));
  }

  override subscribe(listener: (event: ServerEvent) => void): () => void {
    const unsubscribe = super.subscribe(listener);
    if (++this.streams === 1) void this.follow();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      unsubscribe();
      if (--this.streams === 0) this.stop();
    };
  }

  stop(): void {
    this.subscription?.close();
    this.subscription = undefined;
  }

  private async follow(): Promise<void> {
    const subscription = await this.hub.subscribe({ filter: {} });
    if (this.streams === 0 || this.subscription) return subscription.close();
    this.subscription = subscription;
    try {
      for await (const event of subscription) {
        if (event.type !== 'change') continue;
        for (const uri of urisOf(event.change)) this.publish({ kind: 'resource_updated', uri });
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'mcp change relay stopped');
    }
  }
}

/**
 * MCP Streamable HTTP at POST /mcp on the Bindery server, over the in-process service. Mounted through
 * buildServer's `plugins`, so the Host/Origin/token checks (root onRequest hooks) run first.
 *
 * Both protocol eras, decided per request by the SDK's own classification: a 2026-07-28 request carries its
 * protocol version in its `_meta` envelope and goes to the SDK's createMcpHandler (stateless by design;
 * subscriptions/listen answers an event stream); a 2025-11-25 client's initialize and later requests are
 * each answered by a fresh McpServer with plain JSON (the SDK's own stateless 2025 leg would answer an event
 * stream), statelessly as before. Tools keep no per-client state, so 2025 sessions would add bookkeeping (and a memory bound)
 * without adding a feature; GET (a 2025 server-to-client event stream) and DELETE (end a session) therefore
 * answer 405.
 */
import { NodeStreamableHTTPServerTransport, toNodeHandler } from '@modelcontextprotocol/node';
import {
  classifyInboundRequest,
  createMcpHandler,
  InMemoryServerEventBus,
  type JSONRPCMessage,
  type ServerEvent,
} from '@modelcontextprotocol/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type BinderyApi, RPC_INTERNAL_ERROR, RPC_SERVER_ERROR } from '../../contract/index.js';
import type { Logger } from '../../runtime/logger.js';
import { requestCaller } from '../../server/actor.js';
import type { ChangeHub, Subscription } from '../../server/change-hub.js';
import { rpcErrorCode, toBinderyError } from '../../server/errors.js';
import { currentAccess, runAsCaller } from '../../store/actor.js';
import type { HealthProbe } from '../health.js';
import { createMcpServer, type McpServerOptions } from '../server.js';
import { urisOf } from '../subscriptions.js';
import { TOOLS } from '../tools/index.js';
import { errorReply, readMessage } from './jsonrpc.js';

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

export function mcpHttpEndpoint(options: McpEndpointOptions): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
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
    app.addHook('onClose', async () => {
      bus?.stop();
      await handler.close();
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

    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
        done(null, body);
      });
      // Refusals before the handler (Host/Origin/token, body size, media type) answer as JSON-RPC too.
      scope.setErrorHandler((thrown, _request, reply) => {
        const error = toBinderyError(thrown);
        if (error.code === 'internal_error') logger.error({ err: thrown }, 'mcp request failed');
        const message = error.code === 'internal_error' ? 'Internal error' : error.message;
        const data = { code: error.code, details: error.details };
        return reply.code(error.httpStatus).send(errorReply(null, rpcErrorCode(error.code), message, data));
      });
      scope.post('/mcp', { bodyLimit: options.maxBodyBytes }, handle);
      scope.route({
        method: ['GET', 'DELETE'],
        url: '/mcp',
        handler: (_request, reply) =>
          reply
            .code(405)
            .header('allow', 'POST')
            .send(
              errorReply(
                null,
                RPC_SERVER_ERROR,
                'Method not allowed: this endpoint is stateless; POST JSON-RPC messages.',
              ),
            ),
      });
    });
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

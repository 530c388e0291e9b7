/**
 * MCP Streamable HTTP at POST /mcp on the Bindery server, over the in-process service. Mounted through
 * buildServer's `plugins`, so the Host/Origin/token checks (root onRequest hooks) run first.
 *
 * Stateless: each POST gets a fresh McpServer and transport and is answered with plain JSON. Tools keep no
 * per-client state, so sessions would add bookkeeping (and a memory bound) without adding a feature;
 * GET (a server-to-client event stream) and DELETE (end a session) therefore answer 405.
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type BinderyApi, RPC_INTERNAL_ERROR, RPC_SERVER_ERROR } from '../../contract/index.js';
import { requestCaller } from '../../server/actor.js';
import { rpcErrorCode, toBinderyError } from '../../server/errors.js';
import { runAsCaller } from '../../store/actor.js';
import type { HealthProbe } from '../health.js';
import { createMcpServer, type McpServerOptions } from '../server.js';
import { TOOLS } from '../tools/index.js';
import { errorReply, readMessage } from './jsonrpc.js';

export interface McpEndpointOptions {
  api: BinderyApi;
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
    const readScope: McpServerOptions = {
      ...serverOptions,
      tools: { names: serverOptions.tools?.names ?? TOOLS.map((tool) => tool.name), readOnly: true },
    };

    async function handle(request: FastifyRequest, reply: FastifyReply) {
      // Parsed here rather than by a content-type parser, so bad JSON is a JSON-RPC error, not a REST one.
      const inbound = readMessage((request.body as string | undefined) ?? '');
      if ('reply' in inbound) return reply.code(400).send(inbound.reply);
      // A read token lists only the read tools; a write tool called anyway is refused by the API's scope check.
      const server = createMcpServer(
        options.api,
        request.access?.scope === 'read' ? readScope : serverOptions,
      );
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      reply.hijack();
      reply.raw.on('close', () => {
        void server.close();
      });
      try {
        await server.connect(transport);
        // The MCP client's writes are recorded under the actor its request declares.
        await runAsCaller(requestCaller(request), () =>
          transport.handleRequest(request.raw, reply.raw, inbound.message),
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

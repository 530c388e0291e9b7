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
 *
 * The route is registered here; what answers it (http-handler.ts: the MCP SDK, its HTTP adapter, the tools)
 * loads on the first POST, not with the server (BENCHMARKS.md, "Start-up").
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RPC_SERVER_ERROR } from '../../contract/index.js';
import { rpcErrorCode, toBinderyError } from '../../server/errors.js';
import type { McpEndpointOptions, McpHttpHandler } from './http-handler.js';
import { errorReply } from './reply.js';

export function mcpHttpEndpoint(options: McpEndpointOptions): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    const logger = options.server.logger;
    let loading: Promise<McpHttpHandler> | undefined;
    const handler = () => {
      loading ??= import('./http-handler.js').then(({ createHttpHandler }) => createHttpHandler(options));
      return loading;
    };
    const handle = async (request: FastifyRequest, reply: FastifyReply) =>
      (await handler()).handle(request, reply);
    app.addHook('onClose', async () => {
      // A handler that failed to load has nothing to close (its requests were answered 500).
      await loading?.then(
        (loaded) => loaded.close(),
        () => {},
      );
    });

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

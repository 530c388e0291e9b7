import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type ServerSpan, startServerSpan, tracingActive } from '../runtime/tracing.js';

/**
 * One server span per request, continuing the caller's trace from its `traceparent` header; the operation
 * and store spans nest under it. Nothing is registered while tracing is off.
 */
export function registerTracing(app: FastifyInstance): void {
  if (!tracingActive()) return;
  const spans = new WeakMap<FastifyRequest, ServerSpan>();
  app.addHook('onRequest', (request, _reply, done) => {
    const span = startServerSpan(
      request.headers,
      `${request.method} ${request.routeOptions.url ?? 'unknown route'}`,
      {
        'http.request.method': request.method,
        'http.route': request.routeOptions.url ?? '',
      },
    );
    if (span) spans.set(request, span);
    done();
  });
  // Body parsing runs outside the request's async context: the handler is entered in the span again.
  app.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (span) span.enter(done);
    else done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    spans.get(request)?.end({ 'http.response.status_code': reply.statusCode });
    done();
  });
}

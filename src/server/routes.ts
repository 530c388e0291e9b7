import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type BinderyApi,
  BinderyError,
  OPERATION_NAMES,
  type OperationName,
  operations,
} from '../contract/index.js';
import type { IdempotencyGate } from './idempotency.js';
import { checkedInput } from './json-body.js';

type Call = (input: unknown) => Promise<unknown>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The operation a REST route serves (metrics and limits read it). */
    operation?: OperationName;
  }
}

/** `If-Match: "3"` (or W/"3", or 3) → 3. */
function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match)
    throw BinderyError.validation([{ field: 'If-Match', reason: 'must be a version number like "3"' }]);
  return Number(match[1]);
}

/**
 * The operation's input from the request: path parameters, plus the JSON body (POST/PUT/PATCH) or the
 * query string (GET/DELETE). A body field that repeats a path parameter is refused, not overridden.
 */
function inputOf(request: FastifyRequest, acceptsVersion: boolean): Record<string, unknown> {
  const params = request.params as Record<string, string>;
  const hasBody = request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH';
  // Fastify's query object has a custom null-like prototype; a spread makes it a plain object.
  const source = hasBody ? (request.body ?? {}) : { ...(request.query as object) };
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    throw BinderyError.validation([{ field: '(body)', reason: 'must be a JSON object' }]);
  }
  const input = { ...(checkedInput(source) as Record<string, unknown>) };
  for (const [name, value] of Object.entries(params)) {
    if (name in input)
      throw BinderyError.validation([
        { field: name, reason: 'is given by the path; leave it out of the body' },
      ]);
    input[name] = value;
  }
  const version = acceptsVersion
    ? versionFromIfMatch(request.headers['if-match'] as string | undefined)
    : undefined;
  if (version !== undefined && input.expected_version === undefined) input.expected_version = version;
  return input;
}

/** One REST route per operation, derived from the operation table. */
export function registerOperationRoutes(
  app: FastifyInstance,
  api: BinderyApi,
  idempotency: IdempotencyGate,
): void {
  for (const name of OPERATION_NAMES) {
    const { http, input } = operations[name];
    const call = api[name] as Call;
    const acceptsVersion = 'shape' in input && 'expected_version' in (input.shape as object);
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const args = inputOf(request, acceptsVersion);
      const status = http.status ?? 200;
      if (request.method === 'GET') {
        reply.code(status);
        return call(args);
      }
      return idempotency.run(request, reply, status, () => call(args));
    };
    app.route({
      method: [http.method, ...(http.alsoMethods ?? [])],
      url: http.path,
      handler,
      ...(http.bodyLimit ? { bodyLimit: http.bodyLimit } : {}),
      config: { operation: name satisfies OperationName },
    });
  }
}

import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import {
  type BinderyApi,
  type HttpMethod,
  hasBody,
  inputFromRequest,
  isJsonObject,
  OPERATION_NAMES,
  type OperationName,
  operations,
  routePaths,
  takesVersion,
} from '../contract/index.js';
import { runAsCaller } from '../store/actor.js';
import { requestCaller } from './actor.js';
import type { IdempotencyGate } from './idempotency.js';
import { checkedInput } from './json-body.js';
import { zodSerializerCompiler } from './serialize.js';

type Call = (input: unknown) => Promise<unknown>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The operation a REST route serves (metrics and limits read it). */
    operation?: OperationName;
  }
}

/**
 * An entity's answer carries `ETag: "<version>"`; a GET whose `If-None-Match` names that version is answered
 * 304 without a body, so a client revalidating what it cached moves no data.
 */
function withEntityTag(request: FastifyRequest, reply: FastifyReply, result: unknown): unknown {
  const version = (result as { version?: unknown } | null)?.version;
  if (typeof version !== 'number') return result;
  const tag = `"${version}"`;
  reply.header('etag', tag);
  const asked = request.headers['if-none-match'];
  if (asked?.split(',').some((value) => value.trim().replace(/^W\//, '') === tag)) {
    reply.code(304);
    return '';
  }
  return result;
}

/** A GET without a query string (a read by id) has no fields to copy or walk. */
const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({});

/** The body (POST/PUT/PATCH) or query (GET/DELETE) of a request, through the structure checks. */
function requestFields(request: FastifyRequest): unknown {
  if (hasBody(request.method as HttpMethod)) {
    const body = request.body ?? {};
    return isJsonObject(body) ? checkedInput(body) : body;
  }
  if (!request.url.includes('?')) return NO_FIELDS;
  // Fastify's query object has a custom null-like prototype; a spread makes it a plain object.
  return checkedInput({ ...(request.query as object) });
}

/**
 * One REST route per operation, derived from the operation table (its HTTP mapping: contract/http.ts). Its
 * answers are serialised from the operation's output schema (serialize.ts).
 */
export function registerOperationRoutes(
  app: FastifyInstance,
  api: BinderyApi,
  idempotency: IdempotencyGate,
): void {
  for (const name of OPERATION_NAMES) {
    const { http, input, output } = operations[name];
    const call = api[name] as Call;
    const versioned = takesVersion(input);
    const status = http.status ?? 200;
    const failure = http.failure as { status: number; when: (output: unknown) => boolean } | undefined;
    const response = { [status]: output, ...(failure ? { [failure.status]: output } : {}) };
    const routeHandler =
      (fixed: Record<string, string>) => async (request: FastifyRequest, reply: FastifyReply) => {
        // The structure checks clean the body or query only: a path id with a control character stays invalid.
        const args = Object.assign(
          inputFromRequest(versioned, {
            params: request.params as Record<string, string>,
            fields: requestFields(request),
            header: (header) => request.headers[header] as string | undefined,
          }),
          fixed,
        );
        const actor = requestCaller(request);
        if (request.method === 'GET') {
          const output = await runAsCaller(actor, () => call(args));
          reply.code(failure?.when(output) ? failure.status : status);
          return withEntityTag(request, reply, output);
        }
        return idempotency.run(request, reply, status, () => runAsCaller(actor, () => call(args)));
      };
    // A route chosen by an input field's value (history of a task, project or note) fixes that field.
    for (const { path, fixed } of routePaths(http)) {
      app.route({
        method: [http.method, ...(http.alsoMethods ?? [])],
        url: path,
        handler: routeHandler(fixed),
        schema: { response } as FastifySchema,
        serializerCompiler: zodSerializerCompiler,
        ...(http.bodyLimit ? { bodyLimit: http.bodyLimit } : {}),
        config: { operation: name satisfies OperationName },
      });
    }
  }
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type BinderyApi,
  type HttpMethod,
  hasBody,
  inputFromRequest,
  isJsonObject,
  OPERATION_NAMES,
  type OperationName,
  operations,
  takesVersion,
} from '../contract/index.js';
import type { IdempotencyGate } from './idempotency.js';
import { checkedInput } from './json-body.js';

type Call = (input: unknown) => Promise<unknown>;

/** One REST route per operation, derived from the operation table (its HTTP mapping: contract/http.ts). */
export function registerOperationRoutes(
  app: FastifyInstance,
  api: BinderyApi,
  idempotency: IdempotencyGate,
): void {
  for (const name of OPERATION_NAMES) {
    const { http, input } = operations[name];
    const call = api[name] as Call;
    const versioned = takesVersion(input);
    const status = http.status ?? 200;
    const failure = http.failure as { status: number; when: (output: unknown) => boolean } | undefined;
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      // Fastify's query object has a custom null-like prototype; a spread makes it a plain object.
      const fields = hasBody(request.method as HttpMethod)
        ? (request.body ?? {})
        : { ...(request.query as object) };
      // The structure checks clean the body or query only: a path id with a control character stays invalid.
      const args = inputFromRequest(versioned, {
        params: request.params as Record<string, string>,
        fields: isJsonObject(fields) ? checkedInput(fields) : fields,
        header: (header) => request.headers[header] as string | undefined,
      });
      if (request.method === 'GET') {
        const output = await call(args);
        reply.code(failure?.when(output) ? failure.status : status);
        return output;
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

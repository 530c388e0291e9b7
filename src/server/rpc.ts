import type { FastifyInstance } from 'fastify';
import {
  type BinderyApi,
  type BinderyError,
  isOperationName,
  operations,
  RPC_INTERNAL_ERROR,
  RPC_INVALID_PARAMS,
  RPC_INVALID_REQUEST,
  RPC_METHOD_NOT_FOUND,
} from '../contract/index.js';
import type { Logger } from '../runtime/logger.js';
import { type Caller, runAsCaller } from '../store/actor.js';
import { requestCaller } from './actor.js';
import { errorBody, rpcErrorCode, toBinderyError } from './errors.js';
import { checkedInput } from './json-body.js';

type RpcId = string | number | null;

interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

interface RpcResponse {
  jsonrpc: '2.0';
  id: RpcId;
  result?: unknown;
  error?: RpcError;
}

export function rpcFailure(id: RpcId, error: RpcError): RpcResponse {
  return { jsonrpc: '2.0', id, error };
}

function fromBinderyError(error: BinderyError): RpcError {
  const { code, details } = errorBody(error);
  const rpcCode = rpcErrorCode(code);
  const message = rpcCode === RPC_INTERNAL_ERROR ? 'Internal error' : error.message;
  return {
    code: rpcCode,
    message,
    data: { code, ...(details === undefined ? {} : { details }), suggestions: error.suggestions },
  };
}

function isValidId(id: unknown): id is RpcId {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

/** Calls of one batch running at a time: a batch may not take every store connection or the whole loop. */
export const RPC_BATCH_CONCURRENCY = 4;
/** Once a batch's answers pass this many bytes of JSON, its remaining calls are not run. */
export const RPC_MAX_BATCH_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * Runs a batch's calls, at most RPC_BATCH_CONCURRENCY at a time, answers in call order. Calls still
 * waiting when the answers pass RPC_MAX_BATCH_ANSWER_BYTES are not run; each gets -32600 saying so, so
 * the caller knows exactly which to send again.
 */
async function runBatch(
  calls: unknown[],
  handleOne: (call: unknown) => Promise<RpcResponse | null>,
): Promise<(RpcResponse | null)[]> {
  const answers: (RpcResponse | null)[] = new Array(calls.length).fill(null);
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < calls.length) {
      const index = next++;
      if (bytes > RPC_MAX_BATCH_ANSWER_BYTES) {
        const call = calls[index] as { id?: unknown } | null;
        if (call && typeof call === 'object' && !('id' in call)) continue; // a notification gets no answer
        answers[index] = rpcFailure(isValidId(call?.id) ? call.id : null, {
          code: RPC_INVALID_REQUEST,
          message: `Not run: the batch's answers passed ${RPC_MAX_BATCH_ANSWER_BYTES} bytes; send this call again`,
        });
        continue;
      }
      const answer = await handleOne(calls[index]);
      answers[index] = answer;
      if (answer) bytes += Buffer.byteLength(JSON.stringify(answer));
    }
  };
  await Promise.all(Array.from({ length: Math.min(RPC_BATCH_CONCURRENCY, calls.length) }, worker));
  return answers;
}

/** JSON-RPC 2.0 over the same operations as REST; batches, notifications, standard codes (docs/design.md). */
export function registerRpc(app: FastifyInstance, api: BinderyApi, log: Logger, maxBatch: number): void {
  async function handleOne(message: unknown, actor: Caller): Promise<RpcResponse | null> {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      return rpcFailure(null, {
        code: RPC_INVALID_REQUEST,
        message: 'Invalid Request: expected a request object',
      });
    }
    const request = message as Record<string, unknown>;
    const hasId = 'id' in request;
    const id = hasId && isValidId(request.id) ? request.id : null;
    if (
      request.jsonrpc !== '2.0' ||
      typeof request.method !== 'string' ||
      (hasId && !isValidId(request.id))
    ) {
      return rpcFailure(id, {
        code: RPC_INVALID_REQUEST,
        message: 'Invalid Request: needs jsonrpc "2.0", a method and a valid id',
      });
    }
    const params = request.params;
    let response: RpcResponse;
    if (!isOperationName(request.method)) {
      response = rpcFailure(id, {
        code: RPC_METHOD_NOT_FOUND,
        message: `Method not found: ${request.method}`,
      });
    } else if (
      params !== undefined &&
      (typeof params !== 'object' || params === null || Array.isArray(params))
    ) {
      response = rpcFailure(id, {
        code: RPC_INVALID_PARAMS,
        message: 'Invalid params: pass params by name, as an object',
        data: { code: 'validation_error', details: [{ field: 'params', reason: 'must be an object' }] },
      });
    } else {
      try {
        const call = api[request.method] as (input: unknown) => Promise<unknown>;
        const input = checkedInput(params ?? {});
        response = { jsonrpc: '2.0', id, result: await runAsCaller(actor, () => call(input)) };
      } catch (thrown) {
        const error = toBinderyError(thrown);
        if (error.code === 'internal_error')
          log.error({ err: thrown, method: request.method }, 'rpc call failed');
        response = rpcFailure(id, fromBinderyError(error));
      }
    }
    return hasId ? response : null;
  }

  // index_document may carry a 5 MB document over JSON-RPC as over REST: the same body limit.
  app.post('/rpc', { bodyLimit: operations.index_document.http.bodyLimit }, async (request, reply) => {
    const body = request.body;
    const actor = requestCaller(request);
    if (Array.isArray(body)) {
      if (body.length === 0)
        return rpcFailure(null, { code: RPC_INVALID_REQUEST, message: 'Invalid Request: empty batch' });
      if (body.length > maxBatch) {
        return rpcFailure(null, {
          code: RPC_INVALID_REQUEST,
          message: `Invalid Request: a batch holds at most ${maxBatch} calls (BINDERY_RPC_MAX_BATCH); this one has ${body.length}`,
        });
      }
      const answers = (await runBatch(body, (message) => handleOne(message, actor))).filter(
        (a): a is RpcResponse => a !== null,
      );
      if (answers.length === 0) return reply.code(204).send();
      return answers;
    }
    const answer = await handleOne(body, actor);
    if (answer === null) return reply.code(204).send();
    return answer;
  });
}

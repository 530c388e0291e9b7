/**
 * The board's typed client: every call is an operation of the contract's operation table, sent as JSON-RPC
 * (`POST /rpc`, method = operation name), so its input and output types are the contract's own and no
 * route is written twice. Only types are imported: the page ships no schema code.
 */
import type { OperationName, OpInput, OpOutput } from '../../src/contract/operations.js';

const TOKEN_KEY = 'bindery.token';
/** Who the change log names for edits made on the board. */
export const BOARD_ACTOR = 'board';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The token lives for the tab only (sessionStorage): never a cookie another site could ride. */
export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();
/** Called when the server answers 401: the page asks for the token. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function reportUnauthorized(): void {
  for (const listener of unauthorizedListeners) listener();
}

export function authHeaders(): Record<string, string> {
  const secret = token.get();
  return {
    'x-bindery-actor': BOARD_ACTOR,
    ...(secret ? { authorization: `Bearer ${secret}` } : {}),
  };
}

interface RpcAnswer {
  id?: number;
  result?: unknown;
  error?: { message: string; data?: { code?: string; details?: unknown } };
}

let nextId = 1;

async function post(body: unknown): Promise<unknown> {
  const response = await fetch('/rpc', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders() },
    body: JSON.stringify(body),
  });
  if (response.status === 401) {
    reportUnauthorized();
    throw new ApiError('unauthorized', 'This server needs a token.');
  }
  const answer = (await response.json().catch(() => null)) as unknown;
  if (answer === null || (!response.ok && !Array.isArray(answer) && !(answer as RpcAnswer).error)) {
    const failed = answer as { code?: string; message?: string } | null;
    throw new ApiError(failed?.code ?? 'connection_error', failed?.message ?? `HTTP ${response.status}`);
  }
  return answer;
}

function unwrap(answer: RpcAnswer): unknown {
  if (answer.error) {
    const { data } = answer.error;
    throw new ApiError(data?.code ?? 'internal_error', answer.error.message, data?.details);
  }
  return answer.result;
}

/** One operation. */
export async function call<N extends OperationName>(name: N, input: OpInput<N>): Promise<OpOutput<N>> {
  const answer = (await post({ jsonrpc: '2.0', id: nextId++, method: name, params: input })) as RpcAnswer;
  return unwrap(answer) as OpOutput<N>;
}

/** Results of one operation over many inputs, in one JSON-RPC batch; a failed item is its ApiError. */
export async function callMany<N extends OperationName>(
  name: N,
  inputs: OpInput<N>[],
): Promise<(OpOutput<N> | ApiError)[]> {
  if (inputs.length === 0) return [];
  const first = nextId;
  nextId += inputs.length;
  const batch = inputs.map((params, i) => ({ jsonrpc: '2.0', id: first + i, method: name, params }));
  const answers = (await post(batch)) as RpcAnswer[];
  const byId = new Map(answers.map((answer) => [answer.id, answer]));
  return inputs.map((_input, i) => {
    try {
      return unwrap(byId.get(first + i) ?? { error: { message: 'no answer' } }) as OpOutput<N>;
    } catch (error) {
      return error as ApiError;
    }
  });
}

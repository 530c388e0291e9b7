/**
 * The board's typed client: every call is an operation of the contract's operation table, so its input and
 * output types are the contract's own. How a call travels is a transport: JSON-RPC over HTTP (`POST /rpc`,
 * method = operation name) for the web board, the host's MCP bridge for the board as an MCP App
 * (mcp-bridge.ts). Only types are imported: the page ships no schema code.
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

/** How operations reach the server; a failure is thrown (one) or returned in place (many) as an ApiError. */
export interface Transport {
  call(name: OperationName, input: unknown): Promise<unknown>;
  callMany(name: OperationName, inputs: unknown[]): Promise<unknown[]>;
}

/** JSON-RPC over HTTP: one request per call, one batch for many. */
export const httpTransport: Transport = {
  async call(name, input) {
    const answer = (await post({ jsonrpc: '2.0', id: nextId++, method: name, params: input })) as RpcAnswer;
    return unwrap(answer);
  },
  async callMany(name, inputs) {
    const first = nextId;
    nextId += inputs.length;
    const batch = inputs.map((params, i) => ({ jsonrpc: '2.0', id: first + i, method: name, params }));
    const answers = (await post(batch)) as RpcAnswer[];
    const byId = new Map(answers.map((answer) => [answer.id, answer]));
    return inputs.map((_input, i) => {
      try {
        return unwrap(byId.get(first + i) ?? { error: { message: 'no answer' } });
      } catch (error) {
        return error as ApiError;
      }
    });
  },
};

let transport = httpTransport;

/** The board as an MCP App calls through the host instead (mcp-app.tsx). */
export function setTransport(next: Transport): void {
  transport = next;
}

/** One operation. */
export async function call<N extends OperationName>(name: N, input: OpInput<N>): Promise<OpOutput<N>> {
  return (await transport.call(name, input)) as OpOutput<N>;
}

/** Results of one operation over many inputs; a failed item is its ApiError. */
export async function callMany<N extends OperationName>(
  name: N,
  inputs: OpInput<N>[],
): Promise<(OpOutput<N> | ApiError)[]> {
  if (inputs.length === 0) return [];
  return (await transport.callMany(name, inputs)) as (OpOutput<N> | ApiError)[];
}

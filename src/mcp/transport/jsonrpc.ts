/**
 * Turning inbound bytes into JSON-RPC messages, for transports that answer every input: text that is not
 * JSON gets -32700, JSON that is not a JSON-RPC 2.0 message gets -32600, both with the request's id when
 * it can be read and null otherwise.
 */
import { type JSONRPCMessage, parseJSONRPCMessage } from '@modelcontextprotocol/server';
import { RPC_INVALID_REQUEST, RPC_PARSE_ERROR } from '../../contract/index.js';
import { type ErrorReply, errorReply, isRequestId } from './reply.js';

export type Inbound = { message: JSONRPCMessage } | { reply: ErrorReply };

function problemWith(value: unknown): string {
  if (Array.isArray(value)) return 'batches are not supported; send one message at a time';
  if (typeof value !== 'object' || value === null) return 'a message must be a JSON object';
  const message = value as Record<string, unknown>;
  if (message.jsonrpc !== '2.0') return 'jsonrpc must be "2.0"';
  if ('id' in message && !isRequestId(message.id)) return 'id must be a string or an integer';
  if ('method' in message && typeof message.method !== 'string') return 'method must be a string';
  if ('params' in message && (typeof message.params !== 'object' || Array.isArray(message.params))) {
    return 'params must be an object';
  }
  return 'not a JSON-RPC 2.0 request, notification or response';
}

/** A parsed JSON value → the message it is, or the error reply it deserves. */
export function checkMessage(value: unknown): Inbound {
  try {
    return { message: parseJSONRPCMessage(value) };
  } catch {
    // answered below
  }
  const id = (value as { id?: unknown } | null)?.id;
  return {
    reply: errorReply(
      isRequestId(id) ? id : null,
      RPC_INVALID_REQUEST,
      `Invalid Request: ${problemWith(value)}`,
    ),
  };
}

export function readMessage(text: string): Inbound {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      reply: errorReply(null, RPC_PARSE_ERROR, `Parse error: ${(error as Error).message.slice(0, 200)}`),
    };
  }
  return checkMessage(value);
}

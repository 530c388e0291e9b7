/** JSON-RPC error replies, apart from the parsing (jsonrpc.ts) so a transport can answer without the MCP SDK. */
import type { RequestId } from '@modelcontextprotocol/server';

export interface ErrorReply {
  jsonrpc: '2.0';
  id: RequestId | null;
  error: { code: number; message: string; data?: unknown };
}

export function errorReply(id: RequestId | null, code: number, message: string, data?: unknown): ErrorReply {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}

export function isRequestId(value: unknown): value is RequestId {
  return typeof value === 'string' || Number.isSafeInteger(value);
}

import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';

type Handler = (request: unknown, extra: unknown) => Promise<unknown>;

interface IssueLike {
  path: PropertyKey[];
  message: string;
}

function issuesOf(error: unknown): IssueLike[] | undefined {
  const issues = (error as { issues?: unknown } | null)?.issues;
  const name = (error as Error | null)?.name;
  return (name === 'ZodError' || name === '$ZodError') && Array.isArray(issues)
    ? (issues as IssueLike[])
    : undefined;
}

/** One sentence naming the first bad field (and how many more there are). */
function sentence(method: string, issues: IssueLike[]): string {
  const [first] = issues;
  const field = first?.path.filter((part) => part !== 'params').join('.') || 'params';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problems)` : '';
  return `Invalid params for ${method}: ${field}: ${first?.message ?? 'invalid'}${more}.`;
}

/**
 * SDK v1 answers a request whose params fail its schema (logging/setLevel with an unknown level,
 * initialize without protocolVersion) with -32603 and the schema issues dumped as JSON. This wraps the
 * server's request handlers so such a request gets -32602 with one sentence instead. It reaches into the
 * SDK's handler table, which SDK v2 replaces; the move to v2 drops this file.
 */
export function answerInvalidParamsInOneLine(server: Server): void {
  const handlers = (server as unknown as { _requestHandlers?: Map<string, Handler> })._requestHandlers;
  if (!(handlers instanceof Map)) return;
  for (const [method, handler] of handlers) {
    handlers.set(method, async (request, extra) => {
      try {
        return await handler(request, extra);
      } catch (error) {
        const issues = issuesOf(error);
        if (!issues) throw error;
        // A plain error with a code: the SDK answers it as is (McpError would prefix "MCP error -32602:").
        throw Object.assign(new Error(sentence(method, issues)), { code: ErrorCode.InvalidParams });
      }
    });
  }
}

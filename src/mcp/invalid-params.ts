import { ProtocolErrorCode, type Server } from '@modelcontextprotocol/server';

type Handler = (request: unknown, extra: unknown) => Promise<unknown>;

interface IssueLike {
  path: PropertyKey[];
  message: string;
}

function isIssue(value: unknown): value is IssueLike {
  return Array.isArray((value as IssueLike | null)?.path) && typeof (value as IssueLike).message === 'string';
}

/** The schema issues of a failed params check: a ZodError (v1) or a plain Error whose message is their JSON (v2). */
function issuesOf(error: unknown): IssueLike[] | undefined {
  if (!(error instanceof Error) || 'code' in error) return undefined;
  let issues: unknown = (error as { issues?: unknown }).issues;
  if (issues === undefined && error.message.startsWith('[')) {
    try {
      issues = JSON.parse(error.message);
    } catch {
      return undefined;
    }
  }
  return Array.isArray(issues) && issues.length > 0 && issues.every(isIssue) ? issues : undefined;
}

/** One sentence naming the first bad field (and how many more there are). */
function sentence(method: string, issues: IssueLike[]): string {
  const [first] = issues;
  const field = first?.path.filter((part) => part !== 'params').join('.') || 'params';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problems)` : '';
  return `Invalid params for ${method}: ${field}: ${first?.message ?? 'invalid'}${more}.`;
}

/**
 * The SDK (v1, and v2 up to 2.4 still) answers a request whose params fail its wire schema
 * (logging/setLevel with an unknown level, initialize without protocolVersion) with -32603 and the schema
 * issues dumped as JSON. This wraps the server's request handlers so such a request gets -32602 with one
 * sentence instead. It reaches into the SDK's handler table (Protocol._requestHandlers, present in both
 * lines); when the table is not there it does nothing, and test/mcp/protocol.test.ts says so.
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
        throw Object.assign(new Error(sentence(method, issues)), { code: ProtocolErrorCode.InvalidParams });
      }
    });
  }
}

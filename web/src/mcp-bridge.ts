/**
 * The board's transport inside an MCP App: every operation is a tool call through the host
 * (`App.callServerTool`), never a request of its own, so the page needs no network access and no token.
 * Tools carry the operations' names and inputs but for the few listed here.
 */
import type { App } from '@modelcontextprotocol/ext-apps';
import type { OperationName } from '../../src/contract/operations.js';
import { ApiError, type Transport } from './api.js';

type Input = Record<string, unknown>;

/** Operations whose tool has another name or wraps the input in one parameter (docs/mcp.md, "Tools"). */
const AS_TOOL: Partial<Record<OperationName, (input: Input) => [string, Input]>> = {
  create_task: (input) => ['create_task', { task_input: input }],
  update_task: ({ task_id, ...fields }) => ['update_task', { task_id, task_update: fields }],
  search: (input) => ['search_entities', { search_input: input }],
  get_task_dashboard: () => ['get_dashboard_stats', {}],
};

interface ToolError {
  error?: string;
  error_code?: string;
  context?: { details?: unknown };
}

export function bridgeTransport(app: App): Transport {
  const call = async (operation: OperationName, input: unknown): Promise<unknown> => {
    const [name, args] = AS_TOOL[operation]?.(input as Input) ?? [operation, input as Input];
    let result: Awaited<ReturnType<App['callServerTool']>>;
    try {
      result = await app.callServerTool({ name, arguments: args });
    } catch (error) {
      // A protocol error (an unknown tool: the server's profile leaves it out) or the host refusing.
      throw new ApiError('connection_error', error instanceof Error ? error.message : String(error));
    }
    const structured = result.structuredContent as ToolError | undefined;
    if (result.isError) {
      throw new ApiError(
        structured?.error_code ?? 'internal_error',
        structured?.error ?? 'The tool failed.',
        structured?.context?.details,
      );
    }
    return structured;
  };
  return {
    call,
    // The host takes one tool call at a time per request: many are sent side by side.
    callMany: (operation, inputs) =>
      Promise.all(inputs.map((input) => call(operation, input).catch((error: unknown) => error))),
  };
}

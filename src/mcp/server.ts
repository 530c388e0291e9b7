import {
  CLIENT_INFO_META_KEY,
  LATEST_PROTOCOL_VERSION,
  McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { BINDERY_VERSION, type BinderyApi } from '../contract/index.js';
import type { Logger } from '../runtime/logger.js';
import { registerBoardApp } from './app.js';
import { type CallOptions, callTool } from './call.js';
import { type HealthProbe, healthReport } from './health.js';
import { answerInvalidParamsInOneLine } from './invalid-params.js';
import { toolListing } from './listing.js';
import type { InputSecurity } from './params.js';
import { isReadTool } from './profiles.js';
import { RESOURCE_CACHE_HINT, registerResources } from './resources.js';
import { attachSubscriptions, type ChangeSource } from './subscriptions.js';
import { TOOLS, type Tool } from './tools/index.js';

export interface McpServerOptions {
  logger: Logger;
  probe: HealthProbe;
  security: InputSecurity;
  /** MCP_PRODUCTION: generic error messages. */
  production: boolean;
  /** MCP_INCLUDE_METRICS: timings in every result. */
  includeMetrics: boolean;
  /** When the process started, for uptime in health_check. */
  startedAt: number;
  /** BINDERY_TOOLS and BINDERY_READ_ONLY; every tool when not given. */
  tools?: ToolSelection;
  /**
   * The client's name as it gives it: in `initialize` (2025-11-25) or in each request's envelope
   * (2026-07-28); `bindery mcp` records its writes under it.
   */
  onClientName?: (name: string | undefined) => void;
  /** Changes to relay to resource subscribers; without it resources/subscribe is refused (stateless HTTP). */
  changes?: ChangeSource;
}

export interface ToolSelection {
  /** The tools served (see profiles.ts); others are unknown tools. */
  names: readonly string[];
  /**
   * Write tools are left out of tools/list; a call to one still reaches the API, whose read-only guard
   * refuses it with permission_denied, as REST and JSON-RPC do.
   */
  readOnly: boolean;
}

const INSTRUCTIONS =
  'Bindery keeps tasks (with nested subtasks), projects, notes and indexed documents. Start with ' +
  'get_dashboard_stats or list_tasks, find things with search_entities, and carry a task out with ' +
  'execute_task then complete_task. A parameter that takes an object (task_input, task_update, …) also ' +
  'takes a JSON string of one. Lists page: pass next_cursor back as cursor. A failed call returns {success: false, error, error_code, operation, ' +
  'context, suggestions}: context names the fields to fix, suggestions say how to recover.';

const RawCallParams = z.looseObject({ name: z.string(), arguments: z.unknown().optional() });

/**
 * The Bindery MCP server over any BinderyApi (the HTTP client for stdio, the in-process service for the
 * server's /mcp endpoint). Tools are registered with McpServer.registerTool; tools/list and tools/call are
 * then answered by our handlers so that (1) schemas stay compact and admit error results, (2) arguments
 * reach the security layer before any validation and every refusal is a structured tool result, and
 * (3) an unknown tool is a JSON-RPC -32602 error naming it, not a tool result.
 */
export function createMcpServer(api: BinderyApi, options: McpServerOptions): McpServer {
  const mcp = new McpServer(
    { name: 'bindery', version: BINDERY_VERSION },
    {
      capabilities: {
        tools: { listChanged: false },
        logging: {},
        resources: { subscribe: true, listChanged: false },
        completions: {},
      },
      instructions: INSTRUCTIONS,
      cacheHints: {
        'resources/read': RESOURCE_CACHE_HINT,
        'resources/list': RESOURCE_CACHE_HINT,
        'resources/templates/list': RESOURCE_CACHE_HINT,
      },
    },
  );
  const callOptions: CallOptions = {
    api,
    health: () =>
      healthReport({
        probe: options.probe,
        policy: options.security.policy,
        counters: options.security.counters,
        production: options.production,
        startedAt: options.startedAt,
        protocolVersion: LATEST_PROTOCOL_VERSION,
      }),
    security: options.security,
    logger: options.logger,
    production: options.production,
    includeMetrics: options.includeMetrics,
  };

  const served = options.tools ? TOOLS.filter((tool) => options.tools?.names.includes(tool.name)) : TOOLS;
  const listed = (tool: Tool) => !options.tools?.readOnly || isReadTool(tool);
  const registered = new Map<string, Tool>(served.map((tool) => [tool.name, tool]));

  mcp.server.setRequestHandler('tools/list', () => ({
    tools: served.filter(listed).map(toolListing),
  }));
  const onClientName = options.onClientName;
  if (onClientName) mcp.server.oninitialized = () => onClientName(mcp.server.getClientVersion()?.name);
  // Arguments exactly as sent: the SDK's own tools/call schema parses them as a record, which silently drops
  // a top-level `__proto__` key before the security checks could refuse it.
  mcp.server.setRequestHandler('tools/call', { params: RawCallParams }, (params, ctx) => {
    if (onClientName) onClientName(envelopeClientName(ctx));
    const { name } = params;
    const tool = registered.get(name);
    if (!tool) {
      const shown = name.length > 100 ? `${name.slice(0, 100)}…` : name;
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Unknown tool "${shown}"; tools/list shows the tools there are.`,
      );
    }
    return callTool(tool, params.arguments, callOptions);
  });
  // The board's UI resource exists where show_board does (not in the core profile).
  registerResources(mcp, api, registered.has('show_board') ? [registerBoardApp(mcp)] : []);
  attachSubscriptions(mcp, api, options.changes);
  answerInvalidParamsInOneLine(mcp.server);
  return mcp;
}

/** The client name a 2026-07-28 request carries in its `_meta` envelope (none on 2025-11-25). */
function envelopeClientName(ctx: ServerContext): string | undefined {
  const info = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_INFO_META_KEY];
  const name = (info as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

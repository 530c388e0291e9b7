/**
 * The board app's address and show_board's link to it, apart from the resource's registration (app.ts) so
 * the tool definitions load without the MCP SDK: `bindery serve` reads them to check BINDERY_TOOLS at
 * start-up and serves MCP only when asked (BENCHMARKS.md, "Start-up").
 */
import { RESOURCE_URI_META_KEY } from '@modelcontextprotocol/ext-apps/server';

export const BOARD_URI = 'ui://bindery/board';

/**
 * The `_meta` of show_board's tools/list entry: the UI link under `ui.resourceUri` and under the older flat
 * key, as ext-apps' registerAppTool writes it. That helper registers through McpServer.registerTool, which
 * Bindery's own tools/list and tools/call (server.ts) bypass, so the tool carries the same metadata itself.
 */
export const BOARD_TOOL_META = { ui: { resourceUri: BOARD_URI }, [RESOURCE_URI_META_KEY]: BOARD_URI };

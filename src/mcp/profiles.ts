import type { Tool } from './tools/define.js';
import { TOOLS } from './tools/index.js';

/**
 * BINDERY_TOOLS: which tools tools/list shows. Every listed tool costs context in every session, so a
 * client that needs little can ask for little (docs/mcp.md lists each profile and its size).
 * - core: the fourteen tools every Bindery has had, plus the agent loop's next_task and heartbeat_execution;
 * - standard (default): core plus the everyday reads and notes: subtasks, projects, notes, documents, history,
 *   executions, batch changes, plans and the board (show_board);
 * - all: every tool.
 * A name a profile lists but this build lacks is skipped, so a profile can name a tool before it lands.
 */
const CORE = [
  'create_task',
  'get_task',
  'update_task',
  'list_tasks',
  'create_project',
  'get_dashboard_stats',
  'search_entities',
  'delete_task',
  'complete_task',
  'execute_task',
  'assign_role_to_task',
  'list_roles',
  'index_document',
  'health_check',
  'next_task',
  'heartbeat_execution',
];
const STANDARD = [
  ...CORE,
  'list_children',
  'get_project',
  'list_projects',
  'create_note',
  'get_note',
  'list_notes',
  'update_note',
  'get_document',
  'list_documents',
  'get_history',
  'list_executions',
  'update_tasks',
  'complete_tasks',
  'import_plan',
  'export_plan',
  'show_board',
];

export const TOOL_PROFILES = ['core', 'standard', 'all'] as const;
export type ToolProfile = (typeof TOOL_PROFILES)[number];
export const DEFAULT_TOOL_PROFILE: ToolProfile = 'standard';

const PROFILE_NAMES: Record<ToolProfile, readonly string[] | null> = {
  core: CORE,
  standard: STANDARD,
  all: null,
};

/**
 * The tool names a BINDERY_TOOLS value selects: a profile name, or a comma list of tool names. Throws an
 * Error naming the first unknown tool of a list (a typo must not silently hide a tool).
 */
export function toolNames(value: string): string[] {
  const known = TOOLS.map((tool) => tool.name);
  if ((TOOL_PROFILES as readonly string[]).includes(value)) {
    const names = PROFILE_NAMES[value as ToolProfile];
    return names === null ? known : known.filter((name) => names.includes(name));
  }
  const wanted = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = wanted.find((name) => !known.includes(name));
  if (unknown !== undefined || wanted.length === 0) {
    throw new Error(
      unknown === undefined
        ? 'names no tool'
        : `names an unknown tool "${unknown}" (one of ${TOOL_PROFILES.join(', ')}, or a comma list of tool names)`,
    );
  }
  return known.filter((name) => wanted.includes(name));
}

/** Tools that change nothing: the only ones listed under BINDERY_READ_ONLY. */
export function isReadTool(tool: Tool): boolean {
  return tool.annotations.readOnlyHint === true;
}

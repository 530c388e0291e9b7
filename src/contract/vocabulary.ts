/**
 * One vocabulary on every surface. MCP tools carry an operation's fields inside one parameter
 * (`task_input`, `task_update`, …); REST and JSON-RPC accept that same wrapped form, and the flat form
 * too. Names an operation had before 0.2 on REST and JSON-RPC are accepted for one release.
 */
import type { OperationName } from './operations.js';

/** The MCP parameter that holds an operation's fields, where it has one. */
export const INPUT_WRAPPERS: Readonly<Partial<Record<OperationName, string>>> = {
  create_task: 'task_input',
  update_task: 'task_update',
  create_project: 'project_input',
  update_project: 'project_update',
  create_note: 'note_input',
  update_note: 'note_update',
  index_document: 'document_input',
  search: 'search_input',
};

/** Old name → current name, accepted until 0.3 (docs/http-api.md lists them). */
export const DEPRECATED_NAMES: Readonly<Partial<Record<OperationName, Readonly<Record<string, string>>>>> = {
  execute_task: { role: 'role_name' },
  assign_role_to_task: { role: 'role_name' },
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The input with its wrapper parameter opened (`{task_id, task_update: {…}}` → `{task_id, …}`) and old
 * names renamed. Anything that would be ambiguous — a wrapper next to a field it also holds, an old name
 * next to its new one — is left as sent, so the schema refuses it and names the field.
 */
export function normalizeOperationInput(name: OperationName, input: unknown): unknown {
  if (!isObject(input)) return input;
  let out: Record<string, unknown> = input;
  const wrapper = INPUT_WRAPPERS[name];
  const inner = wrapper === undefined ? undefined : out[wrapper];
  if (wrapper !== undefined && isObject(inner)) {
    const { [wrapper]: _opened, ...rest } = out;
    if (Object.keys(inner).every((key) => !Object.hasOwn(rest, key))) out = { ...rest, ...inner };
  }
  for (const [old, current] of Object.entries(DEPRECATED_NAMES[name] ?? {})) {
    if (Object.hasOwn(out, old) && !Object.hasOwn(out, current)) {
      const { [old]: value, ...rest } = out;
      out = { ...rest, [current]: value };
    }
  }
  return out;
}

import type { TaskSummary } from '../contract/index.js';

/** A task list row (with the store's own columns such as `seq`) → exactly the contract's summary fields. */
export function toSummary(row: TaskSummary): TaskSummary {
  return {
    id: row.id,
    title: row.title,
    status: row.status,
    priority: row.priority,
    project_id: row.project_id,
    parent_id: row.parent_id,
    role: row.role,
    due_at: row.due_at,
    updated_at: row.updated_at,
    child_count: row.child_count,
  };
}

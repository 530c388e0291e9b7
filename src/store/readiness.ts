/**
 * What makes a task ready, kept current by triggers so next_task reads an index instead of scanning: each
 * task carries `open_deps` (its dependencies not done or cancelled) and `open_children` (its subtasks not
 * done or cancelled), and a partial index holds the todo tasks with both at zero in next_task's order.
 * The statements are written once here; each dialect wraps them in its own trigger syntax
 * (src/store/sqlite/migrations.ts, src/store/postgres/migrations.ts).
 *
 * Why triggers, as for the change log: every path that writes (creates, updates, cascaded deletes,
 * imports, future batch operations) keeps the counts without each store method remembering to.
 */

/** Statuses that no longer hold anything up. */
const CLOSED = `('done','cancelled')`;

/** next_task's order: priority (urgent first), due date (earliest first, none last), age, id. */
export const PRIORITY_RANK = `(CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END)`;
export const READY_ORDER = `${PRIORITY_RANK}, (due_at IS NULL), due_at, created_at, id`;
/** Ready (but for a running execution, which the ready index cannot know): over the row alias `t`, if given. */
export const readyCondition = (t = '') =>
  `${t}status = 'todo' AND ${t}open_deps = 0 AND ${t}open_children = 0`;
export const WAITING_CONDITION = `status = 'todo' AND (open_deps > 0 OR open_children > 0)`;

export interface ReadinessTrigger {
  name: string;
  /** `INSERT`, `DELETE` or `UPDATE OF …`. */
  event: string;
  table: 'tasks' | 'task_dependencies';
  /** Statements over the row aliases `new` and `old`, each ending with `;`. */
  body: string;
}

export const READINESS_TRIGGERS: readonly ReadinessTrigger[] = [
  {
    name: 'tasks_ready_insert',
    event: 'INSERT',
    table: 'tasks',
    body: `UPDATE tasks SET open_children = open_children + 1
      WHERE id = new.parent_id AND new.status NOT IN ${CLOSED};`,
  },
  {
    // The parent may be going in the same cascade: then there is no row left to update.
    name: 'tasks_ready_delete',
    event: 'DELETE',
    table: 'tasks',
    body: `UPDATE tasks SET open_children = open_children - 1
      WHERE id = old.parent_id AND old.status NOT IN ${CLOSED};`,
  },
  {
    name: 'tasks_ready_update',
    event: 'UPDATE OF status, parent_id',
    table: 'tasks',
    body: `UPDATE tasks SET open_children = open_children - 1
      WHERE id = old.parent_id AND old.status NOT IN ${CLOSED}
        AND (old.parent_id IS DISTINCT FROM new.parent_id OR new.status IN ${CLOSED});
    UPDATE tasks SET open_children = open_children + 1
      WHERE id = new.parent_id AND new.status NOT IN ${CLOSED}
        AND (old.parent_id IS DISTINCT FROM new.parent_id OR old.status IN ${CLOSED});
    UPDATE tasks SET open_deps = open_deps + (CASE WHEN new.status IN ${CLOSED} THEN -1 ELSE 1 END)
      WHERE (old.status IN ${CLOSED}) <> (new.status IN ${CLOSED})
        AND id IN (SELECT d.task_id FROM task_dependencies d WHERE d.depends_on_id = new.id);`,
  },
  {
    name: 'task_dependencies_ready_insert',
    event: 'INSERT',
    table: 'task_dependencies',
    body: `UPDATE tasks SET open_deps = open_deps + 1
      WHERE id = new.task_id
        AND (SELECT x.status FROM tasks x WHERE x.id = new.depends_on_id) NOT IN ${CLOSED};`,
  },
  {
    // Counted again rather than decremented: when the dependency itself is being deleted, its row (and so
    // whether it was open) is already gone.
    name: 'task_dependencies_ready_delete',
    event: 'DELETE',
    table: 'task_dependencies',
    body: `UPDATE tasks SET open_deps = (SELECT count(*) FROM task_dependencies d
        JOIN tasks x ON x.id = d.depends_on_id WHERE d.task_id = old.task_id AND x.status NOT IN ${CLOSED})
      WHERE id = old.task_id;`,
  },
];

/** The counts of rows written before the counters existed. */
export const READINESS_BACKFILL = `
  UPDATE tasks SET
    open_deps = (SELECT count(*) FROM task_dependencies d JOIN tasks x ON x.id = d.depends_on_id
      WHERE d.task_id = tasks.id AND x.status NOT IN ${CLOSED}),
    open_children = (SELECT count(*) FROM tasks c WHERE c.parent_id = tasks.id AND c.status NOT IN ${CLOSED});`;

/** Indexes: the ready set in next_task's order (overall and per project), the waiting set, live leases. */
export const READINESS_INDEXES = `
  CREATE INDEX tasks_ready ON tasks (${READY_ORDER}) WHERE ${readyCondition()};
  CREATE INDEX tasks_ready_project ON tasks (project_id, ${READY_ORDER}) WHERE ${readyCondition()};
  CREATE INDEX tasks_waiting ON tasks (project_id) WHERE ${WAITING_CONDITION};
  CREATE INDEX executions_lease ON executions (lease_expires_at) WHERE status = 'running';`;

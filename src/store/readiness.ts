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

/**
 * How a dialect lists one task row's tags: a FROM item over the row alias, and the expression of a tag in it
 * (text[] on PostgreSQL, JSON text on SQLite).
 */
export interface TagRows {
  from: (row: string) => string;
  tag: string;
}

/**
 * The todo tasks' counts, so next_task's `ready_count` and `waiting_count` read a few rows instead of
 * counting tasks (22,000 ready tasks at 100,000: 136 ms on PostgreSQL). One row per state (`ready`: nothing
 * unfinished, `waiting`: a dependency or subtask open), tag ('' = every task, else one row per tag it
 * carries), project and role ('' = none): a filtered count sums the few rows of its tag, project and roles.
 */
export const READY_COUNTS_TABLE = `
  CREATE TABLE task_ready_counts (
    state text NOT NULL,
    tag text NOT NULL,
    project_id text NOT NULL,
    role text NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (state, tag, project_id, role)
  )`;

const STATE = (row: string) =>
  `CASE WHEN ${row}.open_deps = 0 AND ${row}.open_children = 0 THEN 'ready' ELSE 'waiting' END`;

/** Adds `sign` to every count the task row (`old` or `new`) is in, if it is todo. */
const countRow = (tags: TagRows, row: 'old' | 'new', sign: 1 | -1) => `
  INSERT INTO task_ready_counts (state, tag, project_id, role, n)
    SELECT ${STATE(row)}, g.tag, coalesce(${row}.project_id, ''), coalesce(${row}.role, ''), ${sign}
    FROM (SELECT '' AS tag UNION SELECT ${tags.tag} FROM ${tags.from(row)}) g
    WHERE ${row}.status = 'todo'
    ON CONFLICT (state, tag, project_id, role) DO UPDATE SET n = task_ready_counts.n + excluded.n;`;

/** The counts' triggers; `when` limits the update's to the changes that move a task between counts. */
export const readyCountTriggers = (tags: TagRows): readonly (ReadinessTrigger & { when?: string })[] => [
  { name: 'tasks_ready_count_insert', event: 'INSERT', table: 'tasks', body: countRow(tags, 'new', 1) },
  { name: 'tasks_ready_count_delete', event: 'DELETE', table: 'tasks', body: countRow(tags, 'old', -1) },
  {
    name: 'tasks_ready_count_update',
    event: 'UPDATE OF status, open_deps, open_children, project_id, role, tags',
    table: 'tasks',
    when: `(old.status = 'todo' OR new.status = 'todo') AND (old.status <> new.status
      OR ${STATE('old')} <> ${STATE('new')} OR old.project_id IS DISTINCT FROM new.project_id
      OR old.role IS DISTINCT FROM new.role OR old.tags <> new.tags)`,
    body: countRow(tags, 'old', -1) + countRow(tags, 'new', 1),
  },
];

/** The counts of the tasks stored before the table existed. */
export const readyCountsBackfill = (tags: TagRows) => `
  INSERT INTO task_ready_counts (state, tag, project_id, role, n)
    SELECT ${STATE('t')}, '', coalesce(t.project_id, ''), coalesce(t.role, ''), count(*)
    FROM tasks t WHERE t.status = 'todo' GROUP BY 1, 2, 3, 4;
  INSERT INTO task_ready_counts (state, tag, project_id, role, n)
    SELECT ${STATE('t')}, ${tags.tag}, coalesce(t.project_id, ''), coalesce(t.role, ''), count(DISTINCT t.id)
    FROM tasks t, ${tags.from('t')} WHERE t.status = 'todo' GROUP BY 1, 2, 3, 4;`;

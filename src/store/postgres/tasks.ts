import { BinderyError, type Execution, type Task, type TaskSummary } from '../../contract/index.js';
import { decodeCursor, keysetPage } from '../cursor.js';
import { checkVersion } from '../guards.js';
import { toSummary } from '../rows.js';
import type {
  ExecutionClaim,
  NewTask,
  Page,
  PageRequest,
  TaskChanges,
  TaskFilter,
  TaskUpdateOptions,
  WriteGuard,
} from '../types.js';
import type { PgSession } from './database.js';
import { toJson } from './json.js';

type TaskRow = Omit<Task, 'children' | 'depends_on'> & {
  seq: number;
  children: string[];
  depends_on: string[];
};
type SummaryRow = TaskSummary & { seq: number };

/**
 * Full task rows with their children (oldest first) and dependencies (in creation order) in one query.
 * Named columns, never t.*: the search vector stays in the database, and a prepared statement's result
 * shape cannot change under it when a later migration adds a column.
 */
const TASK_COLUMNS = `t.seq, t.id, t.title, t.description, t.status, t.priority, t.tags, t.labels, t.parent_id,
  t.project_id, t.role, t.due_at, t.created_at, t.updated_at, t.completed_at, t.completion_notes, t.version,
  ARRAY(SELECT c.id FROM tasks c WHERE c.parent_id = t.id ORDER BY c.seq) AS children,
  ARRAY(SELECT d.depends_on_id FROM task_dependencies d JOIN tasks x ON x.id = d.depends_on_id
        WHERE d.task_id = t.id ORDER BY x.seq) AS depends_on`;

const SUMMARY_COLUMNS = `t.seq, t.id, t.title, t.status, t.priority, t.project_id, t.parent_id, t.role, t.due_at,
  t.updated_at, (SELECT count(*) FROM tasks c WHERE c.parent_id = t.id)::int AS child_count`;

/** Columns an update may set, each with the cast its parameter needs. */
const UPDATABLE: Record<string, string> = {
  title: '',
  description: '',
  status: '',
  priority: '',
  tags: '::text[]',
  labels: '::json',
  parent_id: '',
  project_id: '',
  role: '',
  due_at: '::timestamptz',
  updated_at: '::timestamptz',
  completed_at: '::timestamptz',
  completion_notes: '',
};

/**
 * Parent moves and dependency edits check for cycles by reading rows they do not lock, so two of them
 * could each pass and together close a loop. They serialise on this transaction-scoped advisory lock
 * (per schema); every other write only needs its own row lock.
 */
const GRAPH_LOCK = `SELECT pg_advisory_xact_lock(hashtext('bindery.graph:' || current_schema()))`;

/** Task reads and writes on PostgreSQL; each function runs inside one session or transaction. */
export const pgTasks = {
  async existing(s: PgSession, table: 'tasks' | 'projects', ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await s.rows<{ id: string }>(`SELECT id FROM ${table} WHERE id = ANY($1::text[])`, [ids]);
    return new Set(rows.map((r) => r.id));
  },

  /** One statement for the whole tree: rows are numbered in the given order, parents before children. */
  async insert(s: PgSession, tasks: readonly NewTask[]): Promise<void> {
    const json = toJson(tasks);
    await s.rows(
      `INSERT INTO tasks (id, title, description, status, priority, tags, labels, parent_id, project_id, role,
         due_at, created_at, updated_at, completed_at, completion_notes, version)
       SELECT r.id, r.title, r.description, r.status, r.priority, r.tags, r.labels, r.parent_id, r.project_id,
         r.role, r.due_at, r.created_at, r.updated_at, r.completed_at, r.completion_notes, r.version
       FROM json_array_elements($1::json) WITH ORDINALITY AS e(value, n),
         json_to_record(e.value) AS r(id text, title text, description text, status text, priority text,
           tags text[], labels json, parent_id text, project_id text, role text, due_at timestamptz,
           created_at timestamptz, updated_at timestamptz, completed_at timestamptz, completion_notes text,
           version int)
       ORDER BY e.n`,
      [json],
    );
    await s.rows(
      `INSERT INTO task_dependencies (task_id, depends_on_id)
       SELECT r.id, d FROM json_to_recordset($1::json) AS r(id text, depends_on text[]), unnest(r.depends_on) d
       ON CONFLICT DO NOTHING`,
      [json],
    );
  },

  async get(s: PgSession, id: string): Promise<Task | null> {
    const row = await s.row<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.id = $1`, [id]);
    return row ? toTask(row) : null;
  },

  async summaries(s: PgSession, ids: readonly string[]): Promise<TaskSummary[]> {
    if (ids.length === 0) return [];
    const rows = await s.rows<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM tasks t WHERE t.id = ANY($1::text[]) ORDER BY t.seq`,
      [ids],
    );
    return rows.map(toSummary);
  },

  async list(
    s: PgSession,
    filter: TaskFilter,
    page: PageRequest,
    detail: 'summary' | 'full',
  ): Promise<Page<Task | TaskSummary>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (filter.status) add((p) => `t.status = ${p}`, filter.status);
    if (filter.priority) add((p) => `t.priority = ${p}`, filter.priority);
    if (filter.project_id) add((p) => `t.project_id = ${p}`, filter.project_id);
    if (filter.parent_id === null) where.push('t.parent_id IS NULL');
    else if (filter.parent_id) add((p) => `t.parent_id = ${p}`, filter.parent_id);
    if (filter.role) add((p) => `t.role = ${p}`, filter.role);
    if (filter.tag) add((p) => `t.tags @> ARRAY[${p}::text]`, filter.tag);
    const filtered = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (await s.value<number>(`SELECT count(*)::int FROM tasks t ${filtered}`, params)) ?? 0;

    const after = decodeCursor(page.cursor);
    if (after !== undefined) add((p) => `t.seq < ${p}`, after);
    const pageWhere = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const columns = detail === 'full' ? TASK_COLUMNS : SUMMARY_COLUMNS;
    const rows = await s.rows<TaskRow & SummaryRow>(
      `SELECT ${columns} FROM tasks t ${pageWhere} ORDER BY t.seq DESC LIMIT $${params.length + 1}`,
      [...params, page.limit + 1],
    );
    return keysetPage<(typeof rows)[number], Task | TaskSummary>(rows, page.limit, total, (pageRows) =>
      detail === 'full' ? pageRows.map(toTask) : pageRows.map(toSummary),
    );
  },

  async children(s: PgSession, parentId: string, page: PageRequest): Promise<Page<TaskSummary>> {
    const total =
      (await s.value<number>('SELECT count(*)::int FROM tasks WHERE parent_id = $1', [parentId])) ?? 0;
    const rows = await s.rows<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM tasks t WHERE t.parent_id = $1 AND t.seq > $2 ORDER BY t.seq LIMIT $3`,
      [parentId, decodeCursor(page.cursor) ?? 0, page.limit + 1],
    );
    return keysetPage(rows, page.limit, total, (pageRows) => pageRows.map(toSummary));
  },

  async update(
    s: PgSession,
    id: string,
    changes: TaskChanges,
    options: TaskUpdateOptions = {},
  ): Promise<Task> {
    const movesGraph = changes.parent_id || changes.depends_on;
    if (movesGraph) await s.rows(GRAPH_LOCK);
    // NO KEY UPDATE: the id never changes, so inserts that merely reference this task are not blocked.
    const version = await s.value<number>('SELECT version FROM tasks WHERE id = $1 FOR NO KEY UPDATE', [id]);
    if (version === undefined) throw BinderyError.notFound('task', id);
    checkVersion('task', id, version, options);
    if (changes.parent_id) await refuseParentCycle(s, id, changes.parent_id);
    if (changes.depends_on) await refuseDependencyCycle(s, id, changes.depends_on);

    const { depends_on, ...columns } = changes;
    const params: unknown[] = [id];
    const assignments = ['version = version + 1'];
    for (const [name, value] of Object.entries(columns)) {
      const cast = UPDATABLE[name];
      if (cast === undefined) throw new Error(`Unknown task column ${name}`);
      params.push(name === 'labels' ? toJson(value) : value);
      assignments.push(`${name} = $${params.length}${cast}`);
    }
    await s.rows(`UPDATE tasks SET ${assignments.join(', ')} WHERE id = $1`, params);
    if (depends_on) {
      await s.rows('DELETE FROM task_dependencies WHERE task_id = $1', [id]);
      await s.rows(
        `INSERT INTO task_dependencies (task_id, depends_on_id)
         SELECT $1, d FROM unnest($2::text[]) d ON CONFLICT DO NOTHING`,
        [id, depends_on],
      );
    }
    if (options.closeExecution) {
      const { status, finished_at, notes } = options.closeExecution;
      await s.rows(
        `UPDATE executions SET status = $1, finished_at = $2, notes = coalesce($3, notes)
         WHERE task_id = $4 AND status = 'running'`,
        [status, finished_at, notes, id],
      );
    }
    return (await pgTasks.get(s, id))!;
  },

  async deleteTree(s: PgSession, id: string): Promise<number> {
    // Locking the subtree first makes the count exact when another server deletes part of it meanwhile
    // (locked rows that vanish are skipped), and makes concurrent inserts under it wait, then fail.
    const count =
      (await s.value<number>(
        `WITH RECURSIVE subtree(id) AS (
           SELECT id FROM tasks WHERE id = $1
           UNION ALL SELECT t.id FROM tasks t JOIN subtree s ON t.parent_id = s.id)
         SELECT count(*)::int FROM (SELECT t.id FROM tasks t JOIN subtree s ON s.id = t.id FOR UPDATE OF t) locked`,
        [id],
      )) ?? 0;
    // ON DELETE CASCADE removes the subtree, its dependencies and executions.
    if (count > 0) await s.rows('DELETE FROM tasks WHERE id = $1', [id]);
    return count;
  },

  async claimExecution(
    s: PgSession,
    taskId: string,
    claim: ExecutionClaim,
    guard: WriteGuard = {},
  ): Promise<{ task: Task; execution: Execution; cancelled: Execution | null }> {
    // The task's row lock orders concurrent claims, on this server or another one.
    const locked = await s.value<number>('SELECT 1 FROM tasks WHERE id = $1 FOR NO KEY UPDATE', [taskId]);
    if (locked === undefined) throw BinderyError.notFound('task', taskId);
    const running = await s.row<Execution>(
      `SELECT id, task_id, role, status, started_at, finished_at, notes FROM executions
       WHERE task_id = $1 AND status = 'running'`,
      [taskId],
    );
    if (running && !claim.force) {
      throw BinderyError.conflict(
        `Task ${taskId} already has a running execution ${running.id} (role ${running.role}); pass force to cancel it.`,
        { running_execution: running },
      );
    }
    const now = claim.execution.started_at;
    if (running) {
      await s.rows(`UPDATE executions SET status = 'cancelled', finished_at = $1 WHERE id = $2`, [
        now,
        running.id,
      ]);
    }
    const task = await pgTasks.update(s, taskId, claim.taskChanges, guard);
    const { id, role, status, started_at, finished_at, notes } = claim.execution;
    await s.rows(
      `INSERT INTO executions (id, task_id, role, status, started_at, finished_at, notes)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, taskId, role, status, started_at, finished_at, notes],
    );
    return {
      task,
      execution: claim.execution,
      cancelled: running ? { ...running, status: 'cancelled', finished_at: now } : null,
    };
  },
};

async function refuseParentCycle(s: PgSession, id: string, newParent: string): Promise<void> {
  const cycle =
    newParent === id ||
    (await s.value(
      `WITH RECURSIVE ancestors(id) AS (
         SELECT parent_id FROM tasks WHERE id = $1
         UNION SELECT t.parent_id FROM tasks t JOIN ancestors a ON t.id = a.id)
       SELECT 1 FROM ancestors WHERE id = $2`,
      [newParent, id],
    )) !== undefined;
  if (cycle) {
    throw BinderyError.conflict(`Moving task ${id} under ${newParent} would make it its own ancestor.`, [
      { field: 'parent_id', reason: 'would create a parent cycle' },
    ]);
  }
}

async function refuseDependencyCycle(s: PgSession, id: string, dependsOn: readonly string[]): Promise<void> {
  const cycle =
    dependsOn.includes(id) ||
    (await s.value(
      `WITH RECURSIVE reach(id) AS (
         SELECT unnest($1::text[])
         UNION SELECT d.depends_on_id FROM task_dependencies d JOIN reach r ON d.task_id = r.id)
       SELECT 1 FROM reach WHERE id = $2`,
      [dependsOn, id],
    )) !== undefined;
  if (cycle) {
    throw BinderyError.conflict(`Task ${id} would depend on itself through depends_on.`, [
      { field: 'depends_on', reason: 'would create a dependency cycle' },
    ]);
  }
}

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    tags: row.tags,
    labels: row.labels,
    parent_id: row.parent_id,
    project_id: row.project_id,
    role: row.role,
    children: row.children,
    depends_on: row.depends_on,
    due_at: row.due_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
    completed_at: row.completed_at,
    completion_notes: row.completion_notes,
    version: row.version,
  };
}

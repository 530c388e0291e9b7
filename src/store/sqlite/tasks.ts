import {
  BinderyError,
  type Execution,
  OPEN_STATUSES,
  type Task,
  type TaskSummary,
} from '../../contract/index.js';
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
import type { SqliteDatabase } from './database.js';

interface TaskRow {
  seq: number;
  id: string;
  title: string;
  description: string;
  status: Task['status'];
  priority: Task['priority'];
  tags: string;
  labels: string;
  parent_id: string | null;
  project_id: string | null;
  role: string | null;
  due_at: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  completion_notes: string | null;
  version: number;
}

const SUMMARY_COLUMNS = `t.seq, t.id, t.title, t.status, t.priority, t.project_id, t.parent_id, t.role, t.due_at,
  t.updated_at, (SELECT count(*) FROM tasks c WHERE c.parent_id = t.id) AS child_count`;

/** `('todo','doing',…)` for SQL that counts open tasks. */
export const OPEN_STATUS_SQL = `(${OPEN_STATUSES.map((s) => `'${s}'`).join(',')})`;

/** Task reads and writes on SQLite. Every exported function runs inside `db.run`. */
export class SqliteTasks {
  constructor(private readonly db: SqliteDatabase) {}

  existing(table: 'tasks' | 'projects', ids: readonly string[]): Set<string> {
    if (ids.length === 0) return new Set();
    const rows = this.db
      .stmt(`SELECT id FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`)
      .pluck()
      .all(JSON.stringify(ids)) as string[];
    return new Set(rows);
  }

  insert(tasks: readonly NewTask[]): void {
    const insertTask =
      this.db.stmt(`INSERT INTO tasks (id, title, description, status, priority, tags, labels,
      parent_id, project_id, role, due_at, created_at, updated_at, completed_at, completion_notes, version)
      VALUES (@id, @title, @description, @status, @priority, @tags, @labels, @parent_id, @project_id, @role,
      @due_at, @created_at, @updated_at, @completed_at, @completion_notes, @version)`);
    for (const task of tasks) {
      const { lastInsertRowid } = insertTask.run({
        ...task,
        tags: JSON.stringify(task.tags),
        labels: JSON.stringify(task.labels),
      });
      this.writeTags(Number(lastInsertRowid), task.tags);
      this.writeDependencies(task.id, task.depends_on);
    }
  }

  /** One task with its children and dependencies in one statement: the hot path of get_task. */
  get(id: string): Task | null {
    const row = this.db
      .stmt(`SELECT t.*,
          (SELECT json_group_array(id) FROM (SELECT id FROM tasks WHERE parent_id = t.id ORDER BY seq)) AS child_ids,
          (SELECT json_group_array(depends_on_id) FROM (SELECT d.depends_on_id FROM task_dependencies d
             JOIN tasks dt ON dt.id = d.depends_on_id WHERE d.task_id = t.id ORDER BY dt.seq)) AS dependency_ids
        FROM tasks t WHERE t.id = ?`)
      .get(id) as (TaskRow & { child_ids: string; dependency_ids: string }) | undefined;
    return row ? taskFromRow(row, JSON.parse(row.child_ids), JSON.parse(row.dependency_ids)) : null;
  }

  summaries(ids: readonly string[]): TaskSummary[] {
    if (ids.length === 0) return [];
    const rows = this.db
      .stmt(
        `SELECT ${SUMMARY_COLUMNS} FROM tasks t WHERE t.id IN (SELECT value FROM json_each(?)) ORDER BY t.seq`,
      )
      .all(JSON.stringify(ids)) as (TaskSummary & { seq: number })[];
    return rows.map(toSummary);
  }

  list(filter: TaskFilter, page: PageRequest, detail: 'summary' | 'full'): Page<Task | TaskSummary> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      params.push(value);
    };
    if (filter.status) add('t.status = ?', filter.status);
    if (filter.priority) add('t.priority = ?', filter.priority);
    if (filter.project_id) add('t.project_id = ?', filter.project_id);
    if (filter.parent_id === null) where.push('t.parent_id IS NULL');
    else if (filter.parent_id) add('t.parent_id = ?', filter.parent_id);
    if (filter.role) add('t.role = ?', filter.role);
    if (filter.tag) add('t.seq IN (SELECT task_seq FROM task_tags WHERE tag = ?)', filter.tag);
    const filtered = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = this.total(filter, filtered, params);

    const after = decodeCursor(page.cursor);
    const pageWhere = after === undefined ? filtered : `${filtered ? `${filtered} AND` : 'WHERE'} t.seq < ?`;
    const pageParams = after === undefined ? params : [...params, after];
    const columns = detail === 'full' ? 't.*' : SUMMARY_COLUMNS;
    const rows = this.db
      .stmt(`SELECT ${columns} FROM tasks t ${pageWhere} ORDER BY t.seq DESC LIMIT ?`)
      .all(...pageParams, page.limit + 1) as (TaskRow & { child_count: number })[];
    return keysetPage<TaskRow & { child_count: number }, Task | TaskSummary>(
      rows,
      page.limit,
      total,
      (pageRows) => (detail === 'full' ? this.toTasks(pageRows) : pageRows.map(toSummary)),
    );
  }

  /**
   * A list's total: from the trigger-kept counts when it is filtered by project, status and priority only
   * (the common case, and the one that would otherwise count tens of thousands of rows), else by counting.
   */
  private total(filter: TaskFilter, filtered: string, params: unknown[]): number {
    const countable = Object.entries(filter).every(
      ([key, value]) => value === undefined || key === 'project_id' || key === 'status' || key === 'priority',
    );
    if (!countable)
      return this.db
        .stmt(`SELECT count(*) FROM tasks t ${filtered}`)
        .pluck()
        .get(...params) as number;
    const where = [
      filter.project_id ? 'project_id = @project_id' : '',
      filter.status ? 'status = @status' : '',
      filter.priority ? 'priority = @priority' : '',
    ].filter(Boolean);
    const sql = `SELECT coalesce(sum(n), 0) FROM task_group_counts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    return this.db.stmt(sql).pluck().get(filter) as number;
  }

  children(parentId: string, page: PageRequest): Page<TaskSummary> {
    const total = this.db
      .stmt('SELECT count(*) FROM tasks WHERE parent_id = ?')
      .pluck()
      .get(parentId) as number;
    const after = decodeCursor(page.cursor) ?? 0;
    const rows = this.db
      .stmt(
        `SELECT ${SUMMARY_COLUMNS} FROM tasks t WHERE t.parent_id = ? AND t.seq > ? ORDER BY t.seq LIMIT ?`,
      )
      .all(parentId, after, page.limit + 1) as (TaskSummary & { seq: number })[];
    return keysetPage(rows, page.limit, total, (pageRows) => pageRows.map(toSummary));
  }

  update(id: string, changes: TaskChanges, options: TaskUpdateOptions = {}): Task {
    const current = this.db.stmt('SELECT seq, version FROM tasks WHERE id = ?').get(id) as
      | { seq: number; version: number }
      | undefined;
    if (!current) throw BinderyError.notFound('task', id);
    checkVersion('task', id, current.version, options);
    if (changes.parent_id) this.refuseParentCycle(id, changes.parent_id);
    if (changes.depends_on) this.refuseDependencyCycle(id, changes.depends_on);

    const { depends_on, tags, labels, ...plain } = changes;
    const columns: Record<string, unknown> = { ...plain };
    if (tags) columns.tags = JSON.stringify(tags);
    if (labels) columns.labels = JSON.stringify(labels);
    const names = Object.keys(columns);
    const assignments = [...names.map((name) => `${name} = @${name}`), 'version = version + 1'];
    this.db.stmt(`UPDATE tasks SET ${assignments.join(', ')} WHERE id = @id`).run({ ...columns, id });
    if (tags) {
      this.db.stmt('DELETE FROM task_tags WHERE task_seq = ?').run(current.seq);
      this.writeTags(current.seq, tags);
    }
    if (depends_on) {
      this.db.stmt('DELETE FROM task_dependencies WHERE task_id = ?').run(id);
      this.writeDependencies(id, depends_on);
    }
    if (options.closeExecution) {
      const { status, finished_at, notes } = options.closeExecution;
      this.db
        .stmt(`UPDATE executions SET status = ?, finished_at = ?, notes = coalesce(?, notes)
               WHERE task_id = ? AND status = 'running'`)
        .run(status, finished_at, notes, id);
    }
    return this.get(id)!;
  }

  deleteTree(id: string): number {
    const count = this.db
      .stmt(`WITH RECURSIVE subtree(id) AS (
               SELECT id FROM tasks WHERE id = ?
               UNION ALL SELECT t.id FROM tasks t JOIN subtree s ON t.parent_id = s.id)
             SELECT count(*) FROM subtree`)
      .pluck()
      .get(id) as number;
    // ON DELETE CASCADE removes the subtree, its tags, dependencies and executions.
    if (count > 0) this.db.stmt('DELETE FROM tasks WHERE id = ?').run(id);
    return count;
  }

  claimExecution(
    taskId: string,
    claim: ExecutionClaim,
    guard: WriteGuard = {},
  ): { task: Task; execution: Execution; cancelled: Execution | null } {
    const running = this.runningExecution(taskId);
    if (running && !claim.force) {
      throw BinderyError.conflict(
        `Task ${taskId} already has a running execution ${running.id} (role ${running.role}); pass force to cancel it.`,
        { running_execution: running },
      );
    }
    const now = claim.execution.started_at;
    if (running) {
      this.db
        .stmt(`UPDATE executions SET status = 'cancelled', finished_at = ? WHERE id = ?`)
        .run(now, running.id);
    }
    const task = this.update(taskId, claim.taskChanges, guard);
    const { id, role, status, started_at, finished_at, notes } = claim.execution;
    this.db
      .stmt(`INSERT INTO executions (id, task_id, role, status, started_at, finished_at, notes)
             VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(id, taskId, role, status, started_at, finished_at, notes);
    return {
      task,
      execution: claim.execution,
      cancelled: running ? { ...running, status: 'cancelled', finished_at: now } : null,
    };
  }

  runningExecution(taskId: string): Execution | null {
    const row = this.db
      .stmt(`SELECT * FROM executions WHERE task_id = ? AND status = 'running'`)
      .get(taskId) as Execution | undefined;
    return row ?? null;
  }

  private refuseParentCycle(id: string, newParent: string): void {
    const cycle =
      newParent === id ||
      this.db
        .stmt(`WITH RECURSIVE ancestors(id) AS (
                 SELECT parent_id FROM tasks WHERE id = ?
                 UNION SELECT t.parent_id FROM tasks t JOIN ancestors a ON t.id = a.id)
               SELECT 1 FROM ancestors WHERE id = ?`)
        .get(newParent, id) !== undefined;
    if (cycle) {
      throw BinderyError.conflict(`Moving task ${id} under ${newParent} would make it its own ancestor.`, [
        { field: 'parent_id', reason: 'would create a parent cycle' },
      ]);
    }
  }

  private refuseDependencyCycle(id: string, dependsOn: readonly string[]): void {
    const cycle =
      dependsOn.includes(id) ||
      this.db
        .stmt(`WITH RECURSIVE reach(id) AS (
                 SELECT value FROM json_each(?)
                 UNION SELECT d.depends_on_id FROM task_dependencies d JOIN reach r ON d.task_id = r.id)
               SELECT 1 FROM reach WHERE id = ?`)
        .get(JSON.stringify(dependsOn), id) !== undefined;
    if (cycle) {
      throw BinderyError.conflict(`Task ${id} would depend on itself through depends_on.`, [
        { field: 'depends_on', reason: 'would create a dependency cycle' },
      ]);
    }
  }

  private writeTags(seq: number, tags: readonly string[]): void {
    const insert = this.db.stmt('INSERT OR IGNORE INTO task_tags (tag, task_seq) VALUES (?, ?)');
    for (const tag of tags) insert.run(tag, seq);
  }

  private writeDependencies(id: string, dependsOn: readonly string[]): void {
    const insert = this.db.stmt(
      'INSERT OR IGNORE INTO task_dependencies (task_id, depends_on_id) VALUES (?, ?)',
    );
    for (const dep of dependsOn) insert.run(id, dep);
  }

  /** Rows → tasks, fetching children and dependencies of the whole page in two queries. */
  private toTasks(rows: readonly TaskRow[]): Task[] {
    const ids = JSON.stringify(rows.map((r) => r.id));
    const children = groupBy(
      this.db
        .stmt(
          'SELECT parent_id AS k, id AS v FROM tasks WHERE parent_id IN (SELECT value FROM json_each(?)) ORDER BY seq',
        )
        .all(ids) as { k: string; v: string }[],
    );
    const deps = groupBy(
      this.db
        .stmt(`SELECT d.task_id AS k, d.depends_on_id AS v FROM task_dependencies d
               JOIN tasks t ON t.id = d.depends_on_id
               WHERE d.task_id IN (SELECT value FROM json_each(?)) ORDER BY t.seq`)
        .all(ids) as { k: string; v: string }[],
    );
    return rows.map((row) => taskFromRow(row, children.get(row.id) ?? [], deps.get(row.id) ?? []));
  }
}

function taskFromRow(row: TaskRow, children: string[], dependsOn: string[]): Task {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: row.priority,
    tags: JSON.parse(row.tags) as string[],
    labels: JSON.parse(row.labels) as Task['labels'],
    parent_id: row.parent_id,
    project_id: row.project_id,
    role: row.role,
    children,
    depends_on: dependsOn,
    due_at: row.due_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
    completed_at: row.completed_at,
    completion_notes: row.completion_notes,
    version: row.version,
  };
}

function groupBy(rows: readonly { k: string; v: string }[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { k, v } of rows) {
    const list = groups.get(k);
    if (list) list.push(v);
    else groups.set(k, [v]);
  }
  return groups;
}

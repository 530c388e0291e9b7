import {
  BinderyError,
  batchItemError,
  decodeCursor,
  type Execution,
  type Task,
  type TaskSummary,
} from '../../contract/index.js';
import { keysetPage } from '../cursor.js';
import { READY_ORDER, readyCondition } from '../readiness.js';
import type {
  ExecutionClaim,
  ExecutionRecord,
  NewTask,
  Page,
  PageRequest,
  ReadyFilter,
  TaskChanges,
  TaskFilter,
  TaskLink,
  TaskUpdateOptions,
  TaskWrite,
  TaskWriteOutcome,
  WriteGuard,
} from '../types.js';
import type { Dialect, Executor } from './dialect.js';
import { EXECUTION_COLUMNS } from './executions.js';
import { lockVersion } from './guards.js';
import { RowMapper, type SummaryRow, type TaskRow } from './rows.js';
import { assignments } from './update.js';

export const SUMMARY_COLUMNS = `t.seq, t.id, t.title, t.status, t.priority, t.project_id, t.parent_id, t.role,
  t.due_at, t.updated_at, (SELECT count(*) FROM tasks c WHERE c.parent_id = t.id) AS child_count`;

/** A task with a running execution is not ready, whatever its status says. */
const NOT_RUNNING = (t = 't') =>
  `NOT EXISTS (SELECT 1 FROM executions e WHERE e.task_id = ${t}.id AND e.status = 'running')`;

/** Columns an update may set. */
export const TASK_UPDATABLE = [
  'title',
  'description',
  'status',
  'priority',
  'tags',
  'labels',
  'parent_id',
  'project_id',
  'role',
  'due_at',
  'updated_at',
  'updated_by',
  'completed_at',
  'completion_notes',
] as const;

/** Filters the trigger-kept `task_group_counts` can total without counting task rows. */
const GROUP_COUNTED = new Set(['project_id', 'project_ids', 'statuses', 'priority']);

/** Task reads and writes, the execution claim and the cycle refusals; each method runs on the caller's executor. */
export class TaskCore {
  private readonly map: RowMapper;
  /** Built once: the store's statement caches are keyed by the text, which is long here. */
  private readonly getSql: string;

  constructor(private readonly dialect: Dialect) {
    this.map = new RowMapper(dialect);
    this.getSql = `SELECT ${dialect.taskColumns} FROM tasks t WHERE t.id = $1`;
  }

  /** A condition: the task (columns prefixed `prefix`) is in one of the projects bound at the parameter. */
  private inProjects(prefix: string): (param: string) => string {
    return (param) => `${prefix}project_id ${this.dialect.idIn(param)}`;
  }

  /** Which of these ids exist in `table`. */
  async existing(x: Executor, table: 'tasks' | 'projects', ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await x.rows<{ id: string }>(`SELECT id FROM ${table} WHERE id ${this.dialect.idIn('$1')}`, [
      this.dialect.encodeIds(ids),
    ]);
    return new Set(rows.map((r) => r.id));
  }

  /** Writes tasks (a tree: parents first) with their dependencies. */
  async insert(x: Executor, tasks: readonly NewTask[]): Promise<void> {
    if (tasks.length === 0) return;
    await this.dialect.insertTasks(x, tasks);
    for (const task of tasks) await this.addDependencies(x, task.id, task.depends_on);
  }

  /**
   * Sets the parents and dependencies whose tasks all exist now (an import's tasks arrive unlinked); returns
   * the links still waiting for a task of a later batch. `setLinks` is `link` unless the store has a bulk way.
   */
  async linkWhereReady(
    x: Executor,
    links: readonly TaskLink[],
    setLinks: (ready: TaskLink[]) => Promise<void> = (ready) => this.link(x, ready),
  ): Promise<TaskLink[]> {
    const targets = links.flatMap((l) => (l.parent_id ? [l.parent_id, ...l.depends_on] : l.depends_on));
    const present = await this.existing(x, 'tasks', [...new Set(targets)]);
    const ready = (l: TaskLink) =>
      (!l.parent_id || present.has(l.parent_id)) && l.depends_on.every((d) => present.has(d));
    await setLinks(links.filter(ready));
    return links.filter((l) => !ready(l));
  }

  /** Sets parents and dependencies; every task they name must exist. */
  async link(x: Executor, links: readonly TaskLink[]): Promise<void> {
    for (const link of links) {
      if (link.parent_id)
        await x.run('UPDATE tasks SET parent_id = $1 WHERE id = $2', [link.parent_id, link.id]);
      await this.addDependencies(x, link.id, link.depends_on);
    }
  }

  /** One task with its children and dependencies in one statement: the hot path of get_task. */
  async get(x: Executor, id: string): Promise<Task | null> {
    const row = await x.row<TaskRow>(this.getSql, [id]);
    return row ? this.map.task(row) : null;
  }

  async summaries(x: Executor, ids: readonly string[]): Promise<TaskSummary[]> {
    if (ids.length === 0) return [];
    const rows = await x.rows<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM tasks t WHERE t.id ${this.dialect.idIn('$1')} ORDER BY t.seq`,
      [this.dialect.encodeIds(ids)],
    );
    return rows.map((row) => this.map.summary(row));
  }

  /** Newest first. */
  async list(
    x: Executor,
    filter: TaskFilter,
    page: PageRequest,
    detail: 'summary' | 'full',
  ): Promise<Page<Task | TaskSummary>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    if (filter.statuses) where.push(`t.status ${inList(filter.statuses, params)}`);
    if (filter.priority) add((p) => `t.priority = ${p}`, filter.priority);
    if (filter.project_id) add((p) => `t.project_id = ${p}`, filter.project_id);
    if (filter.project_ids) add(this.inProjects('t.'), this.dialect.encodeIds(filter.project_ids));
    if (filter.parent_id === null) where.push('t.parent_id IS NULL');
    else if (filter.parent_id) add((p) => `t.parent_id = ${p}`, filter.parent_id);
    if (filter.role) add((p) => `t.role = ${p}`, filter.role);
    if (filter.tag) add((p) => this.dialect.hasTag('tasks', 't', p), filter.tag);
    if (filter.ready) where.push(readyCondition('t.'), NOT_RUNNING());
    const filtered = () => (where.length ? `WHERE ${where.join(' AND ')}` : '');
    const total = await this.total(x, filter, filtered(), [...params]);

    const after = decodeCursor(page.cursor);
    if (after !== undefined) add((p) => `t.seq < ${p}`, after);
    const columns = detail === 'full' ? this.dialect.taskColumns : SUMMARY_COLUMNS;
    const rows = await x.rows<TaskRow & SummaryRow>(
      `SELECT ${columns} FROM tasks t ${filtered()} ORDER BY t.seq DESC LIMIT $${params.length + 1}`,
      [...params, page.limit + 1],
    );
    return keysetPage<(typeof rows)[number], Task | TaskSummary>(rows, page.limit, total, (pageRows) =>
      detail === 'full'
        ? pageRows.map((row) => this.map.task(row))
        : pageRows.map((row) => this.map.summary(row)),
    );
  }

  /**
   * A list's total: from the trigger-kept counts where the store keeps them and the list is filtered by
   * project, status and priority only (the common case, and the one that would otherwise count tens of
   * thousands of rows), else by counting.
   */
  private async total(x: Executor, filter: TaskFilter, filtered: string, params: unknown[]): Promise<number> {
    const countable = Object.entries(filter).every(
      ([key, value]) => value === undefined || GROUP_COUNTED.has(key),
    );
    if (!this.dialect.hasTaskGroupCounts || !countable) {
      return (await x.value<number>(`SELECT count(*) FROM tasks t ${filtered}`, params)) ?? 0;
    }
    const where: string[] = [];
    const values: unknown[] = [];
    for (const key of ['project_id', 'priority'] as const) {
      if (!filter[key]) continue;
      values.push(filter[key]);
      where.push(`${key} = $${values.length}`);
    }
    if (filter.project_ids) {
      values.push(this.dialect.encodeIds(filter.project_ids));
      where.push(this.inProjects('')(`$${values.length}`));
    }
    if (filter.statuses) where.push(`status ${inList(filter.statuses, values)}`);
    const sql = `SELECT coalesce(sum(n), 0) FROM task_group_counts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    return (await x.value<number>(sql, values)) ?? 0;
  }

  /**
   * The first ready task in next_task's order (locked for the claim where rows can be locked, skipping rows
   * another claim holds), how many tasks are ready in all, and how many wait, in one statement (one snapshot,
   * one round trip). The counts are summed from the trigger-kept `task_ready_counts` (a few rows per project
   * and role); the choice is the first entry of the ready index that passes the filters, looked up only when
   * some task is ready.
   */
  async next(
    x: Executor,
    filter: ReadyFilter,
    lock: boolean,
  ): Promise<{ task: Task | null; ready: number; waiting: number }> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const tasks: string[] = [];
    const counted = ["tag = ''"];
    if (filter.tag) {
      const p = param(filter.tag);
      tasks.push(this.dialect.taskTagged('r', p));
      counted[0] = `tag = ${p}`;
    }
    if (filter.project_id) {
      const p = param(filter.project_id);
      tasks.push(`r.project_id = ${p}`);
      counted.push(`project_id = ${p}`);
    }
    if (filter.project_ids) {
      const p = param(this.dialect.encodeIds(filter.project_ids));
      tasks.push(this.inProjects('r.')(p));
      counted.push(this.inProjects('')(p));
    }
    if (filter.role) {
      const p = param(filter.role);
      tasks.push(`(r.role = ${p} OR r.role IS NULL)`);
      counted.push(`role IN (${p}, '')`);
    }
    const and = tasks.map((clause) => ` AND ${clause}`).join('');
    const sum = (state: string) =>
      `(SELECT coalesce(sum(n), 0) FROM task_ready_counts WHERE state = '${state}' AND ${counted.join(' AND ')})`;
    const index = this.dialect.useIndex(filter.project_id ? 'tasks_ready_project' : 'tasks_ready');
    // Less the few ready-looking tasks that have a running execution (the counts cannot know those).
    // Materialized: computed once, read by the answer and by the choice's CASE.
    const row = await x.row<TaskRow & { ready: number; waiting: number; running: number }>(
      `WITH c AS MATERIALIZED (SELECT ${sum('ready')} AS ready, ${sum('waiting')} AS waiting,
         (SELECT count(*) FROM executions e WHERE e.status = 'running' AND EXISTS (
            SELECT 1 FROM tasks r WHERE r.id = e.task_id AND ${readyCondition('r.')}${and})) AS running)
       SELECT c.ready, c.waiting, c.running, ${this.dialect.taskColumns} FROM c
       LEFT JOIN tasks t ON t.id = CASE WHEN c.ready > c.running THEN (
         SELECT r.id FROM tasks r ${index} WHERE ${readyCondition('r.')} AND ${NOT_RUNNING('r')}${and}
         ORDER BY ${READY_ORDER} LIMIT 1${lock ? this.dialect.skipLocked : ''}) END`,
      params,
    );
    const { ready, waiting, running, ...task } = row!;
    return {
      task: task.id === null ? null : this.map.task(task),
      ready: Number(ready) - Number(running),
      waiting: Number(waiting),
    };
  }

  /** Direct subtasks, oldest first. */
  async children(x: Executor, parentId: string, page: PageRequest): Promise<Page<TaskSummary>> {
    const total = (await x.value<number>('SELECT count(*) FROM tasks WHERE parent_id = $1', [parentId])) ?? 0;
    const rows = await x.rows<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM tasks t WHERE t.parent_id = $1 AND t.seq > $2 ORDER BY t.seq LIMIT $3`,
      [parentId, decodeCursor(page.cursor) ?? 0, page.limit + 1],
    );
    return keysetPage(rows, page.limit, total, (pageRows) => pageRows.map((row) => this.map.summary(row)));
  }

  /** How many subtasks each of `parentIds` has in `projects` (a project-limited token's child counts). */
  async countChildren(
    x: Executor,
    parentIds: readonly string[],
    projects: readonly string[],
  ): Promise<Map<string, number>> {
    const rows = await x.rows<{ parent_id: string; n: number }>(
      `SELECT parent_id, count(*) AS n FROM tasks
       WHERE parent_id ${this.dialect.idIn('$1')} AND ${this.inProjects('')('$2')} GROUP BY parent_id`,
      [this.dialect.encodeIds(parentIds), this.dialect.encodeIds(projects)],
    );
    return new Map(rows.map((row) => [row.parent_id, Number(row.n)]));
  }

  async update(
    x: Executor,
    id: string,
    changes: TaskChanges,
    options: TaskUpdateOptions = {},
  ): Promise<Task> {
    if (changes.parent_id || changes.depends_on) await this.dialect.lockTaskGraph(x);
    await lockVersion(x, this.dialect, 'task', id, options);
    if (changes.parent_id) await this.refuseParentCycle(x, id, changes.parent_id);
    if (changes.depends_on) await this.refuseDependencyCycle(x, id, changes.depends_on);

    const { sql, params } = assignments(this.dialect, id, changes, TASK_UPDATABLE);
    await x.run(`UPDATE tasks SET ${sql} WHERE id = $1`, params);
    if (changes.tags) await this.dialect.replaceTaskTags(x, id, changes.tags);
    if (changes.depends_on) {
      await x.run('DELETE FROM task_dependencies WHERE task_id = $1', [id]);
      await this.addDependencies(x, id, changes.depends_on);
    }
    if (options.closeExecution) {
      const { status, finished_at, notes } = options.closeExecution;
      await x.run(
        `UPDATE executions SET status = $1, finished_at = $2, notes = coalesce($3, notes)
         WHERE task_id = $4 AND status = 'running'`,
        [status, finished_at, notes, id],
      );
    }
    return (await this.get(x, id))!;
  }

  /**
   * Each write in its own savepoint: a refused one (not found, version conflict, cycle) is undone alone and
   * reported, the others stay. A database failure (deadlock, lost connection) still fails the whole call.
   */
  async updateEach(x: Executor, writes: readonly TaskWrite[]): Promise<TaskWriteOutcome[]> {
    const outcomes: TaskWriteOutcome[] = [];
    for (const { id, changes, options } of writes) {
      await x.run('SAVEPOINT bindery_item');
      try {
        const task = await this.update(x, id, changes, options);
        outcomes.push({ ok: true, version: task.version, status: task.status });
      } catch (error) {
        if (!(error instanceof BinderyError)) throw error;
        await x.run('ROLLBACK TO SAVEPOINT bindery_item');
        outcomes.push({ ok: false, error: batchItemError(error) });
      }
      await x.run('RELEASE SAVEPOINT bindery_item');
    }
    return outcomes;
  }

  /** Dependencies of a task; every task they name must exist. */
  async addDependencies(x: Executor, id: string, dependsOn: readonly string[]): Promise<void> {
    if (dependsOn.length === 0) return;
    // `WHERE true`: without it SQLite would read ON CONFLICT as the join condition of the SELECT.
    await x.run(
      `INSERT INTO task_dependencies (task_id, depends_on_id)
       SELECT $1, d.id FROM (${this.dialect.idRows('$2')}) AS d WHERE true ON CONFLICT DO NOTHING`,
      [id, this.dialect.encodeIds(dependsOn)],
    );
  }

  /** Deletes the task and its subtree; returns how many tasks were removed. */
  async deleteTree(x: Executor, id: string, projects?: readonly string[]): Promise<number> {
    // Overlapping subtree deletes (a parent and its child at once) cascade through the same rows in
    // opposite orders and deadlock again on every retry: they take the graph lock, one at a time.
    await this.dialect.lockTaskGraph(x);
    // A project-limited token deletes inside its projects only: another project's subtask (or one without a
    // project) loses its parent instead, as a deleted project's tasks lose their project.
    if (projects) {
      const mine = this.inProjects('');
      await x.run(
        `WITH RECURSIVE subtree(id) AS (
           SELECT id FROM tasks WHERE id = $1
           UNION ALL SELECT t.id FROM tasks t JOIN subtree s ON t.parent_id = s.id WHERE ${this.inProjects('t.')('$2')})
         UPDATE tasks SET parent_id = NULL
         WHERE parent_id IN (SELECT id FROM subtree) AND (project_id IS NULL OR NOT ${mine('$2')})`,
        [id, this.dialect.encodeIds(projects)],
      );
    }
    const count = (await x.value<number>(this.dialect.countSubtree, [id])) ?? 0;
    // ON DELETE CASCADE removes the subtree, its dependencies and executions (and tag rows where kept).
    if (count > 0) await x.run('DELETE FROM tasks WHERE id = $1', [id]);
    return count;
  }

  /** Opens an execution; refuses while another runs unless `force`, which cancels the running one. */
  async claimExecution(
    x: Executor,
    taskId: string,
    claim: ExecutionClaim,
    guard: WriteGuard = {},
  ): Promise<{ task: Task; execution: Execution; cancelled: Execution | null }> {
    // The task's row lock orders concurrent claims, on this server or another one.
    const locked = await x.value<number>(`SELECT 1 FROM tasks WHERE id = $1${this.dialect.forNoKeyUpdate}`, [
      taskId,
    ]);
    if (locked === undefined) throw BinderyError.notFound('task', taskId);
    const running = await x.row<Execution>(
      `SELECT ${EXECUTION_COLUMNS} FROM executions WHERE task_id = $1 AND status = 'running'`,
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
      await x.run(`UPDATE executions SET status = 'cancelled', finished_at = $1 WHERE id = $2`, [
        now,
        running.id,
      ]);
    }
    const task = await this.update(x, taskId, claim.taskChanges, guard);
    await this.insertExecutions(x, [{ ...claim.execution, task_id: taskId }]);
    return {
      task,
      execution: claim.execution,
      cancelled: running ? { ...running, status: 'cancelled', finished_at: now } : null,
    };
  }

  /** Executions as started or imported (an imported one has no lease: the export format carries none). */
  async insertExecutions(x: Executor, executions: readonly (Execution | ExecutionRecord)[]): Promise<void> {
    for (const execution of executions) {
      const { id, task_id, role, status, started_at, finished_at, notes } = execution;
      const lease = 'lease_expires_at' in execution ? execution.lease_expires_at : null;
      await x.run(`INSERT INTO executions (${EXECUTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        id,
        task_id,
        role,
        status,
        started_at,
        finished_at,
        notes,
        lease,
      ]);
    }
  }

  private async refuseParentCycle(x: Executor, id: string, newParent: string): Promise<void> {
    const cycle =
      newParent === id ||
      (await x.value(
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

  private async refuseDependencyCycle(x: Executor, id: string, dependsOn: readonly string[]): Promise<void> {
    const cycle =
      dependsOn.includes(id) ||
      (await x.value(
        `WITH RECURSIVE reach(id) AS (
           ${this.dialect.idRows('$1')}
           UNION SELECT d.depends_on_id FROM task_dependencies d JOIN reach r ON d.task_id = r.id)
         SELECT 1 FROM reach WHERE id = $2`,
        [this.dialect.encodeIds(dependsOn), id],
      )) !== undefined;
    if (cycle) {
      throw BinderyError.conflict(`Task ${id} would depend on itself through depends_on.`, [
        { field: 'depends_on', reason: 'would create a dependency cycle' },
      ]);
    }
  }
}

/** `IN ($n, $n+1, …)` over the values, appended to the statement's parameters. */
function inList(values: readonly unknown[], params: unknown[]): string {
  const marks = values.map((value) => {
    params.push(value);
    return `$${params.length}`;
  });
  return `IN (${marks.join(', ')})`;
}

import { TASK_PRIORITIES, TASK_STATUSES, type TaskSummary } from '../../contract/index.js';
import type { DashboardCounts } from '../types.js';
import type { SqliteDatabase } from './database.js';
import { OPEN_STATUS_SQL, type SqliteTasks } from './tasks.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Dashboard numbers from the trigger-kept `task_group_counts` table and index range counts. */
export function dashboardCounts(db: SqliteDatabase, tasks: SqliteTasks, now: Date): DashboardCounts {
  const status_breakdown = zeroes(TASK_STATUSES);
  const priority_breakdown = zeroes(TASK_PRIORITIES);
  const pending_tasks_by_priority = zeroes(TASK_PRIORITIES);
  const counts = db
    .stmt(
      // Not `AS n`: in HAVING a table column wins over an alias, so `n` would be one row's count, not the sum.
      'SELECT status, priority, sum(n) AS total FROM task_group_counts GROUP BY status, priority HAVING total > 0',
    )
    .all() as {
    status: keyof typeof status_breakdown;
    priority: keyof typeof priority_breakdown;
    total: number;
  }[];
  for (const { status, priority, total: n } of counts) {
    status_breakdown[status] += n;
    priority_breakdown[priority] += n;
    if (status !== 'done' && status !== 'cancelled') pending_tasks_by_priority[priority] += n;
  }
  const total_tasks = Object.values(status_breakdown).reduce((a, b) => a + b, 0);
  const iso = now.toISOString();
  const count = (sql: string, ...params: unknown[]) =>
    db
      .stmt(sql)
      .pluck()
      .get(...params) as number;
  const recentIds = db.stmt('SELECT id FROM tasks ORDER BY seq DESC LIMIT 5').pluck().all() as string[];
  return {
    total_tasks,
    completed_tasks: status_breakdown.done,
    active_projects: count(
      `SELECT count(*) FROM projects p WHERE EXISTS (
         SELECT 1 FROM tasks t WHERE t.project_id = p.id AND t.status IN ${OPEN_STATUS_SQL})`,
    ),
    pending_tasks_by_priority,
    recent_activity_count: count('SELECT count(*) FROM tasks WHERE updated_at >= ?', iso24hAgo(now)),
    status_breakdown,
    priority_breakdown,
    overdue_tasks: count(
      `SELECT count(*) FROM tasks INDEXED BY tasks_open_due WHERE due_at IS NOT NULL AND status IN ${OPEN_STATUS_SQL} AND due_at < ?`,
      iso,
    ),
    upcoming_tasks: count(
      `SELECT count(*) FROM tasks INDEXED BY tasks_open_due WHERE due_at IS NOT NULL AND status IN ${OPEN_STATUS_SQL} AND due_at >= ? AND due_at < ?`,
      iso,
      new Date(now.getTime() + 7 * DAY_MS).toISOString(),
    ),
    recent_tasks: sortLike(tasks.summaries(recentIds), recentIds),
    total_projects: count('SELECT count(*) FROM projects'),
    total_notes: count('SELECT count(*) FROM notes'),
    total_documents: count('SELECT count(*) FROM documents'),
  };
}

function iso24hAgo(now: Date): string {
  return new Date(now.getTime() - DAY_MS).toISOString();
}

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

function sortLike(items: TaskSummary[], ids: readonly string[]): TaskSummary[] {
  const byId = new Map(items.map((item) => [item.id, item]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

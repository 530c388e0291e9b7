import { TASK_PRIORITIES, TASK_STATUSES } from '../../contract/index.js';
import type { DashboardCounts } from '../types.js';
import type { PgSession } from './database.js';
import { OPEN_STATUS_SQL } from './migrations.js';
import { pgTasks } from './tasks.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Dashboard numbers from plain indexed counts in one snapshot. Unlike SQLite there is no trigger-kept
 * counter table: with several servers writing, one counter row would serialise every task write.
 */
export async function dashboardCounts(s: PgSession, now: Date): Promise<DashboardCounts> {
  const status_breakdown = zeroes(TASK_STATUSES);
  const priority_breakdown = zeroes(TASK_PRIORITIES);
  const pending_tasks_by_priority = zeroes(TASK_PRIORITIES);
  const groups = await s.rows<{
    status: keyof typeof status_breakdown;
    priority: keyof typeof priority_breakdown;
    n: number;
  }>('SELECT status, priority, count(*)::int AS n FROM tasks GROUP BY status, priority');
  for (const { status, priority, n } of groups) {
    status_breakdown[status] += n;
    priority_breakdown[priority] += n;
    if (status !== 'done' && status !== 'cancelled') pending_tasks_by_priority[priority] += n;
  }
  const counts = (await s.row<{
    active_projects: number;
    recent_activity_count: number;
    overdue_tasks: number;
    upcoming_tasks: number;
    total_projects: number;
    total_notes: number;
    total_documents: number;
  }>(
    `SELECT
       (SELECT count(*) FROM projects p WHERE EXISTS (
          SELECT 1 FROM tasks t WHERE t.project_id = p.id AND t.status IN ${OPEN_STATUS_SQL}))::int
         AS active_projects,
       (SELECT count(*) FROM tasks WHERE updated_at >= $1)::int AS recent_activity_count,
       (SELECT count(*) FROM tasks WHERE due_at IS NOT NULL AND status IN ${OPEN_STATUS_SQL}
          AND due_at < $2)::int AS overdue_tasks,
       (SELECT count(*) FROM tasks WHERE due_at IS NOT NULL AND status IN ${OPEN_STATUS_SQL}
          AND due_at >= $2 AND due_at < $3)::int AS upcoming_tasks,
       (SELECT count(*) FROM projects)::int AS total_projects,
       (SELECT count(*) FROM notes)::int AS total_notes,
       (SELECT count(*) FROM documents)::int AS total_documents`,
    [
      new Date(now.getTime() - DAY_MS).toISOString(),
      now.toISOString(),
      new Date(now.getTime() + 7 * DAY_MS).toISOString(),
    ],
  ))!;
  const recentIds = (await s.rows<{ id: string }>('SELECT id FROM tasks ORDER BY seq DESC LIMIT 5')).map(
    (r) => r.id,
  );
  const recent = await pgTasks.summaries(s, recentIds);
  return {
    total_tasks: Object.values(status_breakdown).reduce((a, b) => a + b, 0),
    completed_tasks: status_breakdown.done,
    active_projects: counts.active_projects,
    pending_tasks_by_priority,
    recent_activity_count: counts.recent_activity_count,
    status_breakdown,
    priority_breakdown,
    overdue_tasks: counts.overdue_tasks,
    upcoming_tasks: counts.upcoming_tasks,
    recent_tasks: recentIds.flatMap((id) => recent.find((t) => t.id === id) ?? []),
    total_projects: counts.total_projects,
    total_notes: counts.total_notes,
    total_documents: counts.total_documents,
  };
}

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

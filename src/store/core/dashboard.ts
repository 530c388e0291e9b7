import { TASK_PRIORITIES, TASK_STATUSES, type TaskSummary } from '../../contract/index.js';
import type { DashboardCounts } from '../types.js';
import type { Dialect, Executor } from './dialect.js';
import { OPEN_STATUS_SQL } from './sql.js';
import type { TaskCore } from './tasks.js';

const DAY_MS = 24 * 60 * 60 * 1000;

type Status = (typeof TASK_STATUSES)[number];
type Priority = (typeof TASK_PRIORITIES)[number];

interface Counts {
  active_projects: number;
  recent_activity_count: number;
  overdue_tasks: number;
  upcoming_tasks: number;
  total_projects: number;
  total_notes: number;
  total_documents: number;
}

/** Dashboard numbers from indexed counts, read in the caller's snapshot. */
export class DashboardCore {
  constructor(
    private readonly dialect: Dialect,
    private readonly tasks: TaskCore,
  ) {}

  /** `projects`: count only these projects' entities (a project-limited token's dashboard). */
  async counts(x: Executor, now: Date, projects?: readonly string[]): Promise<DashboardCounts> {
    const status_breakdown = zeroes(TASK_STATUSES);
    const priority_breakdown = zeroes(TASK_PRIORITIES);
    const pending_tasks_by_priority = zeroes(TASK_PRIORITIES);
    // The project list is bound as the last parameter of each statement that needs it.
    const within = (column: string, param: string) =>
      projects ? ` AND ${column} ${this.dialect.idIn(param)}` : '';
    const ids = projects ? [this.dialect.encodeIds(projects)] : [];
    const groups = await x.rows<{ status: Status; priority: Priority; n: number }>(
      projects
        ? `SELECT status, priority, count(*) AS n FROM tasks WHERE 1 = 1${within('project_id', '$1')} GROUP BY status, priority`
        : this.dialect.taskGroups,
      ids,
    );
    for (const { status, priority, n } of groups) {
      status_breakdown[status] += n;
      priority_breakdown[priority] += n;
      if (status !== 'done' && status !== 'cancelled') pending_tasks_by_priority[priority] += n;
    }
    const openDue = `FROM tasks ${this.dialect.openDueIndex} WHERE due_at IS NOT NULL AND status IN ${OPEN_STATUS_SQL}`;
    const counts = (await x.row<Counts>(
      `SELECT
         (SELECT count(*) FROM projects p WHERE EXISTS (
            SELECT 1 FROM tasks t WHERE t.project_id = p.id AND t.status IN ${OPEN_STATUS_SQL})${within('p.id', '$4')}) AS active_projects,
         (SELECT count(*) FROM tasks WHERE updated_at >= $1${within('project_id', '$4')}) AS recent_activity_count,
         (SELECT count(*) ${openDue} AND due_at < $2${within('project_id', '$4')}) AS overdue_tasks,
         (SELECT count(*) ${openDue} AND due_at >= $2 AND due_at < $3${within('project_id', '$4')}) AS upcoming_tasks,
         (SELECT count(*) FROM projects WHERE 1 = 1${within('id', '$4')}) AS total_projects,
         (SELECT count(*) FROM notes WHERE 1 = 1${within('project_id', '$4')}) AS total_notes,
         (SELECT count(*) FROM documents WHERE 1 = 1${within('project_id', '$4')}) AS total_documents`,
      [
        new Date(now.getTime() - DAY_MS).toISOString(),
        now.toISOString(),
        new Date(now.getTime() + 7 * DAY_MS).toISOString(),
        ...ids,
      ],
    ))!;
    const recentIds = (
      await x.rows<{ id: string }>(
        `SELECT id FROM tasks WHERE 1 = 1${within('project_id', '$1')} ORDER BY seq DESC LIMIT 5`,
        ids,
      )
    ).map((r) => r.id);
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
      recent_tasks: sortLike(await this.tasks.summaries(x, recentIds), recentIds),
      total_projects: counts.total_projects,
      total_notes: counts.total_notes,
      total_documents: counts.total_documents,
    };
  }
}

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

function sortLike(items: TaskSummary[], ids: readonly string[]): TaskSummary[] {
  const byId = new Map(items.map((item) => [item.id, item]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

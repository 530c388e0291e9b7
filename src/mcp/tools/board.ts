import { z } from 'zod';
import {
  type BinderyApi,
  canonicalPriority,
  Id,
  isBinderyError,
  TASK_STATUSES,
  type Task,
  TaskPriorityInput,
  TaskStatusSchema,
  Timestamp,
} from '../../contract/index.js';
import { BOARD_TOOL_META } from '../board-meta.js';
import { defineTool, READ } from './define.js';

/** Tasks per list_tasks page while the summary is gathered (the most a page holds). */
const PAGE = 500;
/** Running and blocked tasks named in the summary; the totals say how many there are. */
const NAMED = 20;

/** The board's own filters (web/src/model.ts), the project by id. */
const BoardFilters = {
  project_id: Id.optional(),
  priority: TaskPriorityInput.optional(),
  role: z.string().max(100).optional(),
  tag: z.string().max(100).optional(),
  q: z.string().max(200).optional().describe('Text in title or description.'),
  cancelled: z.boolean().optional().describe('Show the cancelled column.'),
};

const BoardSummary = z.strictObject({
  filters: z.strictObject(BoardFilters),
  project: z.strictObject({ id: Id, name: z.string() }).nullable(),
  total: z.number().int(),
  counts: z.strictObject(
    Object.fromEntries(TASK_STATUSES.map((status) => [status, z.number().int()])) as Record<
      (typeof TASK_STATUSES)[number],
      z.ZodNumber
    >,
  ),
  running_total: z.number().int(),
  running: z.array(
    z.strictObject({
      task_id: Id,
      title: z.string(),
      role: z.string(),
      started_at: Timestamp,
      lease_expires_at: Timestamp.nullable(),
    }),
  ),
  blocked_total: z.number().int(),
  blocked: z.array(
    z.strictObject({
      task_id: Id,
      title: z.string(),
      status: TaskStatusSchema,
      /** Dependencies not yet done or cancelled. */
      waiting_on: z.number().int(),
    }),
  ),
});
type BoardSummary = z.output<typeof BoardSummary>;
type Filters = z.output<z.ZodObject<typeof BoardFilters>>;

const finished = (status: string | undefined) => status === 'done' || status === 'cancelled';

/** Every task the filters select, as the board shows them (the text filter applied here, as the board does). */
async function boardTasks(api: BinderyApi, filters: Filters): Promise<Task[]> {
  const { q, cancelled: _shown, ...listed } = filters;
  const tasks: Task[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.list_tasks({ ...listed, detail: 'full', limit: PAGE, cursor });
    tasks.push(...(page.items as Task[]));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  if (!q) return tasks;
  const text = q.toLowerCase();
  return tasks.filter(
    (t) => t.title.toLowerCase().includes(text) || t.description.toLowerCase().includes(text),
  );
}

/** The status of every dependency of `tasks`; one outside the selection is read, one gone blocks nothing. */
async function dependencyStatuses(api: BinderyApi, tasks: Task[]): Promise<Map<string, string>> {
  const statuses = new Map(tasks.map((t) => [t.id, t.status as string]));
  const missing = [...new Set(tasks.flatMap((t) => t.depends_on))].filter((id) => !statuses.has(id));
  await Promise.all(
    missing.map((task_id) =>
      api.get_task({ task_id }).then(
        (task) => statuses.set(task_id, task.status),
        (error: unknown) => {
          if (!isBinderyError(error) || error.code !== 'not_found') throw error;
        },
      ),
    ),
  );
  return statuses;
}

async function summarize(api: BinderyApi, raw: Filters): Promise<BoardSummary> {
  const filters = { ...raw, ...(raw.priority ? { priority: canonicalPriority(raw.priority) } : {}) };
  const [tasks, project] = await Promise.all([
    boardTasks(api, filters),
    filters.project_id ? api.get_project({ project_id: filters.project_id }) : null,
  ]);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as BoardSummary['counts'];
  for (const task of tasks) counts[task.status]++;

  const running: BoardSummary['running'] = [];
  let cursor: string | undefined;
  do {
    const page = await api.list_executions({ status: 'running', limit: PAGE, cursor });
    for (const e of page.items) {
      const task = byId.get(e.task_id);
      if (task)
        running.push({
          task_id: task.id,
          title: task.title,
          role: e.role,
          started_at: e.started_at,
          lease_expires_at: e.lease_expires_at,
        });
    }
    cursor = page.next_cursor ?? undefined;
  } while (cursor);

  const statuses = await dependencyStatuses(api, tasks);
  const blocked = tasks
    .filter((t) => !finished(t.status))
    .map((t) => ({
      task_id: t.id,
      title: t.title,
      status: t.status,
      waiting_on: t.depends_on.filter((id) => statuses.has(id) && !finished(statuses.get(id))).length,
    }))
    .filter((t) => t.status === 'blocked' || t.waiting_on > 0);
  return {
    filters,
    project: project ? { id: project.id, name: project.name } : null,
    total: tasks.length,
    counts,
    running_total: running.length,
    running: running.slice(0, NAMED),
    blocked_total: blocked.length,
    blocked: blocked.slice(0, NAMED),
  };
}

const LABELS: Record<string, string> = { todo: 'to do' };
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const more = (shown: number, total: number) => (total > shown ? `; and ${total - shown} more` : '');

/** What a host without MCP Apps shows, and what a model reads: counts by status, what runs, what is blocked. */
function boardText(summary: BoardSummary): string {
  const { filters, project } = summary;
  const scope = [
    project ? `project "${project.name}"` : 'all projects',
    ...(['priority', 'role', 'tag'] as const).flatMap((key) =>
      filters[key] ? [`${key} ${filters[key]}`] : [],
    ),
    ...(filters.q ? [`text "${filters.q}"`] : []),
  ].join(', ');
  const counts = TASK_STATUSES.map((s) => `${LABELS[s] ?? s} ${summary.counts[s]}`).join(', ');
  const running = summary.running.map(
    (r) => `"${r.title}" as ${r.role}${r.lease_expires_at ? ` (lease until ${r.lease_expires_at})` : ''}`,
  );
  const blocked = summary.blocked.map(
    (b) =>
      `"${b.title}" (${b.waiting_on > 0 ? `waits on ${plural(b.waiting_on, 'task')}` : 'status blocked'})`,
  );
  return [
    `Board, ${scope}: ${plural(summary.total, 'task')}.`,
    `By status: ${counts}.`,
    `Running (${summary.running_total}): ${running.length ? running.join('; ') : 'nothing'}${more(running.length, summary.running_total)}.`,
    `Blocked (${summary.blocked_total}): ${blocked.length ? blocked.join('; ') : 'nothing'}${more(blocked.length, summary.blocked_total)}.`,
  ].join('\n');
}

export const boardTools = [
  defineTool({
    name: 'show_board',
    description:
      'Show the task board to the person: live in hosts with MCP Apps, else a summary (counts by status, running, blocked).',
    params: BoardFilters,
    output: BoardSummary,
    annotations: READ,
    meta: BOARD_TOOL_META,
    text: boardText,
    run: (args, { api }) => summarize(api, args),
  }),
];

import { z } from 'zod';
import { TASK_PRIORITIES, TASK_STATUSES, TaskSummary } from './task.js';

const countsBy = <T extends readonly [string, ...string[]]>(keys: T) =>
  z.strictObject(
    Object.fromEntries(keys.map((k) => [k, z.number().int()])) as Record<T[number], z.ZodNumber>,
  );

export const Dashboard = z.strictObject({
  total_tasks: z.number().int(),
  completed_tasks: z.number().int(),
  open_tasks: z
    .number()
    .int()
    .describe('Tasks in todo, doing, review or blocked (list_tasks status "open").'),
  active_projects: z.number().int().describe('Projects with at least one open task.'),
  pending_tasks_by_priority: countsBy(TASK_PRIORITIES),
  recent_activity_count: z.number().int().describe('Tasks changed in the last 24 h.'),
  status_breakdown: countsBy(TASK_STATUSES),
  priority_breakdown: countsBy(TASK_PRIORITIES),
  completion_rate: z.number().describe('Percent of tasks that are done.'),
  overdue_tasks: z.number().int(),
  upcoming_tasks: z.number().int().describe('Open tasks due in the next 7 days.'),
  recent_tasks: z.array(TaskSummary).describe('The 5 newest tasks.'),
  total_projects: z.number().int(),
  total_notes: z.number().int(),
  total_documents: z.number().int(),
});
export type Dashboard = z.infer<typeof Dashboard>;

import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { TaskPrioritySchema, TaskStatusSchema } from './task.js';

/** Most tasks one plan may hold (the same bound as one create_task tree). */
export const MAX_PLAN_ITEMS = 5_000;
/** Longest plan text accepted, in characters. */
export const MAX_PLAN_CHARS = 1_000_000;

export const ImportPlanInput = z.strictObject({
  markdown: z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_PLAN_CHARS, `must be at most ${MAX_PLAN_CHARS} characters`)
    .describe('The plan: headings and checklist items (docs/plans.md).'),
  project_id: Id.optional().describe('Project of every task created.'),
  parent_id: Id.optional().describe('Existing task the plan’s top-level tasks go under.'),
  dry_run: z.boolean().optional().describe('true: answer the tree without writing it.'),
});

/** One task of a parsed plan, with its subtasks. */
export const PlanNode = z.strictObject({
  /** Its number in the plan (`after:<n>` refers to it), from 1 in reading order. */
  item: z.number().int().min(1),
  line: z.number().int().min(1),
  /** The task's id once written; null in a dry run. */
  id: Id.nullable(),
  title: z.string(),
  description: z.string(),
  status: TaskStatusSchema,
  priority: TaskPrioritySchema,
  tags: z.array(z.string()),
  role: z.string().nullable(),
  due_at: Timestamp.nullable(),
  /** Item numbers of the tasks this one waits for. */
  after: z.array(z.number().int().min(1)),
  get subtasks(): z.ZodArray<typeof PlanNode> {
    return z.array(PlanNode);
  },
});
export type PlanNode = z.infer<typeof PlanNode>;

export const ImportPlanResult = z.strictObject({
  dry_run: z.boolean(),
  /** How many tasks were (or would be) created. */
  task_count: z.number().int().min(0),
  tasks: z.array(PlanNode),
});

export const ExportPlanInput = z.strictObject({
  project_id: Id.optional().describe('Export every task of this project.'),
  task_id: Id.optional().describe('Export this task and its subtasks.'),
});

export const ExportPlanResult = z.strictObject({
  markdown: z.string(),
  task_count: z.number().int().min(0),
});

import { z } from 'zod';
import {
  Description,
  ExpectedVersion,
  Id,
  Labels,
  PageParams,
  pageOf,
  Tags,
  Timestamp,
  TimestampInput,
  Title,
} from './common.js';

export const TASK_STATUSES = ['todo', 'doing', 'review', 'done', 'blocked', 'cancelled'] as const;
export const TASK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** Input aliases (docs/design.md, "Values with aliases"); output is always canonical. */
export const STATUS_ALIASES = {
  pending: 'todo',
  in_progress: 'doing',
  completed: 'done',
  canceled: 'cancelled',
} as const satisfies Record<string, TaskStatus>;
export const PRIORITY_ALIASES = { medium: 'normal', critical: 'urgent' } as const satisfies Record<
  string,
  TaskPriority
>;

/** Statuses that still need work: they count as open for projects, the dashboard and overdue checks. */
export const OPEN_STATUSES: readonly TaskStatus[] = ['todo', 'doing', 'review', 'blocked'];

/** Deepest subtask level one create call may carry (the root is level 0). */
export const MAX_SUBTASK_DEPTH = 10;

export const TaskStatusSchema = z.enum(TASK_STATUSES);
export const TaskPrioritySchema = z.enum(TASK_PRIORITIES);
export const TaskStatusInput = z.enum([
  ...TASK_STATUSES,
  ...(Object.keys(STATUS_ALIASES) as (keyof typeof STATUS_ALIASES)[]),
]);
export const TaskPriorityInput = z.enum([
  ...TASK_PRIORITIES,
  ...(Object.keys(PRIORITY_ALIASES) as (keyof typeof PRIORITY_ALIASES)[]),
]);

export function canonicalStatus(value: z.infer<typeof TaskStatusInput>): TaskStatus {
  return value in STATUS_ALIASES
    ? STATUS_ALIASES[value as keyof typeof STATUS_ALIASES]
    : (value as TaskStatus);
}

export function canonicalPriority(value: z.infer<typeof TaskPriorityInput>): TaskPriority {
  return value in PRIORITY_ALIASES
    ? PRIORITY_ALIASES[value as keyof typeof PRIORITY_ALIASES]
    : (value as TaskPriority);
}

export const RoleName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a role name (letters, digits, _ . -)');

/** A role name parameter (`role_name`; `role`, its REST name before 0.2, is still accepted: docs/http-api.md). */
export const RoleNameParam = RoleName.describe('From list_roles.');

export const Task = z.strictObject({
  id: Id,
  title: z.string(),
  description: z.string(),
  status: TaskStatusSchema,
  priority: TaskPrioritySchema,
  tags: z.array(z.string()),
  labels: z.record(z.string(), z.json()),
  parent_id: Id.nullable(),
  project_id: Id.nullable(),
  role: z.string().nullable(),
  children: z.array(Id).describe('Ids of direct subtasks, oldest first.'),
  depends_on: z.array(Id),
  /** Ids of dependencies not yet done or cancelled. */
  blocked_by: z.array(Id),
  due_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
  completed_at: Timestamp.nullable(),
  completion_notes: z.string().nullable(),
  version: z.number().int(),
  /** Who made the last change (the actor of its change-log row). */
  updated_by: z.string(),
});
export type Task = z.infer<typeof Task>;

export const TaskSummary = z.strictObject({
  id: Id,
  title: z.string(),
  status: TaskStatusSchema,
  priority: TaskPrioritySchema,
  project_id: Id.nullable(),
  parent_id: Id.nullable(),
  role: z.string().nullable(),
  due_at: Timestamp.nullable(),
  updated_at: Timestamp,
  child_count: z.number().int(),
});
export type TaskSummary = z.infer<typeof TaskSummary>;

/**
 * A task as created, with nested `subtasks` of the same shape (depth checked by the service). The fields
 * are written inline because TypeScript cannot infer a recursive getter next to a spread.
 */
export const SubtaskInput = z.strictObject({
  title: Title,
  description: Description.optional(),
  status: TaskStatusInput.optional(),
  priority: TaskPriorityInput.optional(),
  tags: Tags.optional(),
  labels: Labels.optional(),
  project_id: Id.nullable().optional(),
  role: RoleName.nullable().optional(),
  depends_on: z.array(Id).max(100).optional(),
  due_at: TimestampInput.nullable().optional(),
  completion_notes: Description.nullable().optional(),
  get subtasks(): z.ZodOptional<z.ZodArray<typeof SubtaskInput>> {
    return z.array(SubtaskInput).max(1000).optional();
  },
});
export type SubtaskInput = z.infer<typeof SubtaskInput>;

export const CreateTaskInput = SubtaskInput.extend({
  parent_id: Id.nullable().optional(),
});

/** Every field of the task input can be changed; `expected_version` guards against blind overwrites. */
export const TaskUpdate = CreateTaskInput.omit({ subtasks: true })
  .partial()
  .extend({ expected_version: ExpectedVersion.optional() });

export const TaskIdParams = z.strictObject({ task_id: Id });

export const UpdateTaskInput = TaskUpdate.extend({ task_id: Id });

export const ListTasksInput = z.strictObject({
  status: z
    .enum([...TaskStatusInput.options, 'open'])
    .optional()
    .describe('A status, or "open" for todo, doing, review and blocked.'),
  priority: TaskPriorityInput.optional(),
  project_id: Id.optional(),
  parent_id: z
    .union([Id, z.literal('root')])
    .optional()
    .describe('A task id, or "root" for top-level tasks.'),
  tag: z.string().max(100).optional(),
  role: z.string().max(100).optional(),
  ready: z.boolean().optional(),
  detail: z.enum(['summary', 'full']).optional().describe('summary (default) or full tasks.'),
  ...PageParams,
});

export const TaskPage = pageOf(z.union([TaskSummary, Task]));

export const ListChildrenInput = z.strictObject({ task_id: Id, ...PageParams });
export const TaskSummaryPage = pageOf(TaskSummary);

export const DeleteTaskResult = z.strictObject({
  success: z.literal(true),
  task_id: Id,
  deleted_count: z.number().int(),
});

export const CompleteTaskInput = z.strictObject({
  task_id: Id,
  completion_notes: Description.optional(),
  expected_version: ExpectedVersion.optional(),
});

export const AssignRoleInput = z.strictObject({
  task_id: Id,
  role_name: RoleNameParam,
});

export const AssignRoleResult = z.strictObject({
  success: z.literal(true),
  task_id: Id,
  role_assigned: z.string(),
  task: Task,
});

export const CompleteTaskResult = z.strictObject({
  success: z.literal(true),
  task: Task,
  completion_notes: z.string().nullable(),
});

import { z } from 'zod';
import { Id, PageParams, pageOf, Timestamp } from './common.js';
import { EXECUTION_STATUSES, ExecuteTaskResult, Execution, LeaseSeconds } from './role.js';
import { RoleNameParam, Task } from './task.js';

/** `next_task`: the best ready task for the caller, optionally claimed in the same transaction. */
export const NextTaskInput = z.strictObject({
  project_id: Id.optional(),
  role: z.string().max(100).optional(),
  tag: z.string().max(100).optional(),
  claim: z.boolean().optional(),
  role_name: RoleNameParam.optional(),
  lease_s: LeaseSeconds.optional(),
});

export const NextTaskResult = z.strictObject({
  task: Task.nullable(),
  /** Why this one: its priority, due date and finished dependencies, in one line. */
  reason: z.string().nullable(),
  /** Other ready tasks matching the filters. */
  ready_count: z.number().int().min(0),
  /** Open tasks (todo) that wait on a dependency or a subtask; only when no task is ready. */
  waiting_count: z.number().int().min(0).optional(),
  /** With claim: the execution brief, as execute_task answers it. */
  execution: ExecuteTaskResult.optional(),
});

export const HeartbeatInput = z.strictObject({
  execution_id: Execution.shape.id,
  lease_s: LeaseSeconds.optional(),
});

export const HeartbeatResult = z.strictObject({
  success: z.literal(true),
  execution_id: Execution.shape.id,
  lease_expires_at: Timestamp,
});

export const ListExecutionsInput = z.strictObject({
  task_id: Id.optional(),
  status: z.enum(EXECUTION_STATUSES).optional(),
  role: z.string().max(100).optional(),
  ...PageParams,
});

export const ExecutionPage = pageOf(Execution);

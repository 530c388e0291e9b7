import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { RoleName, RoleNameParam, Task, TaskSummary } from './task.js';

export const Role = z.strictObject({
  name: RoleName,
  description: z.string().max(2000),
  capabilities: z.array(z.string().min(1).max(200)).max(100),
  file_patterns: z.array(z.string().min(1).max(500)).max(200).describe('Globs of files the role may touch.'),
  restrictions: z.record(z.string(), z.json()),
  model_context_limit: z.number().int().positive().nullable(),
});
export type Role = z.infer<typeof Role>;

/** `<workspace>/.vespera/roles.json`: `{ "roles": [...] }` (a bare array is read as the roles list). */
export const RolesFile = z.strictObject({ roles: z.array(Role) });

export const RoleList = z.strictObject({
  success: z.literal(true),
  roles: z.array(Role),
  total_roles: z.number().int(),
});

export const EXECUTION_STATUSES = ['running', 'completed', 'cancelled', 'expired'] as const;

/** Lease of a running execution: how long it stays claimed without a heartbeat (docs/coordination.md). */
export const DEFAULT_LEASE_S = 900;
export const LeaseSeconds = z.number().int().min(30).max(86_400);

export const Execution = z.strictObject({
  id: z.string().regex(/^exec_[0-9a-f-]{36}$/),
  task_id: Id,
  role: z.string(),
  status: z.enum(EXECUTION_STATUSES),
  started_at: Timestamp,
  finished_at: Timestamp.nullable(),
  notes: z.string().nullable(),
  /** Until when the claim holds without a heartbeat; null for executions written before leases. */
  lease_expires_at: Timestamp.nullable(),
});
export type Execution = z.infer<typeof Execution>;

export const ExecuteTaskInput = z.strictObject({
  task_id: Id,
  role_name: RoleNameParam,
  force: z.boolean().optional().describe('Cancel a running execution of this task instead of refusing.'),
  lease_s: LeaseSeconds.optional(),
});

/** What an assistant needs to carry a task out: the task, its context and the role's rules. */
export const ExecutionBrief = z.strictObject({
  task: Task,
  subtasks: z.array(TaskSummary),
  dependencies: z.array(TaskSummary),
  role: Role,
  instructions: z.string(),
});

export const ExecuteTaskResult = z.strictObject({
  success: z.literal(true),
  task_id: Id,
  role_assigned: z.string(),
  execution_id: Execution.shape.id,
  lease_expires_at: Timestamp,
  brief: ExecutionBrief,
});

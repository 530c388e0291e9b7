import { z } from 'zod';
import { Description, Id } from './common.js';
import { type BinderyError, ERROR_CODES } from './errors.js';
import { TaskStatusSchema, UpdateTaskInput } from './task.js';

/** Most items one batch call may change: one transaction stays short enough not to hold writers up. */
export const MAX_BATCH_ITEMS = 500;

const Atomic = z
  .boolean()
  .optional()
  .describe('true (default): all or nothing. false: apply the items that can be applied.');

export const UpdateTasksInput = z.strictObject({
  items: z
    .array(UpdateTaskInput)
    .min(1, 'send at least one item')
    .max(MAX_BATCH_ITEMS, `at most ${MAX_BATCH_ITEMS} items per call`)
    .describe('One update_task input per task: task_id, the fields to change, expected_version.'),
  atomic: Atomic,
});

export const CompleteTasksInput = z.strictObject({
  task_ids: z
    .array(Id)
    .min(1, 'send at least one task id')
    .max(MAX_BATCH_ITEMS, `at most ${MAX_BATCH_ITEMS} task ids per call`),
  completion_notes: Description.optional().describe('Notes written on every task.'),
  atomic: Atomic,
});

/** Why one item of a batch failed: what the single-task call would have answered. */
export const BatchItemError = z.strictObject({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  details: z.unknown().optional(),
});
export type BatchItemError = z.infer<typeof BatchItemError>;

/** A thrown error as a batch item's plain-data reason (details only when it has some). */
export function batchItemError({ code, message, details }: BinderyError): BatchItemError {
  return details === undefined ? { code, message } : { code, message, details };
}

export const BatchItemResult = z.strictObject({
  /** Position in `items` / `task_ids`, from 0. */
  index: z.number().int().min(0),
  task_id: Id,
  ok: z.boolean(),
  /** The task's version and status after the change (when ok). */
  version: z.number().int().optional(),
  status: TaskStatusSchema.optional(),
  error: BatchItemError.optional(),
});
export type BatchItemResult = z.infer<typeof BatchItemResult>;

export const BatchResult = z.strictObject({
  atomic: z.boolean(),
  succeeded: z.number().int().min(0),
  failed: z.number().int().min(0),
  results: z.array(BatchItemResult),
});
export type BatchResult = z.infer<typeof BatchResult>;

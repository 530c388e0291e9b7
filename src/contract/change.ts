import { z } from 'zod';
import { Id, PageParams, pageOf, Timestamp } from './common.js';
import { TaskStatusSchema } from './task.js';

/** Kinds of entity the change log records. */
export const CHANGE_ENTITIES = ['task', 'project', 'note', 'document', 'execution', 'token'] as const;
export type ChangeEntity = (typeof CHANGE_ENTITIES)[number];
export const ChangeEntitySchema = z.enum(CHANGE_ENTITIES);
export const CHANGE_OPS = ['created', 'updated', 'deleted'] as const;

/**
 * One row of the change log: one entity changed by one committed write. `seq` is strictly increasing per
 * store, so a reader that remembers the last seq it saw misses nothing and sees nothing twice.
 */
export const Change = z.strictObject({
  seq: z.number().int().min(1),
  at: Timestamp,
  entity: ChangeEntitySchema,
  /** Entity id (`exec_<uuid>` for executions). */
  id: z.string(),
  op: z.enum(CHANGE_OPS),
  /** The entity's version after the change (its last version for a delete); null where it has none. */
  version: z.number().int().nullable(),
  project_id: Id.nullable(),
  /** For tasks: the parent after the change (before it, for a delete). */
  parent_id: Id.nullable(),
  actor: z.string(),
  /** With a named token (then `actor` is its name): what the caller declared itself (X-Bindery-Actor). */
  client: z.string().optional(),
  /** Names of the fields that changed (every field on create and delete is implied: empty). */
  fields: z.array(z.string()),
  /** A task status change: the status before and after. */
  from: TaskStatusSchema.optional(),
  to: TaskStatusSchema.optional(),
});
export type Change = z.infer<typeof Change>;

/** A log position: 0 is "before the first change". Query strings give text, hence the coercion. */
export const ChangeSeq = z.coerce
  .number({ error: 'must be a non-negative integer' })
  .int('must be a non-negative integer')
  .min(0, 'must be a non-negative integer')
  .max(Number.MAX_SAFE_INTEGER, 'must be a non-negative integer');

export const DEFAULT_CHANGES_PAGE = 100;
export const MAX_CHANGES_PAGE = 1000;

/** Filters of the change page and the event stream. */
export const ChangeFilterParams = {
  project_id: Id.optional().describe('Only changes of entities in this project.'),
  entity: ChangeEntitySchema.optional().describe('Only changes of this kind of entity.'),
};

export const ListChangesInput = z.strictObject({
  since: ChangeSeq.optional().describe('The last seq already seen; 0 (default) reads from the start.'),
  limit: z.coerce.number().int().min(1).max(MAX_CHANGES_PAGE).optional(),
  ...ChangeFilterParams,
});

export const ChangePage = z.strictObject({
  items: z.array(Change),
  /** Pass as `since` to read on; equals the newest seq read (or the given since when nothing was new). */
  next_since: z.number().int().min(0),
  /** The position asked for was pruned: drop what was derived from the log, the items start after it. */
  reset: z.boolean(),
});
export type ChangePage = z.infer<typeof ChangePage>;

export const HISTORY_ENTITIES = ['task', 'project', 'note'] as const;

export const GetHistoryInput = z.strictObject({
  entity: z.enum(HISTORY_ENTITIES),
  id: Id,
  ...PageParams,
});
export const HistoryPage = pageOf(Change);

/**
 * Who makes a change: the `X-Bindery-Actor` header (an MCP process sends its client's name), else
 * `anonymous`; `system` for sweeps the server runs by itself.
 */
export const ANONYMOUS_ACTOR = 'anonymous';
export const SYSTEM_ACTOR = 'system';
export const MAX_ACTOR = 100;
export const Actor = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_ACTOR, `must be at most ${MAX_ACTOR} characters`)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

/** Query of the event stream (`GET /api/events`): where to start, and the page's filters. */
export const ChangeStreamQuery = z.strictObject({
  since: ChangeSeq.optional().describe('The last seq already seen; absent: from now on.'),
  ...ChangeFilterParams,
});

/**
 * The change log, independent of the database: which tables it records, which of their columns count as
 * a changed field, and how a stored row becomes a `Change`. Each dialect renders these descriptions into
 * its own triggers (src/store/sqlite/change-log.ts, src/store/postgres/change-log.ts).
 *
 * Why triggers: a row is written by the same statement that changes the entity, inside its transaction,
 * for every path that writes (cascaded subtree deletes, ON DELETE SET NULL when a project goes, imports,
 * future batch operations) without each store method having to remember to log.
 */
import type { Change, ChangeEntity } from '../contract/index.js';
import { TASK_UPDATABLE } from './core/tasks.js';

export interface TrackedTable {
  entity: ChangeEntity;
  table: string;
  /** Columns whose change is reported in `fields` (timestamps, version and updated_by are implied). */
  fields: readonly string[];
  hasVersion: boolean;
  /** SQL for the entity's project, over the row alias `r` (NEW or OLD). */
  project: (r: string) => string;
  /** Executions disappear only with their task, whose own delete is logged. */
  logDelete: boolean;
  /** The column the change row's `id` comes from (tokens are known by name). */
  idColumn?: string;
}

export const TRACKED_TABLES: readonly TrackedTable[] = [
  {
    entity: 'task',
    table: 'tasks',
    // Every column an update may set, but the implied ones.
    fields: TASK_UPDATABLE.filter((column) => column !== 'updated_at' && column !== 'updated_by'),
    hasVersion: true,
    project: (r) => `${r}.project_id`,
    logDelete: true,
  },
  {
    entity: 'project',
    table: 'projects',
    fields: ['name', 'description', 'tags'],
    hasVersion: true,
    project: (r) => `${r}.id`,
    logDelete: true,
  },
  {
    entity: 'note',
    table: 'notes',
    fields: ['title', 'content', 'tags', 'project_id'],
    hasVersion: true,
    project: (r) => `${r}.project_id`,
    logDelete: true,
  },
  {
    entity: 'document',
    table: 'documents',
    // Documents never change once indexed, except losing their project when it is deleted.
    fields: ['project_id'],
    hasVersion: false,
    project: (r) => `${r}.project_id`,
    logDelete: true,
  },
  {
    entity: 'execution',
    table: 'executions',
    fields: ['status', 'role', 'finished_at', 'notes'],
    hasVersion: false,
    project: (r) => `(SELECT t.project_id FROM tasks t WHERE t.id = ${r}.task_id)`,
    logDelete: false,
  },
];

/**
 * Named tokens: created and revoked (deleted) rows are logged, with the name as id and never the secret's
 * hash; `last_used_at` updates are not changes anyone follows (migration 8 / PostgreSQL 7).
 */
export const TOKEN_TABLE: TrackedTable = {
  entity: 'token',
  table: 'tokens',
  fields: [],
  hasVersion: false,
  project: () => 'NULL',
  logDelete: true,
  idColumn: 'name',
};

/** Tables whose rows show who changed them last. */
export const ACTOR_COLUMN_TABLES = ['tasks', 'projects', 'notes'] as const;

/** The columns of the `changes` table, as both dialects store them. */
export interface ChangeRow {
  seq: number;
  at: string;
  entity: Change['entity'];
  id: string;
  op: Change['op'];
  version: number | null;
  project_id: string | null;
  parent_id: string | null;
  actor: string;
  /** The declared client beside a named token (null before migration 8 and without a token). */
  client: string | null;
  /** JSON text on SQLite, an array on PostgreSQL. */
  fields: string | string[];
  from_status: Change['from'] | null;
  to_status: Change['to'] | null;
}

export const CHANGE_COLUMNS =
  'seq, at, entity, id, op, version, project_id, parent_id, actor, client, fields, from_status, to_status';

export function changeFromRow(row: ChangeRow): Change {
  const change: Change = {
    seq: row.seq,
    at: row.at,
    entity: row.entity,
    id: row.id,
    op: row.op,
    version: row.version,
    project_id: row.project_id,
    parent_id: row.parent_id,
    actor: row.actor,
    ...(row.client ? { client: row.client } : {}),
    fields: typeof row.fields === 'string' ? (JSON.parse(row.fields) as string[]) : row.fields,
  };
  if (row.from_status) change.from = row.from_status;
  if (row.to_status) change.to = row.to_status;
  return change;
}

export interface ChangeFilter {
  entity?: ChangeEntity | undefined;
  project_id?: string | undefined;
}

export interface ChangeRead {
  items: Change[];
  /** The newest seq visible to this read: nothing at or below it can appear later. */
  newest: number;
  /** Rows at or below this seq were pruned. */
  pruned_through: number;
}

/** How much of the log to keep: rows younger than `before` and at most `maxRows` of them. */
export interface ChangeRetention {
  before: string;
  maxRows: number;
}

/** Reading and pruning the change log. */
export interface ChangeStore {
  /** Changes with seq > since, oldest first, at most `limit` of them, that match `filter`. */
  changesAfter(since: number, filter: ChangeFilter, limit: number): Promise<ChangeRead>;
  /** One entity's changes, newest first; `cursor` is the seq of the last one already seen. */
  history(
    entity: ChangeEntity,
    id: string,
    page: { limit: number; before?: number | undefined },
  ): Promise<{ items: Change[]; total: number }>;
  /**
   * Deletes at most `batch` of the rows the retention lets go, in one short transaction; returns how many.
   * The caller repeats until 0, so writers are never held for long.
   */
  pruneChanges(retention: ChangeRetention, batch: number): Promise<number>;
  /**
   * Calls `onChange` when another process commits a change (PostgreSQL: LISTEN/NOTIFY); null where the
   * store has no such signal (SQLite: one process writes the file, and its own writes wake its feed).
   */
  watchChanges(onChange: () => void): Promise<{ close(): Promise<void> } | null>;
}

/** Filter conditions of a change read, as `[column, value]` pairs with the absent ones dropped. */
export function filterConditions(filter: ChangeFilter): [string, string][] {
  const conditions: [string, string][] = [];
  if (filter.entity) conditions.push(['entity', filter.entity]);
  if (filter.project_id) conditions.push(['project_id', filter.project_id]);
  return conditions;
}

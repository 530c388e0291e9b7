import type { Document, Task } from '../../contract/index.js';
import type { NewChunk, NewTask } from '../types.js';

/**
 * One connection for the length of a store operation. SQL is written with numbered parameters (`$1`, `$2`,
 * a number may repeat), which both databases accept: PostgreSQL natively, SQLite as named parameters.
 */
export interface Executor {
  rows<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  row<R>(sql: string, params?: readonly unknown[]): Promise<R | undefined>;
  /** The first column of the first row. */
  value<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a write and returns how many rows it touched. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** A document as just written, with the store's own key for its chunks. */
export type StoredDocument = Omit<Document, 'chunks'> & { seq: number };

/**
 * What differs between SQLite and PostgreSQL, as the core sees it: SQL fragments, the encoding of list and
 * object columns, a few capability answers, and the writes one database does in bulk and the other row by
 * row. Everything else (rules, row mapping, paging) is written once in the core.
 */
export interface Dialect {
  // ── values ───────────────────────────────────────────────────────────────
  /** A string list as its column stores it (SQLite: JSON text; PostgreSQL: text[]). */
  encodeList(list: readonly string[]): unknown;
  decodeList(column: unknown): string[];
  /** A JSON object as its column stores it (SQLite: JSON text; PostgreSQL: json). */
  encodeObject(value: unknown): unknown;
  decodeObject(column: unknown): Task['labels'];
  /** An id list bound as one parameter, for `idIn` and `idRows`. */
  encodeIds(ids: readonly string[]): unknown;

  // ── SQL fragments ────────────────────────────────────────────────────────
  /** `<column> IN …` over the id list bound at `param`. */
  idIn(param: string): string;
  /** A one-column row source (`SELECT …`) of the id list bound at `param`, for recursive CTEs and inserts. */
  idRows(param: string): string;
  /** A condition: the row (of `table`, aliased `alias`) carries the tag bound at `param`. */
  hasTag(table: 'tasks' | 'notes', alias: string, param: string): string;
  /** Whether one task row carries a tag, probed per row: for walks that stop early (no list built first). */
  taskTagged(alias: string, param: string): string;
  /** Row-lock suffixes for a SELECT that precedes an update (nothing on SQLite: one writer at a time). */
  readonly forUpdate: string;
  readonly forNoKeyUpdate: string;
  /** The suffix of next_task's choice when it claims: lock the row, passing over rows other claims hold. */
  readonly skipLocked: string;
  /** Full task columns in the contract's order, `children`, `depends_on` and `blocked_by` as list columns (`decodeList`). */
  readonly taskColumns: string;
  /** Counts the subtree rooted at $1 (and locks it where rows can be locked). */
  readonly countSubtree: string;
  /** `status, priority, n` rows: the task count per status and priority. */
  readonly taskGroups: string;
  /** An index hint for counts over open tasks with a due date ('' where the planner needs none). */
  readonly openDueIndex: string;
  /**
   * `INDEXED BY <name>` where the planner must be told (SQLite, without statistics, prefers the status index
   * over a partial index); '' where it picks right by itself.
   */
  useIndex(name: string): string;
  /** The column that orders executions by insertion (the keyset of list_executions). */
  readonly executionSeq: string;
  /** The chunk rows (`index, start, end, heading_path`) of the document with id $1, in index order. */
  readonly documentChunks: string;

  // ── capabilities ─────────────────────────────────────────────────────────
  /** Task totals per project/status/priority kept by trigger in `task_group_counts`. */
  readonly hasTaskGroupCounts: boolean;

  // ── writes that differ in shape ──────────────────────────────────────────
  /** Writes task rows in the given order, parents before children (and tag rows where kept apart). */
  insertTasks(x: Executor, tasks: readonly NewTask[]): Promise<void>;
  /** After a task's tags changed: rewrite the tag rows where the store keeps them apart. */
  replaceTaskTags(x: Executor, taskId: string, tags: readonly string[]): Promise<void>;
  /** Parent moves and dependency edits (which check for cycles) and subtree deletes (whose cascades overlap):
   * serialise them where writers run in parallel. */
  lockTaskGraph(x: Executor): Promise<void>;
  /** The chunks of a document just inserted, with their search entries. */
  insertChunks(x: Executor, document: StoredDocument, chunks: readonly NewChunk[]): Promise<void>;
}

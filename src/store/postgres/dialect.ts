import type { Task } from '../../contract/index.js';
import type { Dialect, Executor, StoredDocument } from '../core/dialect.js';
import { chunkIdentifierWords } from '../search-text.js';
import type { NewChunk, NewTask } from '../types.js';
import { toJson } from './json.js';

/**
 * PostgreSQL's side of the store: lists as text[], objects as json, tags indexed in the array column,
 * row locks (several servers may write at once), and multi-row writes as one statement over a JSON array.
 */
export class PostgresDialect implements Dialect {
  readonly forUpdate = ' FOR UPDATE';
  readonly skipLocked = ' FOR NO KEY UPDATE SKIP LOCKED';
  readonly forNoKeyUpdate = ' FOR NO KEY UPDATE';
  /**
   * No trigger-kept counter table: with several servers writing, one counter row would serialise every
   * task write. Totals and the dashboard count indexed rows instead.
   */
  readonly hasTaskGroupCounts = false;
  readonly openDueIndex = '';
  readonly executionSeq = 'seq';

  /**
   * Named columns, never t.*: the search vector stays in the database, and a prepared statement's result
   * shape cannot change under it when a later migration adds a column.
   */
  readonly taskColumns =
    `t.seq, t.id, t.title, t.description, t.status, t.priority, t.tags, t.labels, t.parent_id,
    t.project_id, t.role,
    ARRAY(SELECT c.id FROM tasks c WHERE c.parent_id = t.id ORDER BY c.seq) AS children,
    ARRAY(SELECT d.depends_on_id FROM task_dependencies d JOIN tasks x ON x.id = d.depends_on_id
          WHERE d.task_id = t.id ORDER BY x.seq) AS depends_on,
    ARRAY(SELECT d.depends_on_id FROM task_dependencies d JOIN tasks x ON x.id = d.depends_on_id
          WHERE d.task_id = t.id AND t.open_deps > 0 AND x.status NOT IN ('done', 'cancelled')
          ORDER BY x.seq) AS blocked_by,
    t.due_at, t.created_at, t.updated_at, t.completed_at, t.completion_notes, t.version, t.updated_by`;

  /**
   * Locking the subtree first makes the count exact when another server deletes part of it meanwhile
   * (locked rows that vanish are skipped), and makes concurrent inserts under it wait, then fail.
   */
  readonly countSubtree = `WITH RECURSIVE subtree(id) AS (
      SELECT id FROM tasks WHERE id = $1
      UNION ALL SELECT t.id FROM tasks t JOIN subtree s ON t.parent_id = s.id)
    SELECT count(*) FROM (SELECT t.id FROM tasks t JOIN subtree s ON s.id = t.id FOR UPDATE OF t) locked`;

  readonly taskGroups = 'SELECT status, priority, count(*) AS n FROM tasks GROUP BY status, priority';

  readonly documentChunks =
    `SELECT chunk_index AS "index", start_offset AS start, end_offset AS "end", heading_path
    FROM document_chunks WHERE document_id = $1 ORDER BY chunk_index`;

  useIndex(): string {
    return '';
  }

  encodeList(list: readonly string[]): readonly string[] {
    return list;
  }

  decodeList(column: unknown): string[] {
    return column as string[];
  }

  encodeObject(value: unknown): string {
    return toJson(value);
  }

  decodeObject(column: unknown): Task['labels'] {
    return column as Task['labels'];
  }

  encodeIds(ids: readonly string[]): readonly string[] {
    return ids;
  }

  idIn(param: string): string {
    return `= ANY(${param}::text[])`;
  }

  idRows(param: string): string {
    return `SELECT unnest(${param}::text[]) AS id`;
  }

  hasTag(_table: 'tasks' | 'notes', alias: string, param: string): string {
    return `${alias}.tags @> ARRAY[${param}::text]`;
  }

  taskTagged(alias: string, param: string): string {
    return this.hasTag('tasks', alias, param);
  }

  /** One statement for the whole tree: rows are numbered in the given order, parents before children. */
  async insertTasks(x: Executor, tasks: readonly NewTask[]): Promise<void> {
    await x.run(
      `INSERT INTO tasks (id, title, description, status, priority, tags, labels, parent_id, project_id, role,
         due_at, created_at, updated_at, completed_at, completion_notes, version, updated_by)
       SELECT r.id, r.title, r.description, r.status, r.priority, r.tags, r.labels, r.parent_id, r.project_id,
         r.role, r.due_at, r.created_at, r.updated_at, r.completed_at, r.completion_notes, r.version, r.updated_by
       FROM json_array_elements($1::json) WITH ORDINALITY AS e(value, n),
         json_to_record(e.value) AS r(id text, title text, description text, status text, priority text,
           tags text[], labels json, parent_id text, project_id text, role text, due_at timestamptz,
           created_at timestamptz, updated_at timestamptz, completed_at timestamptz, completion_notes text,
           version int, updated_by text)
       ORDER BY e.n`,
      [toJson(tasks)],
    );
  }

  /** Tags live in the task row (GIN-indexed): nothing else to rewrite. */
  async replaceTaskTags(): Promise<void> {}

  /**
   * Parent moves and dependency edits check for cycles by reading rows they do not lock, so two of them
   * could each pass and together close a loop. They serialise on this transaction-scoped advisory lock
   * (per schema), and so do subtree deletes, whose cascades would otherwise deadlock when they overlap;
   * every other write only needs its own row lock.
   */
  async lockTaskGraph(x: Executor): Promise<void> {
    await x.rows(`SELECT pg_advisory_xact_lock(hashtext('bindery.graph:' || current_schema()))`);
  }

  /** All chunks of a document in one statement, in index order; their search vectors come by trigger. */
  async insertChunks(x: Executor, document: StoredDocument, chunks: readonly NewChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    await x.run(
      `INSERT INTO document_chunks (document_id, chunk_index, start_offset, end_offset, heading_path, text,
         identifiers)
       SELECT $1, r.index, r.start, r."end", r.heading_path, r.text, r.identifiers
       FROM json_to_recordset($2::json)
         AS r(index int, start int, "end" int, heading_path text[], text text, identifiers text)
       ORDER BY r.index`,
      [
        document.id,
        toJson(
          chunks.map((chunk) => ({
            ...chunk,
            identifiers: chunkIdentifierWords(document.title, chunk.heading_path, chunk.text),
          })),
        ),
      ],
    );
  }
}

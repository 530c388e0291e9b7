import type { Task } from '../../contract/index.js';
import type { Dialect, Executor, StoredDocument } from '../core/dialect.js';
import { chunkIdentifierWords, headingLine } from '../search-text.js';
import type { NewChunk, NewTask } from '../types.js';
import { SEARCH_ROWID_BASE } from './migrations.js';

/**
 * SQLite's side of the store: lists and objects as JSON text, tag rows in `task_tags` (notes' by trigger),
 * task totals kept by trigger, full-text entries in `search_index`. No row locks: one writer at a time.
 */
export class SqliteDialect implements Dialect {
  readonly forUpdate = '';
  readonly skipLocked = '';
  readonly forNoKeyUpdate = '';
  readonly hasTaskGroupCounts = true;
  readonly openDueIndex = 'INDEXED BY tasks_open_due';
  readonly executionSeq = 'rowid';

  readonly taskColumns =
    `t.seq, t.id, t.title, t.description, t.status, t.priority, t.tags, t.labels, t.parent_id,
    t.project_id, t.role,
    (SELECT json_group_array(id) FROM (SELECT id FROM tasks WHERE parent_id = t.id ORDER BY seq)) AS children,
    (SELECT json_group_array(depends_on_id) FROM (SELECT d.depends_on_id FROM task_dependencies d
       JOIN tasks dt ON dt.id = d.depends_on_id WHERE d.task_id = t.id ORDER BY dt.seq)) AS depends_on,
    (SELECT json_group_array(depends_on_id) FROM (SELECT d.depends_on_id FROM task_dependencies d
       JOIN tasks dt ON dt.id = d.depends_on_id WHERE d.task_id = t.id AND t.open_deps > 0
         AND dt.status NOT IN ('done', 'cancelled') ORDER BY dt.seq)) AS blocked_by,
    t.due_at, t.created_at, t.updated_at, t.completed_at, t.completion_notes, t.version, t.updated_by`;

  readonly countSubtree = `WITH RECURSIVE subtree(id) AS (
      SELECT id FROM tasks WHERE id = $1
      UNION ALL SELECT t.id FROM tasks t JOIN subtree s ON t.parent_id = s.id)
    SELECT count(*) FROM subtree`;

  readonly taskGroups =
    'SELECT status, priority, sum(n) AS n FROM task_group_counts GROUP BY status, priority';

  readonly documentChunks = `SELECT c.chunk_index AS "index", c.start_offset AS start, c.end_offset AS "end",
      c.heading_path
    FROM document_chunks c JOIN documents d ON d.seq = c.document_seq WHERE d.id = $1 ORDER BY c.chunk_index`;

  useIndex(name: string): string {
    return `INDEXED BY ${name}`;
  }

  encodeList(list: readonly string[]): string {
    return JSON.stringify(list);
  }

  decodeList(column: unknown): string[] {
    return JSON.parse(column as string) as string[];
  }

  encodeObject(value: unknown): string {
    return JSON.stringify(value);
  }

  decodeObject(column: unknown): Task['labels'] {
    return JSON.parse(column as string) as Task['labels'];
  }

  encodeIds(ids: readonly string[]): string {
    return JSON.stringify(ids);
  }

  idIn(param: string): string {
    return `IN (SELECT value FROM json_each(${param}))`;
  }

  idRows(param: string): string {
    return `SELECT value AS id FROM json_each(${param})`;
  }

  hasTag(table: 'tasks' | 'notes', alias: string, param: string): string {
    return table === 'tasks'
      ? `${alias}.seq IN (SELECT task_seq FROM task_tags WHERE tag = ${param})`
      : `${alias}.seq IN (SELECT note_seq FROM note_tags WHERE tag = ${param})`;
  }

  taskTagged(alias: string, param: string): string {
    return `EXISTS (SELECT 1 FROM task_tags g WHERE g.tag = ${param} AND g.task_seq = ${alias}.seq)`;
  }

  async insertTasks(x: Executor, tasks: readonly NewTask[]): Promise<void> {
    for (const task of tasks) {
      const seq = await x.value<number>(
        `INSERT INTO tasks (id, title, description, status, priority, tags, labels, parent_id, project_id, role,
           due_at, created_at, updated_at, completed_at, completion_notes, version, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING seq`,
        [
          task.id,
          task.title,
          task.description,
          task.status,
          task.priority,
          this.encodeList(task.tags),
          this.encodeObject(task.labels),
          task.parent_id,
          task.project_id,
          task.role,
          task.due_at,
          task.created_at,
          task.updated_at,
          task.completed_at,
          task.completion_notes,
          task.version,
          task.updated_by,
        ],
      );
      await this.writeTags(x, seq!, task.tags);
    }
  }

  async replaceTaskTags(x: Executor, taskId: string, tags: readonly string[]): Promise<void> {
    const seq = await x.value<number>('SELECT seq FROM tasks WHERE id = $1', [taskId]);
    await x.run('DELETE FROM task_tags WHERE task_seq = $1', [seq]);
    await this.writeTags(x, seq!, tags);
  }

  /** One writer at a time: a cycle check cannot race another write. */
  async lockTaskGraph(): Promise<void> {}

  async insertChunks(x: Executor, document: StoredDocument, chunks: readonly NewChunk[]): Promise<void> {
    // Every chunk row first, then every index row: a statement between two writes to FTS5 in one
    // transaction opens a savepoint, at which FTS5 flushes its pending terms (2 s more for 5 MB).
    const seqs: number[] = [];
    for (const chunk of chunks) {
      const seq = await x.value<number>(
        `INSERT INTO document_chunks (document_seq, chunk_index, start_offset, end_offset, heading_path)
         VALUES ($1, $2, $3, $4, $5) RETURNING seq`,
        [document.seq, chunk.index, chunk.start, chunk.end, this.encodeList(chunk.heading_path)],
      );
      seqs.push(seq!);
    }
    const tags = document.tags.join(' ');
    for (const [i, chunk] of chunks.entries()) {
      const heading = headingLine(chunk.heading_path);
      // The words of the chunk's identifiers and its file's path are searchable too (docs/search.md).
      const identifiers = chunkIdentifierWords(document.title, chunk.heading_path, chunk.text);
      const extra = `${identifiers} ${document.source_path ?? ''}`;
      await x.run(
        'INSERT INTO search_index (rowid, title, heading, body, tags, extra) VALUES ($1, $2, $3, $4, $5, $6)',
        [seqs[i]! + SEARCH_ROWID_BASE.document, document.title, heading, chunk.text, tags, extra],
      );
    }
  }

  private async writeTags(x: Executor, seq: number, tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    // `WHERE true`: without it SQLite would read ON CONFLICT as the join condition of the SELECT.
    await x.run(
      `INSERT INTO task_tags (tag, task_seq) SELECT value, $1 FROM json_each($2) WHERE true ON CONFLICT DO NOTHING`,
      [seq, this.encodeList(tags)],
    );
  }
}

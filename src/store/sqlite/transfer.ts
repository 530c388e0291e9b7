import type { Note, Task } from '../../contract/index.js';
import type { Executor } from '../core/dialect.js';
import type { EntityCores } from '../core/store.js';
import { byKind, EXPORT_DOCUMENT_PAGE as DOCUMENT_PAGE, EXPORT_PAGE as PAGE } from '../transfer.js';
import type {
  ExecutionRecord,
  NewProject,
  NewTask,
  TaskLink,
  TransferCounts,
  TransferRecord,
} from '../types.js';
import type { SqliteDatabase } from './database.js';

interface TaskRow extends Omit<NewTask, 'tags' | 'labels' | 'depends_on'> {
  seq: number;
  tags: string;
  labels: string;
}

/** Export and import of every entity on SQLite. */
export class SqliteTransfer {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly cores: EntityCores,
  ) {}

  async counts(x: Executor): Promise<TransferCounts> {
    return (await x.row<TransferCounts>(
      `SELECT (SELECT count(*) FROM projects) AS project, (SELECT count(*) FROM tasks) AS task,
         (SELECT count(*) FROM task_dependencies) AS dependency,
         (SELECT count(*) FROM executions) AS execution, (SELECT count(*) FROM notes) AS note,
         (SELECT count(*) FROM documents) AS document, (SELECT count(*) FROM document_chunks) AS chunk`,
    ))!;
  }

  /**
   * Every entity, kind by kind and oldest first, a page per turn on the connection. The caller holds a read
   * transaction around the whole iteration, so pages read between the consumer's awaits see one snapshot.
   */
  async *entities(): AsyncGenerator<{ kind: 'counts'; counts: TransferCounts } | TransferRecord> {
    yield { kind: 'counts', counts: await this.db.operation((x) => this.counts(x)) };
    for await (const row of this.pages<Omit<NewProject, 'tags'> & { tags: string }>(
      `SELECT seq, id, name, description, tags, created_at, updated_at, version, updated_by FROM projects
       WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
    )) {
      yield { kind: 'project', data: { ...row, tags: JSON.parse(row.tags) as string[] } };
    }
    for await (const page of this.taskPages()) for (const data of page) yield { kind: 'task', data };
    let after: [string, string] = ['', ''];
    for (;;) {
      const rows = await this.db.operation((x) =>
        x.rows<ExecutionRecord>(
          `SELECT id, task_id, role, status, started_at, finished_at, notes FROM executions
           WHERE (started_at, id) > ($1, $2) ORDER BY started_at, id LIMIT ${PAGE}`,
          after,
        ),
      );
      for (const data of rows) yield { kind: 'execution', data };
      const last = rows.at(-1);
      if (!last || rows.length < PAGE) break;
      after = [last.started_at, last.id];
    }
    for await (const row of this.pages<Omit<Note, 'tags'> & { tags: string }>(
      `SELECT seq, id, title, content, tags, project_id, created_at, updated_at, version, updated_by FROM notes
       WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
    )) {
      yield { kind: 'note', data: { ...row, tags: JSON.parse(row.tags) as string[] } };
    }
    for await (const row of this.pages<{ id: string }>(
      `SELECT seq, id FROM documents WHERE seq > $1 ORDER BY seq LIMIT ${DOCUMENT_PAGE}`,
    )) {
      yield {
        kind: 'document',
        data: (await this.db.operation((x) => this.cores.documents.get(x, row.id)))!,
      };
    }
  }

  /**
   * One import batch, kind by kind in export order. Tasks go in without their links; the links whose
   * tasks all exist now are set at once, the others are returned for later.
   */
  async import(x: Executor, records: readonly TransferRecord[]): Promise<TaskLink[]> {
    const batch = byKind(records);
    for (const project of batch.project) await this.cores.projects.insert(x, project);
    await this.cores.tasks.insert(
      x,
      batch.task.map((t) => ({ ...t, parent_id: null, depends_on: [] })),
    );
    const links = batch.task
      .filter((t) => t.parent_id || t.depends_on.length)
      .map((t) => ({ id: t.id, parent_id: t.parent_id, depends_on: t.depends_on }));
    const pending = await this.cores.tasks.linkWhereReady(x, links);
    await this.cores.tasks.insertExecutions(x, batch.execution);
    for (const note of batch.note) await this.cores.notes.insert(x, note);
    for (const { chunks, ...document } of batch.document) {
      const withText = chunks.map((c) => ({ ...c, text: document.content.slice(c.start, c.end) }));
      await this.cores.documents.insert(x, document, withText);
    }
    return pending;
  }

  /** Task pages with their dependencies (in the order the task lists them) in one query per page. */
  private async *taskPages(): AsyncGenerator<NewTask[]> {
    let after = 0;
    for (;;) {
      const { rows, pairs } = await this.db.operation(async (x) => {
        const rows = await x.rows<TaskRow>(
          `SELECT seq, id, title, description, status, priority, tags, labels, parent_id, project_id, role,
             due_at, created_at, updated_at, completed_at, completion_notes, version, updated_by
           FROM tasks WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
          [after],
        );
        const pairs = await x.rows<{ k: string; v: string }>(
          `SELECT d.task_id AS k, d.depends_on_id AS v FROM task_dependencies d
           JOIN tasks t ON t.id = d.depends_on_id
           WHERE d.task_id IN (SELECT value FROM json_each($1)) ORDER BY t.seq`,
          [JSON.stringify(rows.map((r) => r.id))],
        );
        return { rows, pairs };
      });
      const last = rows.at(-1);
      if (!last) return;
      const deps = new Map<string, string[]>();
      for (const { k, v } of pairs) deps.set(k, [...(deps.get(k) ?? []), v]);
      yield rows.map(({ seq: _seq, tags, labels, ...row }) => ({
        ...row,
        tags: JSON.parse(tags) as string[],
        labels: JSON.parse(labels) as Task['labels'],
        depends_on: deps.get(row.id) ?? [],
      }));
      after = last.seq;
    }
  }

  /** Rows of a keyset query on `seq` ($1 = the last seq seen), without the seq column. */
  private async *pages<T>(sql: string): AsyncGenerator<T> {
    let after = 0;
    for (;;) {
      const rows = await this.db.operation((x) => x.rows<T & { seq: number }>(sql, [after]));
      for (const { seq: _seq, ...row } of rows) yield row as T;
      const last = rows.at(-1);
      if (!last) return;
      after = last.seq;
    }
  }
}

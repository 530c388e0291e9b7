import type { Execution, Note, Task } from '../../contract/index.js';
import { byKind } from '../transfer.js';
import type { NewProject, NewTask, TaskLink, TransferCounts, TransferRecord } from '../types.js';
import type { SqliteDatabase } from './database.js';
import { SqliteDocuments } from './documents.js';
import { SqliteNotes } from './notes.js';
import { SqliteProjects } from './projects.js';
import { SqliteTasks } from './tasks.js';

/** Rows per page while exporting; documents hold up to 5 MB each, so they come a few at a time. */
const PAGE = 1000;
const DOCUMENT_PAGE = 10;

interface TaskRow extends Omit<NewTask, 'tags' | 'labels' | 'depends_on'> {
  seq: number;
  tags: string;
  labels: string;
}

/** Export and import of every entity on SQLite; each method runs inside `db.run` or the export's snapshot. */
export class SqliteTransfer {
  private readonly tasks: SqliteTasks;
  private readonly projects: SqliteProjects;
  private readonly notes: SqliteNotes;
  private readonly documents: SqliteDocuments;

  constructor(private readonly db: SqliteDatabase) {
    this.tasks = new SqliteTasks(db);
    this.projects = new SqliteProjects(db);
    this.notes = new SqliteNotes(db);
    this.documents = new SqliteDocuments(db);
  }

  counts(): TransferCounts {
    return this.db
      .stmt(`SELECT (SELECT count(*) FROM projects) AS project, (SELECT count(*) FROM tasks) AS task,
               (SELECT count(*) FROM task_dependencies) AS dependency,
               (SELECT count(*) FROM executions) AS execution, (SELECT count(*) FROM notes) AS note,
               (SELECT count(*) FROM documents) AS document, (SELECT count(*) FROM document_chunks) AS chunk`)
      .get() as TransferCounts;
  }

  /**
   * Every entity, kind by kind and oldest first. The caller holds a read transaction around the whole
   * iteration, so pages read between the consumer's awaits all see one snapshot.
   */
  *entities(): Generator<{ kind: 'counts'; counts: TransferCounts } | TransferRecord> {
    yield { kind: 'counts', counts: this.counts() };
    for (const row of this.pages<Omit<NewProject, 'tags'> & { tags: string }>(
      `SELECT seq, id, name, description, tags, created_at, updated_at, version, updated_by FROM projects
       WHERE seq > ? ORDER BY seq LIMIT ${PAGE}`,
    )) {
      yield { kind: 'project', data: { ...row, tags: JSON.parse(row.tags) as string[] } };
    }
    for (const page of this.taskPages()) for (const data of page) yield { kind: 'task', data };
    let after: [string, string] = ['', ''];
    for (;;) {
      const rows = this.db
        .stmt(`SELECT id, task_id, role, status, started_at, finished_at, notes FROM executions
               WHERE (started_at, id) > (?, ?) ORDER BY started_at, id LIMIT ${PAGE}`)
        .all(...after) as Execution[];
      for (const data of rows) yield { kind: 'execution', data };
      const last = rows.at(-1);
      if (!last || rows.length < PAGE) break;
      after = [last.started_at, last.id];
    }
    for (const row of this.pages<Omit<Note, 'tags'> & { tags: string }>(
      `SELECT seq, id, title, content, tags, project_id, created_at, updated_at, version, updated_by FROM notes
       WHERE seq > ? ORDER BY seq LIMIT ${PAGE}`,
    )) {
      yield { kind: 'note', data: { ...row, tags: JSON.parse(row.tags) as string[] } };
    }
    for (const row of this.pages<{ id: string }>(
      `SELECT seq, id FROM documents WHERE seq > ? ORDER BY seq LIMIT ${DOCUMENT_PAGE}`,
    )) {
      yield { kind: 'document', data: this.documents.get(row.id)! };
    }
  }

  /**
   * One import batch, kind by kind in export order. Tasks go in without their links; the links whose
   * tasks all exist now are set at once, the others are returned for later.
   */
  import(records: readonly TransferRecord[]): TaskLink[] {
    const batch = byKind(records);
    for (const project of batch.project) this.projects.insert(project);
    this.tasks.insert(batch.task.map((t) => ({ ...t, parent_id: null, depends_on: [] })));
    const links = batch.task
      .filter((t) => t.parent_id || t.depends_on.length)
      .map((t) => ({ id: t.id, parent_id: t.parent_id, depends_on: t.depends_on }));
    const targets = links.flatMap((l) => (l.parent_id ? [l.parent_id, ...l.depends_on] : l.depends_on));
    const present = this.tasks.existing('tasks', [...new Set(targets)]);
    const ready = (l: TaskLink) =>
      (!l.parent_id || present.has(l.parent_id)) && l.depends_on.every((d) => present.has(d));
    this.links(links.filter(ready));
    const insertExecution = this.db.stmt(`INSERT INTO executions
      (id, task_id, role, status, started_at, finished_at, notes)
      VALUES (@id, @task_id, @role, @status, @started_at, @finished_at, @notes)`);
    for (const execution of batch.execution) insertExecution.run(execution);
    for (const note of batch.note) this.notes.insert(note);
    for (const { chunks, ...document } of batch.document) {
      const withText = chunks.map((c) => ({ ...c, text: document.content.slice(c.start, c.end) }));
      this.documents.insert(document, withText);
    }
    return links.filter((l) => !ready(l));
  }

  /** Sets parents and dependencies; every task they name must exist. */
  links(links: readonly TaskLink[]): void {
    const setParent = this.db.stmt('UPDATE tasks SET parent_id = ? WHERE id = ?');
    const addDependency = this.db.stmt(
      'INSERT OR IGNORE INTO task_dependencies (task_id, depends_on_id) VALUES (?, ?)',
    );
    for (const link of links) {
      if (link.parent_id) setParent.run(link.parent_id, link.id);
      for (const dependency of link.depends_on) addDependency.run(link.id, dependency);
    }
  }

  /** Task pages with their dependencies (in the order the task lists them) in one query per page. */
  private *taskPages(): Generator<NewTask[]> {
    let after = 0;
    for (;;) {
      const rows = this.db
        .stmt(`SELECT seq, id, title, description, status, priority, tags, labels, parent_id, project_id, role,
                 due_at, created_at, updated_at, completed_at, completion_notes, version, updated_by
               FROM tasks WHERE seq > ? ORDER BY seq LIMIT ${PAGE}`)
        .all(after) as TaskRow[];
      const last = rows.at(-1);
      if (!last) return;
      const deps = new Map<string, string[]>();
      const pairs = this.db
        .stmt(`SELECT d.task_id AS k, d.depends_on_id AS v FROM task_dependencies d
               JOIN tasks t ON t.id = d.depends_on_id
               WHERE d.task_id IN (SELECT value FROM json_each(?)) ORDER BY t.seq`)
        .all(JSON.stringify(rows.map((r) => r.id))) as { k: string; v: string }[];
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

  /** Rows of a keyset query on `seq` (the parameter is the last seq seen), without the seq column. */
  private *pages<T>(sql: string): Generator<T> {
    let after = 0;
    for (;;) {
      const rows = this.db.stmt(sql).all(after) as (T & { seq: number })[];
      for (const { seq: _seq, ...row } of rows) yield row as T;
      const last = rows.at(-1);
      if (!last) return;
      after = last.seq;
    }
  }
}

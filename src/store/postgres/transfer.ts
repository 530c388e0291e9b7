import type { Note } from '../../contract/index.js';
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
import type { PgSession } from './database.js';
import { toJson } from './json.js';

const EXECUTION_COLUMNS = 'id, task_id, role, status, started_at, finished_at, notes';

export async function countEntities(s: PgSession): Promise<TransferCounts> {
  return (await s.row<TransferCounts>(
    `SELECT (SELECT count(*) FROM projects)::int AS project, (SELECT count(*) FROM tasks)::int AS task,
       (SELECT count(*) FROM task_dependencies)::int AS dependency,
       (SELECT count(*) FROM executions)::int AS execution, (SELECT count(*) FROM notes)::int AS note,
       (SELECT count(*) FROM documents)::int AS document, (SELECT count(*) FROM document_chunks)::int AS chunk`,
  ))!;
}

/** Every entity, kind by kind and oldest first, read page by page inside the caller's snapshot. */
export async function* exportEntities(
  s: PgSession,
  cores: EntityCores,
): AsyncGenerator<{ kind: 'counts'; counts: TransferCounts } | TransferRecord> {
  yield { kind: 'counts', counts: await countEntities(s) };
  for await (const data of pages<NewProject>(
    s,
    `SELECT seq, id, name, description, tags, created_at, updated_at, version, updated_by FROM projects
     WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
  )) {
    yield { kind: 'project', data };
  }
  for await (const row of pages<NewTask & { seq: number }>(
    s,
    `SELECT t.seq, t.id, t.title, t.description, t.status, t.priority, t.tags, t.labels, t.parent_id, t.project_id,
       t.role, ARRAY(SELECT d.depends_on_id FROM task_dependencies d JOIN tasks x ON x.id = d.depends_on_id
                     WHERE d.task_id = t.id ORDER BY x.seq) AS depends_on,
       t.due_at, t.created_at, t.updated_at, t.completed_at, t.completion_notes, t.version, t.updated_by
     FROM tasks t WHERE t.seq > $1 ORDER BY t.seq LIMIT ${PAGE}`,
  )) {
    yield { kind: 'task', data: row };
  }
  let after: [string, string] = ['-infinity', ''];
  for (;;) {
    const rows = await s.rows<ExecutionRecord>(
      `SELECT ${EXECUTION_COLUMNS} FROM executions WHERE (started_at, id) > ($1::timestamptz, $2)
       ORDER BY started_at, id LIMIT ${PAGE}`,
      after,
    );
    for (const data of rows) yield { kind: 'execution', data };
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) break;
    after = [last.started_at, last.id];
  }
  for await (const data of pages<Note>(
    s,
    `SELECT seq, id, title, content, tags, project_id, created_at, updated_at, version, updated_by FROM notes
     WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
  )) {
    yield { kind: 'note', data };
  }
  for await (const row of pages<{ id: string }>(
    s,
    `SELECT seq, id FROM documents WHERE seq > $1 ORDER BY seq LIMIT ${DOCUMENT_PAGE}`,
  )) {
    yield { kind: 'document', data: (await cores.documents.get(s, row.id))! };
  }
}

/** Rows of a keyset query on `seq` ($1 = the last seq seen), without the seq column. */
async function* pages<T>(s: PgSession, sql: string): AsyncGenerator<T> {
  let after = 0;
  for (;;) {
    const rows = await s.rows<T & { seq: number }>(sql, [after]);
    for (const { seq: _seq, ...row } of rows) yield row as T;
    const last = rows.at(-1);
    if (!last) return;
    after = last.seq;
  }
}

/**
 * One batch of an import, kind by kind in export order. Tasks go in without their links; the links whose
 * tasks all exist now are set at once, the others are returned for later.
 */
export async function importEntities(
  s: PgSession,
  cores: EntityCores,
  records: readonly TransferRecord[],
): Promise<TaskLink[]> {
  const {
    project: projects,
    task: tasks,
    execution: executions,
    note: notes,
    document: documents,
  } = byKind(records);
  if (projects.length) {
    await s.run(
      `INSERT INTO projects (id, name, description, tags, created_at, updated_at, version, updated_by)
       SELECT r.id, r.name, r.description, r.tags, r.created_at, r.updated_at, r.version, r.updated_by
       FROM json_array_elements($1::json) WITH ORDINALITY AS e(value, n),
         json_to_record(e.value) AS r(id text, name text, description text, tags text[],
           created_at timestamptz, updated_at timestamptz, version int, updated_by text)
       ORDER BY e.n`,
      [toJson(projects)],
    );
  }
  let pending: TaskLink[] = [];
  if (tasks.length) {
    await cores.tasks.insert(
      s,
      tasks.map((t) => ({ ...t, parent_id: null, depends_on: [] })),
    );
    const links = tasks.filter((t) => t.parent_id || t.depends_on.length).map(toLink);
    pending = await cores.tasks.linkWhereReady(s, links, (ready) => importLinks(s, ready));
  }
  if (executions.length) {
    await s.run(
      `INSERT INTO executions (${EXECUTION_COLUMNS})
       SELECT ${EXECUTION_COLUMNS} FROM json_to_recordset($1::json) AS r(id text, task_id text, role text,
         status text, started_at timestamptz, finished_at timestamptz, notes text)`,
      [toJson(executions)],
    );
  }
  if (notes.length) {
    await s.run(
      `INSERT INTO notes (id, title, content, tags, project_id, created_at, updated_at, version, updated_by)
       SELECT r.id, r.title, r.content, r.tags, r.project_id, r.created_at, r.updated_at, r.version, r.updated_by
       FROM json_array_elements($1::json) WITH ORDINALITY AS e(value, n),
         json_to_record(e.value) AS r(id text, title text, content text, tags text[], project_id text,
           created_at timestamptz, updated_at timestamptz, version int, updated_by text)
       ORDER BY e.n`,
      [toJson(notes)],
    );
  }
  for (const { chunks, ...document } of documents) {
    const withText = chunks.map((c) => ({ ...c, text: document.content.slice(c.start, c.end) }));
    await cores.documents.insert(s, document, withText);
  }
  return pending;
}

/** Sets parents and dependencies; every task they name must exist. */
export async function importLinks(s: PgSession, links: readonly TaskLink[]): Promise<void> {
  if (links.length === 0) return;
  const json = toJson(links);
  await s.run(
    `UPDATE tasks t SET parent_id = l.parent_id FROM json_to_recordset($1::json) AS l(id text, parent_id text)
     WHERE t.id = l.id AND l.parent_id IS NOT NULL`,
    [json],
  );
  await s.run(
    `INSERT INTO task_dependencies (task_id, depends_on_id)
     SELECT l.id, d FROM json_to_recordset($1::json) AS l(id text, depends_on text[]), unnest(l.depends_on) d`,
    [json],
  );
}

function toLink(task: NewTask): TaskLink {
  return { id: task.id, parent_id: task.parent_id, depends_on: task.depends_on };
}

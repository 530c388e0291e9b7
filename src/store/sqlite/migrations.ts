import {
  READINESS_BACKFILL,
  READINESS_INDEXES,
  READINESS_TRIGGERS,
  READY_COUNTS_TABLE,
  readyCountsBackfill,
  readyCountTriggers,
  type TagRows,
} from '../readiness.js';
import { changeLogMigrationSql, tokensMigrationSql } from './change-log.js';

/**
 * Versioned schema migrations, applied in order at start-up. A migration is never edited once released:
 * a change to the schema is a new entry at the end.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const OPEN = `('todo','doing','review','blocked')`;

/**
 * `search_index` rowid = the kind's base + the row's `seq`: one FTS5 table (so one bm25 IDF, and scores that
 * compare across kinds) whose rowid ranges still separate the kinds. Stored rowids depend on these values:
 * never change them.
 */
export const SEARCH_ROWID_BASE = {
  task: 2 ** 40,
  project: 2 * 2 ** 40,
  note: 3 * 2 ** 40,
  document: 4 * 2 ** 40,
} as const;
export const SEARCH_KIND_SPAN = 2 ** 40;

const TAG_ROWS: TagRows = { from: (row) => `json_each(${row}.tags) AS x`, tag: 'x.value' };

const TAG_TEXT = (tags: string) => `(SELECT group_concat(value, ' ') FROM json_each(${tags}))`;

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'tasks, projects, executions, idempotency',
    sql: `
      CREATE TABLE projects (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL,
        tags TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL
      );

      CREATE TABLE tasks (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        status TEXT NOT NULL,
        priority TEXT NOT NULL,
        tags TEXT NOT NULL,
        labels TEXT NOT NULL,
        parent_id TEXT REFERENCES tasks(id) ON DELETE CASCADE,
        project_id TEXT REFERENCES projects(id) ON DELETE SET NULL,
        role TEXT,
        due_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        completed_at TEXT,
        completion_notes TEXT,
        version INTEGER NOT NULL
      );
      CREATE INDEX tasks_parent ON tasks(parent_id, seq);
      CREATE INDEX tasks_project_status ON tasks(project_id, status, seq);
      CREATE INDEX tasks_status ON tasks(status, seq);
      CREATE INDEX tasks_role ON tasks(role, seq) WHERE role IS NOT NULL;
      CREATE INDEX tasks_updated ON tasks(updated_at);
      CREATE INDEX tasks_open_due ON tasks(due_at) WHERE due_at IS NOT NULL AND status IN ${OPEN};

      -- Tag filter index; the tags JSON column stays the source the task is read from.
      CREATE TABLE task_tags (
        tag TEXT NOT NULL,
        task_seq INTEGER NOT NULL REFERENCES tasks(seq) ON DELETE CASCADE,
        PRIMARY KEY (tag, task_seq)
      ) WITHOUT ROWID;
      CREATE INDEX task_tags_task ON task_tags(task_seq);

      CREATE TABLE task_dependencies (
        task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        depends_on_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        PRIMARY KEY (task_id, depends_on_id)
      ) WITHOUT ROWID;
      CREATE INDEX task_dependencies_reverse ON task_dependencies(depends_on_id);

      -- Status x priority counts kept by triggers, so the dashboard does not scan every task.
      CREATE TABLE task_counts (
        status TEXT NOT NULL,
        priority TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (status, priority)
      ) WITHOUT ROWID;
      CREATE TRIGGER task_counts_insert AFTER INSERT ON tasks BEGIN
        INSERT INTO task_counts (status, priority, n) VALUES (new.status, new.priority, 1)
          ON CONFLICT (status, priority) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER task_counts_delete AFTER DELETE ON tasks BEGIN
        UPDATE task_counts SET n = n - 1 WHERE status = old.status AND priority = old.priority;
      END;
      CREATE TRIGGER task_counts_update AFTER UPDATE OF status, priority ON tasks
        WHEN old.status IS NOT new.status OR old.priority IS NOT new.priority BEGIN
        UPDATE task_counts SET n = n - 1 WHERE status = old.status AND priority = old.priority;
        INSERT INTO task_counts (status, priority, n) VALUES (new.status, new.priority, 1)
          ON CONFLICT (status, priority) DO UPDATE SET n = n + 1;
      END;

      CREATE TABLE executions (
        id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        notes TEXT
      );
      CREATE UNIQUE INDEX executions_one_running ON executions(task_id) WHERE status = 'running';
      CREATE INDEX executions_task ON executions(task_id, started_at);

      CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY,
        request_hash TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
    `,
  },
  {
    version: 2,
    name: 'notes, documents, full-text search index',
    sql: `
      CREATE TABLE notes (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        content TEXT NOT NULL,
        tags TEXT NOT NULL,
        project_id TEXT REFERENCES projects(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL
      );
      CREATE INDEX notes_project ON notes(project_id, seq);

      -- Tag filter index, kept by triggers from the tags JSON column.
      CREATE TABLE note_tags (
        tag TEXT NOT NULL,
        note_seq INTEGER NOT NULL REFERENCES notes(seq) ON DELETE CASCADE,
        PRIMARY KEY (tag, note_seq)
      ) WITHOUT ROWID;
      CREATE INDEX note_tags_note ON note_tags(note_seq);
      CREATE TRIGGER note_tags_insert AFTER INSERT ON notes BEGIN
        INSERT OR IGNORE INTO note_tags (tag, note_seq) SELECT value, new.seq FROM json_each(new.tags);
      END;
      CREATE TRIGGER note_tags_update AFTER UPDATE OF tags ON notes BEGIN
        DELETE FROM note_tags WHERE note_seq = old.seq;
        INSERT OR IGNORE INTO note_tags (tag, note_seq) SELECT value, new.seq FROM json_each(new.tags);
      END;

      -- content is the last column so reading a summary does not walk a 5 MB overflow chain.
      CREATE TABLE documents (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        document_type TEXT NOT NULL,
        source_path TEXT,
        tags TEXT NOT NULL,
        project_id TEXT REFERENCES projects(id) ON DELETE SET NULL,
        content_hash TEXT NOT NULL UNIQUE,
        chunk_count INTEGER NOT NULL,
        size_bytes INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        content TEXT NOT NULL
      );
      CREATE INDEX documents_project ON documents(project_id, seq);
      CREATE INDEX documents_type ON documents(document_type, seq);

      -- Chunk boundaries (UTF-16 offsets into documents.content); the chunk text lives in search_index.
      CREATE TABLE document_chunks (
        seq INTEGER PRIMARY KEY,
        document_seq INTEGER NOT NULL REFERENCES documents(seq) ON DELETE CASCADE,
        chunk_index INTEGER NOT NULL,
        start_offset INTEGER NOT NULL,
        end_offset INTEGER NOT NULL,
        heading_path TEXT NOT NULL,
        UNIQUE (document_seq, chunk_index)
      );

      -- One full-text index over every kind (rowid scheme: SEARCH_ROWID_BASE). It keeps its own copy of
      -- the text, so deletes need only the rowid and snippet() needs no lookup in the source tables.
      CREATE VIRTUAL TABLE search_index USING fts5(
        title, heading, body, tags,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
      );
      -- Column weights for ORDER BY rank: title 10, heading 5, body 1, tags 5.
      INSERT INTO search_index (search_index, rank) VALUES ('rank', 'bm25(10.0, 5.0, 1.0, 5.0)');

      CREATE TRIGGER tasks_search_insert AFTER INSERT ON tasks BEGIN
        INSERT INTO search_index (rowid, title, body, tags)
        VALUES (new.seq + ${SEARCH_ROWID_BASE.task}, new.title, new.description, ${TAG_TEXT('new.tags')});
      END;
      CREATE TRIGGER tasks_search_update AFTER UPDATE OF title, description, tags ON tasks
        WHEN old.title IS NOT new.title OR old.description IS NOT new.description OR old.tags IS NOT new.tags BEGIN
        UPDATE search_index SET title = new.title, body = new.description, tags = ${TAG_TEXT('new.tags')}
        WHERE rowid = new.seq + ${SEARCH_ROWID_BASE.task};
      END;
      CREATE TRIGGER tasks_search_delete AFTER DELETE ON tasks BEGIN
        DELETE FROM search_index WHERE rowid = old.seq + ${SEARCH_ROWID_BASE.task};
      END;

      CREATE TRIGGER projects_search_insert AFTER INSERT ON projects BEGIN
        INSERT INTO search_index (rowid, title, body, tags)
        VALUES (new.seq + ${SEARCH_ROWID_BASE.project}, new.name, new.description, ${TAG_TEXT('new.tags')});
      END;
      CREATE TRIGGER projects_search_update AFTER UPDATE OF name, description, tags ON projects
        WHEN old.name IS NOT new.name OR old.description IS NOT new.description OR old.tags IS NOT new.tags BEGIN
        UPDATE search_index SET title = new.name, body = new.description, tags = ${TAG_TEXT('new.tags')}
        WHERE rowid = new.seq + ${SEARCH_ROWID_BASE.project};
      END;
      CREATE TRIGGER projects_search_delete AFTER DELETE ON projects BEGIN
        DELETE FROM search_index WHERE rowid = old.seq + ${SEARCH_ROWID_BASE.project};
      END;

      CREATE TRIGGER notes_search_insert AFTER INSERT ON notes BEGIN
        INSERT INTO search_index (rowid, title, body, tags)
        VALUES (new.seq + ${SEARCH_ROWID_BASE.note}, new.title, new.content, ${TAG_TEXT('new.tags')});
      END;
      CREATE TRIGGER notes_search_update AFTER UPDATE OF title, content, tags ON notes
        WHEN old.title IS NOT new.title OR old.content IS NOT new.content OR old.tags IS NOT new.tags BEGIN
        UPDATE search_index SET title = new.title, body = new.content, tags = ${TAG_TEXT('new.tags')}
        WHERE rowid = new.seq + ${SEARCH_ROWID_BASE.note};
      END;
      CREATE TRIGGER notes_search_delete AFTER DELETE ON notes BEGIN
        DELETE FROM search_index WHERE rowid = old.seq + ${SEARCH_ROWID_BASE.note};
      END;

      -- Chunk rows are indexed by the store in the transaction that inserts them (their text is not a
      -- column to read); any delete, including the cascade from documents, leaves the index here.
      CREATE TRIGGER document_chunks_search_delete AFTER DELETE ON document_chunks BEGIN
        DELETE FROM search_index WHERE rowid = old.seq + ${SEARCH_ROWID_BASE.document};
      END;

      -- Tasks and projects written under schema 1 become searchable too.
      INSERT INTO search_index (rowid, title, body, tags)
        SELECT seq + ${SEARCH_ROWID_BASE.task}, title, description, ${TAG_TEXT('tags')} FROM tasks;
      INSERT INTO search_index (rowid, title, body, tags)
        SELECT seq + ${SEARCH_ROWID_BASE.project}, name, description, ${TAG_TEXT('tags')} FROM projects;
    `,
  },
  {
    version: 3,
    name: 'task counts by project, status and priority',
    sql: `
      -- Counts by project too, so a list filtered by project/status/priority learns its total without
      -- counting its rows (30,000 of them for one project's open tasks at a million). '' is no project.
      CREATE TABLE task_group_counts (
        project_id TEXT NOT NULL,
        status TEXT NOT NULL,
        priority TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (project_id, status, priority)
      ) WITHOUT ROWID;
      INSERT INTO task_group_counts (project_id, status, priority, n)
        SELECT coalesce(project_id, ''), status, priority, count(*) FROM tasks GROUP BY 1, 2, 3;

      DROP TRIGGER task_counts_insert;
      DROP TRIGGER task_counts_delete;
      DROP TRIGGER task_counts_update;
      DROP TABLE task_counts;

      CREATE TRIGGER task_group_counts_insert AFTER INSERT ON tasks BEGIN
        INSERT INTO task_group_counts (project_id, status, priority, n)
          VALUES (coalesce(new.project_id, ''), new.status, new.priority, 1)
          ON CONFLICT (project_id, status, priority) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER task_group_counts_delete AFTER DELETE ON tasks BEGIN
        UPDATE task_group_counts SET n = n - 1
          WHERE project_id = coalesce(old.project_id, '') AND status = old.status AND priority = old.priority;
      END;
      -- Also fires for ON DELETE SET NULL when a project is deleted.
      CREATE TRIGGER task_group_counts_update AFTER UPDATE OF project_id, status, priority ON tasks
        WHEN old.project_id IS NOT new.project_id OR old.status IS NOT new.status OR old.priority IS NOT new.priority
      BEGIN
        UPDATE task_group_counts SET n = n - 1
          WHERE project_id = coalesce(old.project_id, '') AND status = old.status AND priority = old.priority;
        INSERT INTO task_group_counts (project_id, status, priority, n)
          VALUES (coalesce(new.project_id, ''), new.status, new.priority, 1)
          ON CONFLICT (project_id, status, priority) DO UPDATE SET n = n + 1;
      END;
    `,
  },
  {
    version: 4,
    name: 'idempotency claims owned by live server instances',
    sql: `
      -- The server instance running a claimed request; a claim whose owner stopped heartbeating is taken over.
      ALTER TABLE idempotency_keys ADD COLUMN owner TEXT;
      CREATE TABLE server_instances (
        id TEXT PRIMARY KEY,
        heartbeat_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'search index with English stemming and identifier words',
    sql: `
      -- The index is rebuilt with the porter stemmer over the same tokenizer, and a fifth column, extra:
      -- a document chunk's identifier words (contentTypeParser → content type parser) and its file's path.
      -- The old rows are copied through a plain table: renaming an FTS5 table while triggers name the old
      -- one fails schema checks, while triggers resolve search_index only when they run.
      CREATE TEMP TABLE search_copy AS SELECT rowid AS id, title, heading, body, tags FROM search_index;
      DROP TABLE search_index;
      CREATE VIRTUAL TABLE search_index USING fts5(
        title, heading, body, tags, extra,
        tokenize = 'porter unicode61 remove_diacritics 2',
        prefix = '2 3'
      );
      INSERT INTO search_index (rowid, title, heading, body, tags, extra)
        SELECT s.id, s.title, s.heading, s.body, s.tags,
          CASE WHEN s.id >= ${SEARCH_ROWID_BASE.document} THEN concat_ws(' ',
            bindery_identifier_words(concat_ws(' ', s.title, s.heading, s.body)),
            (SELECT d.source_path FROM document_chunks c JOIN documents d ON d.seq = c.document_seq
              WHERE c.seq = s.id - ${SEARCH_ROWID_BASE.document}))
          END
        FROM search_copy s;
      DROP TABLE search_copy;
    `,
  },
  {
    version: 6,
    name: 'change log, updated_by',
    sql: changeLogMigrationSql(),
  },
  {
    version: 7,
    name: 'readiness counters, execution leases',
    sql: `
      ALTER TABLE tasks ADD COLUMN open_deps INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE tasks ADD COLUMN open_children INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE executions ADD COLUMN lease_expires_at TEXT;
      -- Executions running at the upgrade get a full lease from now, so none is freed by the upgrade itself.
      UPDATE executions SET lease_expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+900 seconds')
        WHERE status = 'running';
      ${READINESS_BACKFILL}
      ${READINESS_TRIGGERS.map(
        (t) => `CREATE TRIGGER ${t.name} AFTER ${t.event} ON ${t.table} BEGIN
${t.body}
END;`,
      ).join('\n')}
      ${READINESS_INDEXES}
    `,
  },
  {
    version: 8,
    name: 'named tokens, change log client',
    sql: tokensMigrationSql(),
  },
  {
    version: 9,
    name: 'kept counts of ready and waiting tasks',
    sql: `
      ${READY_COUNTS_TABLE} WITHOUT ROWID;
      ${readyCountsBackfill(TAG_ROWS)}
      ${readyCountTriggers(TAG_ROWS)
        .map(
          (
            t,
          ) => `CREATE TRIGGER ${t.name} AFTER ${t.event} ON ${t.table} ${t.when ? `WHEN ${t.when}` : ''} BEGIN
${t.body}
END;`,
        )
        .join('\n')}
      -- Counted from task_ready_counts now.
      DROP INDEX tasks_waiting;
    `,
  },
  {
    version: 10,
    name: 'search index merges any two segments of a level when idle',
    // A 'merge' command (search-tidy.ts) merges two segments of a level, not only four (FTS5's default).
    sql: "INSERT INTO search_index (search_index, rank) VALUES ('usermerge', 2);",
  },
];

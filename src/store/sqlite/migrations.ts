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
];

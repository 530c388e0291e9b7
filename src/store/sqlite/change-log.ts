import { ACTOR_COLUMN_TABLES, TOKEN_TABLE, TRACKED_TABLES, type TrackedTable } from '../change-log.js';

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
/** The actor of the running write, set by `setActor` at the start of its transaction. */
const ACTOR = `coalesce((SELECT actor FROM change_actor WHERE id = 1), 'anonymous')`;

function fieldsChanged(table: TrackedTable): string {
  const parts = table.fields.map((field) => `SELECT '${field}' AS f WHERE old.${field} IS NOT new.${field}`);
  return `(SELECT json_group_array(f) FROM (${parts.join(' UNION ALL ')}))`;
}

/** The declared client beside a named token's actor (migration 8 on). */
const CLIENT = `(SELECT client FROM change_actor WHERE id = 1)`;

/** `withClient`: the trigger also records the client (migration 8 on); migration 6's triggers did not. */
function trigger(table: TrackedTable, op: 'created' | 'updated' | 'deleted', withClient = false): string {
  const event = { created: 'INSERT', updated: 'UPDATE', deleted: 'DELETE' }[op];
  const r = op === 'deleted' ? 'old' : 'new';
  const isTask = table.entity === 'task';
  const status = (side: 'old' | 'new') =>
    isTask && op === 'updated' ? `CASE WHEN old.status IS NOT new.status THEN ${side}.status END` : 'NULL';
  const when =
    op === 'updated'
      ? `WHEN ${[...(table.hasVersion ? ['old.version IS NOT new.version'] : []), ...table.fields.map((f) => `old.${f} IS NOT new.${f}`)].join(' OR ')}`
      : '';
  return `CREATE TRIGGER ${table.table}_change_${op} AFTER ${event} ON ${table.table} ${when} BEGIN
    INSERT INTO changes (at, entity, id, op, version, project_id, parent_id, actor, ${withClient ? 'client, ' : ''}fields, from_status, to_status)
    VALUES (${NOW}, '${table.entity}', ${r}.${table.idColumn ?? 'id'}, '${op}', ${table.hasVersion ? `${r}.version` : 'NULL'},
      ${table.project(r)}, ${isTask ? `${r}.parent_id` : 'NULL'}, ${ACTOR},${withClient ? ` ${CLIENT},` : ''}
      ${op === 'updated' ? fieldsChanged(table) : `'[]'`}, ${status('old')}, ${status('new')});
  END;`;
}

/** The migration that adds the change log, `updated_by` and the triggers that fill the log. */
export function changeLogMigrationSql(): string {
  const triggers = TRACKED_TABLES.flatMap((table) => [
    trigger(table, 'created'),
    trigger(table, 'updated'),
    ...(table.logDelete ? [trigger(table, 'deleted')] : []),
  ]);
  return `
    -- AUTOINCREMENT: a seq is never reused, even after the newest rows are pruned.
    CREATE TABLE changes (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      at TEXT NOT NULL,
      entity TEXT NOT NULL,
      id TEXT NOT NULL,
      op TEXT NOT NULL,
      version INTEGER,
      project_id TEXT,
      parent_id TEXT,
      actor TEXT NOT NULL,
      fields TEXT NOT NULL,
      from_status TEXT,
      to_status TEXT
    );
    CREATE INDEX changes_entity ON changes (entity, id, seq);
    CREATE INDEX changes_at ON changes (at);
    -- One row: the actor of the write transaction running now (SQLite has one writer at a time).
    CREATE TABLE change_actor (id INTEGER PRIMARY KEY CHECK (id = 1), actor TEXT NOT NULL);
    INSERT INTO change_actor (id, actor) VALUES (1, 'anonymous');
    -- Rows at or below pruned_through are gone: a reader behind it must start over.
    CREATE TABLE change_horizon (id INTEGER PRIMARY KEY CHECK (id = 1), pruned_through INTEGER NOT NULL);
    INSERT INTO change_horizon (id, pruned_through) VALUES (1, 0);
    ${ACTOR_COLUMN_TABLES.map((t) => `ALTER TABLE ${t} ADD COLUMN updated_by TEXT NOT NULL DEFAULT 'anonymous';`).join('\n')}
    ${triggers.join('\n')}
  `;
}

/**
 * Migration 8: named tokens (only the secret's SHA-256 is stored, looked up by it), and the change log's
 * `client` column: every trigger is made again to record it, and tokens' creation and revocation are logged.
 */
export function tokensMigrationSql(): string {
  const ops = (table: TrackedTable) =>
    (['created', 'updated', 'deleted'] as const).filter(
      (op) => (op !== 'deleted' || table.logDelete) && (op !== 'updated' || table.fields.length > 0),
    );
  const remade = TRACKED_TABLES.flatMap((table) =>
    ops(table).map((op) => `DROP TRIGGER ${table.table}_change_${op};\n${trigger(table, op, true)}`),
  );
  return `
    CREATE TABLE tokens (
      name TEXT PRIMARY KEY,
      hash TEXT NOT NULL UNIQUE,
      scope TEXT NOT NULL,
      project_ids TEXT,
      expires_at TEXT,
      created_at TEXT NOT NULL,
      created_by TEXT NOT NULL,
      last_used_at TEXT
    ) WITHOUT ROWID;
    ALTER TABLE changes ADD COLUMN client TEXT;
    ALTER TABLE change_actor ADD COLUMN client TEXT;
    ${remade.join('\n')}
    ${ops(TOKEN_TABLE)
      .map((op) => trigger(TOKEN_TABLE, op, true))
      .join('\n')}
  `;
}

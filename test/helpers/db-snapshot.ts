import Database from 'better-sqlite3';
import { sqlitePath } from '../../src/runtime/workspace.js';
import { withAdmin } from './pg-admin.js';
import { schemaOf } from './postgres.js';

/**
 * Every row of every table of a test server's database, read through a separate connection: comparing
 * two snapshots proves a refused write left the database unchanged. SQLite: the workspace's file;
 * PostgreSQL: the server's schema. `server_instances` is left out: it is the servers' heartbeat, which
 * changes every few seconds whatever the requests do.
 */
const VOLATILE = 'server_instances';
export async function dbSnapshot(server: {
  workspace: string;
  databaseUrl?: string | undefined;
}): Promise<Record<string, unknown[]>> {
  return server.databaseUrl
    ? postgresSnapshot(schemaOf(server.databaseUrl))
    : sqliteSnapshot(server.workspace);
}

function sqliteSnapshot(workspace: string): Record<string, unknown[]> {
  const db = new Database(sqlitePath(workspace), { readonly: true });
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != ? ORDER BY name",
      )
      .pluck()
      .all(VOLATILE) as string[];
    return Object.fromEntries(tables.map((name) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
  } finally {
    db.close();
  }
}

/** Rows as JSON text in sorted order, so the comparison does not depend on physical row order. */
function postgresSnapshot(schema: string): Promise<Record<string, unknown[]>> {
  return withAdmin(async (c) => {
    const { rows: tables } = await c.query<{ name: string }>(
      `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
       WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name != $2 ORDER BY table_name`,
      [schema, VOLATILE],
    );
    const snapshot: Record<string, unknown[]> = {};
    for (const { name } of tables) {
      const { rows } = await c.query<{ row: string }>(
        `SELECT to_jsonb(t)::text AS row FROM ${name} t ORDER BY 1`,
      );
      snapshot[name] = rows.map((r) => r.row);
    }
    return snapshot;
  });
}

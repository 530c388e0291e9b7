import Database from 'better-sqlite3';
import { sqlitePath } from '../../src/store/workspace.js';

/**
 * Every row of every table of a workspace's SQLite file, read through a second connection: comparing
 * two snapshots proves a refused write left the database unchanged.
 */
export function dbSnapshot(workspace: string): Record<string, unknown[]> {
  const db = new Database(sqlitePath(workspace), { readonly: true });
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all() as string[];
    return Object.fromEntries(tables.map((name) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
  } finally {
    db.close();
  }
}

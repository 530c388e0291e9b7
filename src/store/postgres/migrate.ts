import type { PgDatabase, PgSession } from './database.js';
import type { PgMigration } from './migrations.js';

/**
 * Applies the migrations the database lacks, all in one transaction under an advisory lock keyed on the
 * search_path: a second server starting at the same moment waits, then finds nothing left to do.
 * Returns the schema version now in place.
 */
export function migrate(db: PgDatabase, migrations: readonly PgMigration[]): Promise<number> {
  return db.write(async (s) => {
    await s.rows(
      `SELECT pg_advisory_xact_lock(hashtext('bindery.migrate:' || current_setting('search_path')))`,
    );
    await ensureSchema(s);
    await s.rows(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`);
    const current = await schemaVersion(s);
    const known = migrations.at(-1)?.version ?? 0;
    if (current > known) {
      throw new Error(
        `The PostgreSQL schema has version ${current}, newer than this Bindery knows (${known}); upgrade Bindery.`,
      );
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      await s.rows(migration.sql);
      await s.rows('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [
        migration.version,
        migration.name,
      ]);
    }
    return Math.max(current, known);
  });
}

export async function schemaVersion(s: PgSession): Promise<number> {
  return (await s.value<number>('SELECT coalesce(max(version), 0)::int FROM schema_migrations')) ?? 0;
}

/**
 * A URL whose search_path names a schema that does not exist yet gets it created, as SQLite creates its
 * file: tables must not silently land in some other schema of the path.
 */
async function ensureSchema(s: PgSession): Promise<void> {
  if (await s.value<string | null>('SELECT current_schema()')) return;
  const path = (await s.value<string>('SHOW search_path')) ?? '';
  const first = path
    .split(',')
    .map((part) => part.trim().replace(/^"(.*)"$/, '$1'))
    .find((name) => name && name !== '$user');
  if (!first) throw new Error('The search_path of BINDERY_DATABASE_URL names no schema to create tables in.');
  const ident = await s.value<string>('SELECT quote_ident($1)', [first]);
  await s.rows(`CREATE SCHEMA IF NOT EXISTS ${ident}`);
}

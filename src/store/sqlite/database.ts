import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BinderyError } from '../../contract/index.js';
import { decodeCursor } from '../cursor.js';
import { identifierWords } from '../search-text.js';
import type { PageRequest, PoolMetrics } from '../types.js';
import type { Migration } from './migrations.js';

/** SPEC §2.2 pragmas. */
export const SQLITE_PRAGMAS = {
  journal_mode: 'WAL',
  synchronous: 'NORMAL',
  foreign_keys: 'ON',
  cache_size: -65536,
  mmap_size: 268435456,
  busy_timeout: 5000,
  temp_store: 'MEMORY',
} as const;

const SLOW_MS = 100;

/**
 * One better-sqlite3 connection with a statement cache and honest metrics. better-sqlite3 is
 * synchronous, so there is exactly one connection and no pool to wait for: an "acquisition" is one store
 * operation, and its time is measured rather than assumed.
 */
export class SqliteDatabase {
  readonly raw: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private operations = 0;
  private failures = 0;
  private queries = 0;
  private slow = 0;
  private busy = 0;
  private active = 0;
  private totalMs = 0;

  constructor(
    readonly path: string,
    migrations: readonly Migration[],
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.raw = new Database(path);
    for (const [name, value] of Object.entries(SQLITE_PRAGMAS)) this.raw.pragma(`${name} = ${value}`);
    // Migration 4 indexes the identifier words of stored chunks with the rule new chunks are indexed by.
    this.raw.function('bindery_identifier_words', { deterministic: true }, (text) =>
      identifierWords(String(text ?? '')),
    );
    this.migrate(migrations);
  }

  /** A cached prepared statement; counted as one query each time it is fetched to run. */
  stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.raw.prepare(sql);
      this.statements.set(sql, statement);
    }
    this.queries++;
    return statement;
  }

  /** Runs one store operation (a transaction when `write`), measuring it for the pool metrics. */
  run<T>(fn: () => T, write = false): T {
    const started = performance.now();
    this.operations++;
    this.active++;
    try {
      return write ? this.raw.transaction(fn).immediate() : fn();
    } catch (error) {
      if (isBusy(error)) this.busy++;
      if (!(error instanceof BinderyError)) this.failures++;
      throw translate(error);
    } finally {
      this.active--;
      const elapsed = performance.now() - started;
      this.totalMs += elapsed;
      if (elapsed > SLOW_MS) this.slow++;
    }
  }

  schemaVersion(): number {
    const row = this.raw.prepare('SELECT max(version) AS v FROM schema_migrations').get() as {
      v: number | null;
    };
    return row.v ?? 0;
  }

  metrics(): PoolMetrics {
    return {
      active_connections: this.active,
      idle_connections: 1 - this.active,
      total_connections: 1,
      max_connections: 1,
      waiting_requests: 0,
      total_acquired: this.operations,
      total_acquisition_failures: this.failures,
      average_acquisition_time_ms: this.operations ? round(this.totalMs / this.operations) : 0,
      pool_utilization: this.active * 100,
      total_queries: this.queries,
      slow_queries: this.slow,
      deadlocks: this.busy,
    };
  }

  close(): void {
    if (!this.raw.open) return;
    if (this.path !== ':memory:') this.raw.pragma('wal_checkpoint(TRUNCATE)');
    this.raw.close();
  }

  private migrate(migrations: readonly Migration[]): void {
    this.raw.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const current = this.schemaVersion();
    const known = migrations.at(-1)?.version ?? 0;
    if (current > known) {
      throw new Error(
        `Database ${this.path} has schema version ${current}, newer than this Bindery knows (${known}); upgrade Bindery.`,
      );
    }
    const apply = this.raw.transaction((migration: Migration) => {
      this.raw.exec(migration.sql);
      this.raw
        .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(migration.version, migration.name, new Date().toISOString());
    });
    for (const migration of migrations) if (migration.version > current) apply.immediate(migration);
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** Integrity failures that reach SQLite despite the service's checks are races: report them as conflicts. */
function translate(error: unknown): unknown {
  const code = (error as { code?: unknown })?.code;
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return BinderyError.conflict(
      'A referenced task or project was deleted meanwhile; read it again and retry.',
    );
  }
  if (isBusy(error)) {
    return new BinderyError('timeout_error', 'The database stayed busy for 5 s; retry.', { cause: error });
  }
  return error;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Equality filters of a list: column → value, undefined values skipped. */
export type ListFilter = Record<string, unknown>;

/**
 * One page of `table`, newest first, with the filtered total: the shape of the plain list operations.
 * `conditions` are trusted SQL fragments with one `?` each, paired with their values.
 */
export function newestFirst<R extends { seq: number }>(
  db: SqliteDatabase,
  query: { table: string; columns: string; conditions: [string, unknown][]; page: PageRequest },
): { rows: R[]; total: number } {
  const active = query.conditions.filter(
    ([, value]) => value !== undefined && value !== null && value !== '',
  );
  const where = active.map(([sql]) => sql);
  const params = active.map(([, value]) => value);
  const clause = (parts: string[]) => (parts.length ? `WHERE ${parts.join(' AND ')}` : '');
  const total = db
    .stmt(`SELECT count(*) FROM ${query.table} ${clause(where)}`)
    .pluck()
    .get(...params) as number;
  const after = decodeCursor(query.page.cursor);
  if (after !== undefined) {
    where.push('seq < ?');
    params.push(after);
  }
  const rows = db
    .stmt(`SELECT ${query.columns} FROM ${query.table} ${clause(where)} ORDER BY seq DESC LIMIT ?`)
    .all(...params, query.page.limit + 1) as R[];
  return { rows, total };
}

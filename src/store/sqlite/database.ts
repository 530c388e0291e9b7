import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BinderyError } from '../../contract/index.js';
import { currentActor, currentClient } from '../actor.js';
import type { Executor } from '../core/dialect.js';
import { round } from '../core/sql.js';
import { firstWriteScope } from '../idempotency-scope.js';
import { ensurePrivateDir, ensurePrivateFile } from '../private-files.js';
import { identifierWords } from '../search-text.js';
import type { PoolMetrics } from '../types.js';
import { markedWrite, SqliteIdempotency } from './idempotency.js';
import { SQLITE_MEMORY, type SqliteMemory } from './memory.js';
import type { Migration } from './migrations.js';

/** The connection's fixed pragmas; `configuration()` (GET /api/pool/health) shows them with the sized ones. */
const FIXED_PRAGMAS = {
  journal_mode: 'WAL',
  synchronous: 'NORMAL',
  foreign_keys: 'ON',
  busy_timeout: 5000,
  temp_store: 'MEMORY',
} as const;

/** Every pragma the connection runs, for `configuration()` and the constructor. */
export function sqlitePragmas(memory: SqliteMemory): Record<string, string | number> {
  return {
    ...FIXED_PRAGMAS,
    cache_size: -memory.cacheMb * 1024, // negative: KiB rather than pages
    mmap_size: memory.mmapMb * 1024 * 1024,
  };
}

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
  /** Operations waiting for the connection while another holds it across an await. */
  private readonly waiting: (() => void)[] = [];
  private held = false;
  private readonly executor: Executor = new SqliteExecutor(this);

  constructor(
    readonly path: string,
    migrations: readonly Migration[],
    readonly pragmas: Record<string, string | number> = sqlitePragmas(SQLITE_MEMORY),
  ) {
    if (path !== ':memory:') {
      ensurePrivateDir(dirname(path));
      ensurePrivateFile(path, [`${path}-wal`, `${path}-shm`]);
    }
    this.raw = new Database(path);
    for (const [name, value] of Object.entries(pragmas)) this.raw.pragma(`${name} = ${value}`);
    // Migration 5 indexes the identifier words of stored chunks with the rule new chunks are indexed by.
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

  /** Runs one synchronous store operation (a transaction when `write`), measured for the pool metrics. */
  run<T>(fn: () => T, write = false): T {
    const started = this.begin();
    try {
      return write ? markedWrite(this, () => this.asActor(fn)) : fn();
    } catch (error) {
      throw this.failed(error);
    } finally {
      this.end(started);
    }
  }

  /** The first statement of every write transaction hands its actor to the change log's triggers. */
  private asActor<T>(fn: () => T): T {
    this.stmt('UPDATE change_actor SET actor = ?, client = ? WHERE id = 1').run(
      currentActor(),
      currentClient(),
    );
    return fn();
  }

  /**
   * Runs one async store operation alone on the connection (a transaction when `write`), measured like
   * `run`. The connection is handed over in turn: an operation that awaits between its statements must
   * not see another one's statements inside its transaction. A hand-written queue rather than a mutex
   * library: it is twelve lines and the hot path (connection free) takes no timer or allocation.
   */
  async operation<T>(fn: (x: Executor) => Promise<T>, write = false): Promise<T> {
    // A request's first write under an Idempotency-Key: replayed, or marked in its own transaction.
    const scope = write ? firstWriteScope() : undefined;
    if (scope?.replay) {
      scope.committed = true;
      return scope.replay.result as T;
    }
    await this.acquire();
    const started = this.begin();
    // An export holds a read transaction across its pages: a write inside it nests as a savepoint.
    const nested = write && this.raw.inTransaction;
    try {
      if (write) this.raw.exec(nested ? 'SAVEPOINT bindery_operation' : 'BEGIN IMMEDIATE');
      if (write) this.asActor(() => {});
      const result = await fn(this.executor);
      if (scope) new SqliteIdempotency(this).markCommitted(scope, result);
      if (write) this.raw.exec(nested ? 'RELEASE bindery_operation' : 'COMMIT');
      if (scope) scope.committed = true;
      return result;
    } catch (error) {
      if (write && this.raw.inTransaction) {
        this.raw.exec(nested ? 'ROLLBACK TO bindery_operation; RELEASE bindery_operation' : 'ROLLBACK');
      }
      throw this.failed(error);
    } finally {
      this.end(started);
      this.release();
    }
  }

  /** Runs a synchronous piece (search, idempotency) in its turn on the connection. */
  async exclusive<T>(fn: () => T): Promise<T> {
    await this.acquire();
    try {
      return fn();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> | undefined {
    if (!this.held) {
      this.held = true;
      return undefined;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private begin(): number {
    this.operations++;
    this.active++;
    return performance.now();
  }

  private failed(error: unknown): unknown {
    if (isBusy(error)) this.busy++;
    if (!(error instanceof BinderyError)) this.failures++;
    return translate(error);
  }

  private end(started: number): void {
    this.active--;
    const elapsed = performance.now() - started;
    this.totalMs += elapsed;
    if (elapsed > SLOW_MS) this.slow++;
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
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
      waiting_requests: this.waiting.length,
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

/**
 * Statements for the dialect-free core: `$1`, `$2` … are SQLite named parameters, bound by number. Every
 * call is synchronous underneath; the caller holds the connection (`SqliteDatabase.operation`).
 */
class SqliteExecutor implements Executor {
  constructor(private readonly db: SqliteDatabase) {}

  async rows<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.db.stmt(sql).pluck(false).all(bind(params)) as R[];
  }

  async row<R>(sql: string, params: readonly unknown[] = []): Promise<R | undefined> {
    return this.db.stmt(sql).pluck(false).get(bind(params)) as R | undefined;
  }

  async value<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return this.db.stmt(sql).pluck(true).get(bind(params)) as T | undefined;
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.db.stmt(sql).run(bind(params)).changes;
  }
}

/** `[a, b]` → `{1: a, 2: b}`, the values of `$1` and `$2`. */
function bind(params: readonly unknown[]): Record<number, unknown> {
  const named: Record<number, unknown> = {};
  for (let i = 0; i < params.length; i++) named[i + 1] = params[i];
  return named;
}

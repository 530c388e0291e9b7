import { createHash } from 'node:crypto';
import pg from 'pg';
import { BinderyError } from '../../contract/index.js';
import { currentActor, currentClient } from '../actor.js';
import type { Executor } from '../core/dialect.js';
import { round } from '../core/sql.js';
import type { PoolMetrics } from '../types.js';
import { actorStatement } from './change-log.js';
import { sqlState, translate } from './errors.js';
import { markedWrite } from './idempotency.js';

/** Issue 9 pool settings: 8 connections at most, 2 kept warm, 3 s to get one, bounded statements. */
export const PG_POOL = {
  max: 8,
  min: 2,
  connectionTimeoutMillis: 3_000,
  idleTimeoutMillis: 30_000,
  statement_timeout: 15_000,
  idle_in_transaction_session_timeout: 60_000,
} as const;

const SLOW_MS = 100;
/** Deadlocks and serialization failures are retried this many times before the caller sees them. */
const RETRIES = 3;
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Values as the contract has them: timestamps as RFC 3339 UTC strings with milliseconds (timestamptz
 * holds microseconds, Bindery writes milliseconds, so nothing is lost) and bigint as number.
 */
const parseTimestamp = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ);
const timestampText = (v: string) => (parseTimestamp(v) as Date).toISOString();
const int8Number = (v: string) => Number(v);
/** Asked once per column of every result (the driver reads each row description anew): no allocation. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.TIMESTAMPTZ) return timestampText;
    if (oid === pg.types.builtins.INT8) return int8Number;
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

/** One connection for the length of a store operation; every query goes through it to be measured. */
export class PgSession implements Executor {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly db: PgDatabase,
  ) {}

  async rows<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.query(sql, params)).rows as R[];
  }

  /**
   * Rows of a statement that is not prepared, so PostgreSQL plans it for these very values: where the
   * best plan depends on them (a search word in every row or in ten), a prepared statement's generic
   * plan would be the wrong one for some of them.
   */
  async rowsPlannedForValues<R>(sql: string, params: readonly unknown[]): Promise<R[]> {
    return (await this.query(sql, params, false)).rows as R[];
  }

  /**
   * Each row of a statement planned for its values (rowsPlannedForValues), handed to `take` as it arrives
   * and not kept. The caller's work on a row overlaps the reading of the next, and a long result is never
   * held whole: a common word's ~500 search candidates (~0.5 MB of text) held while they arrived were
   * copied by every young-generation collection that ran meanwhile (~2.5 MB promoted, 5–15 ms a pause).
   */
  eachRowPlannedForValues<R>(sql: string, params: readonly unknown[], take: (row: R) => void): Promise<void> {
    return this.measured(
      () =>
        new Promise<void>((resolve, reject) => {
          // Thrown inside the driver's message handling it would break the connection: kept for the end.
          let failure: { error: unknown } | undefined;
          const query = this.client.query(new pg.Query(sql, params as unknown[]));
          query.on('row', (row: R) => {
            if (failure) return;
            try {
              take(row);
            } catch (error) {
              failure = { error };
            }
          });
          query.on('error', reject);
          query.on('end', () => (failure ? reject(failure.error) : resolve()));
        }),
    );
  }

  /** Runs a write and returns how many rows it touched. */
  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.query(sql, params)).rowCount ?? 0;
  }

  async row<R>(sql: string, params: readonly unknown[] = []): Promise<R | undefined> {
    return (await this.rows<R>(sql, params))[0];
  }

  /** The first column of the first row. */
  async value<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    const row = await this.row<Record<string, T>>(sql, params);
    return row ? Object.values(row)[0] : undefined;
  }

  private query(sql: string, params: readonly unknown[], prepared = true): Promise<pg.QueryResult> {
    // Parameterised statements are prepared once per connection (PostgreSQL then caches their plans, as
    // SQLite's statement cache does); statements without parameters (DDL, BEGIN) run as simple queries.
    return this.measured(() => {
      if (params.length === 0) return this.client.query(sql);
      if (!prepared) return this.client.query(sql, params as unknown[]);
      return this.client.query({ name: statementName(sql), text: sql, values: params as unknown[] });
    });
  }

  /** Every statement is counted and timed (a streamed one with its handler's work on the rows). */
  private async measured<T>(run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } finally {
      this.db.countQuery(performance.now() - started);
    }
  }
}

/**
 * The pg.Pool with honest metrics: pool sizes come from the pool itself, acquisition and query times are
 * measured, and deadlock / serialization failures are counted (and retried, since a store operation is
 * one transaction that can simply run again).
 */
export class PgDatabase {
  private readonly pool: pg.Pool;
  private acquired = 0;
  private acquireFailures = 0;
  private acquireMs = 0;
  private queries = 0;
  private slow = 0;
  private deadlocks = 0;

  constructor(readonly url: string) {
    this.pool = new pg.Pool({
      connectionString: url,
      ...PG_POOL,
      application_name: 'bindery',
      types: TYPES,
      // A transaction's BEGIN is sent with its first statement instead of a round trip ahead of it (transaction()).
      pipeline: true,
    });
    // An idle connection the server drops must not crash the process; the pool replaces it.
    this.pool.on('error', () => {});
  }

  /** Opens the `min` connections now, so the first requests do not pay for them. */
  async warm(): Promise<void> {
    const clients = await Promise.all(Array.from({ length: PG_POOL.min }, () => this.pool.connect()));
    for (const client of clients) client.release();
  }

  /** Runs `fn` on one connection without a transaction (single statements, or DDL with its own). */
  async session<T>(fn: (s: PgSession) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    let lost = false;
    try {
      return await fn(new PgSession(client, this));
    } catch (error) {
      this.observe(error);
      // An error without SQLSTATE came from the socket, not the server: do not reuse that connection.
      lost = !(error instanceof BinderyError) && !sqlState(error);
      throw translate(error);
    } finally {
      client.release(lost);
    }
  }

  /** A read-only snapshot: the queries of one read see the same committed state. */
  read<T>(fn: (s: PgSession) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn);
  }

  /** Streams what `fn` yields from one read-only snapshot, held on one connection until the stream ends. */
  async *snapshot<T>(fn: (s: PgSession) => AsyncGenerator<T>): AsyncGenerator<T> {
    const client = await this.acquire();
    const session = new PgSession(client, this);
    let ended = false;
    try {
      await session.rows('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // It holds no locks, and its reader (an export piped to a slow disk) may pause for long.
      await session.rows('SET LOCAL idle_in_transaction_session_timeout = 0');
      yield* fn(session);
      await session.rows('COMMIT');
      ended = true;
    } catch (error) {
      await client.query('ROLLBACK').then(
        () => {
          ended = true;
        },
        () => {},
      );
      throw translate(error);
    } finally {
      // A consumer that stopped early left the transaction open: drop that connection instead of reusing it.
      client.release(!ended);
    }
  }

  /** A READ COMMITTED write transaction; row locks inside `fn` provide the isolation it needs. */
  write<T>(fn: (s: PgSession) => Promise<T>): Promise<T> {
    // One round trip: BEGIN and handing the actor to the change log's triggers go as one simple query.
    return markedWrite(fn, (marked) =>
      this.transaction(`BEGIN; ${actorStatement(currentActor(), currentClient())}`, marked),
    );
  }

  countQuery(ms: number): void {
    this.queries++;
    if (ms > SLOW_MS) this.slow++;
  }

  metrics(): PoolMetrics {
    const total = this.pool.totalCount;
    const active = total - this.pool.idleCount;
    return {
      active_connections: active,
      idle_connections: this.pool.idleCount,
      total_connections: total,
      max_connections: PG_POOL.max,
      waiting_requests: this.pool.waitingCount,
      total_acquired: this.acquired,
      total_acquisition_failures: this.acquireFailures,
      average_acquisition_time_ms: this.acquired ? round(this.acquireMs / this.acquired) : 0,
      pool_utilization: round((active / PG_POOL.max) * 100),
      total_queries: this.queries,
      slow_queries: this.slow,
      deadlocks: this.deadlocks,
    };
  }

  close(): Promise<void> {
    return this.pool.ended ? Promise.resolve() : this.pool.end();
  }

  private async transaction<T>(begin: string, fn: (s: PgSession) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.acquire();
      const session = new PgSession(client, this);
      let broken = false;
      try {
        // Pipelined: the first statement of `fn` goes out right behind BEGIN, and the server runs them in order,
        // so both take one round trip. BEGIN's text is constant but for escaped literals and PostgreSQL parses
        // all of it before running any: it can only fail with the connection, which fails what follows too.
        const begun = session.rows(begin);
        // Awaited below: this only keeps its failure from counting as unhandled when `fn` fails first.
        begun.catch(() => {});
        const result = await fn(session);
        await begun;
        await session.rows('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        if (this.observe(error) && attempt < RETRIES) continue;
        throw translate(error);
      } finally {
        client.release(broken);
      }
    }
  }

  private async acquire(): Promise<pg.PoolClient> {
    const started = performance.now();
    try {
      const client = await this.pool.connect();
      this.acquired++;
      this.acquireMs += performance.now() - started;
      return client;
    } catch (error) {
      this.acquireFailures++;
      throw unreachable(error);
    }
  }

  /** Counts a deadlock or serialization failure; true when the transaction may simply run again. */
  private observe(error: unknown): boolean {
    const retryable = RETRYABLE.has(sqlState(error) ?? '');
    if (retryable) this.deadlocks++;
    return retryable;
  }
}

const names = new Map<string, string>();

/** A stable name per SQL text; the texts come from the store's own templates, so there are few. */
function statementName(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    name = `bindery_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
    names.set(sql, name);
  }
  return name;
}

function unreachable(error: unknown): BinderyError {
  const timedOut = error instanceof Error && /timeout/i.test(error.message);
  return new BinderyError(
    'connection_error',
    timedOut
      ? `No PostgreSQL connection became free within ${PG_POOL.connectionTimeoutMillis / 1000} s; the store is overloaded. Retry shortly.`
      : `PostgreSQL is not reachable (${(error as Error).message}); check BINDERY_DATABASE_URL and the server.`,
    { cause: error, httpStatus: 503, retryAfterS: 1 },
  );
}

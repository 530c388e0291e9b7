import { afterEach, describe, expect, it } from 'vitest';
import { BinderyError } from '../../../src/contract/index.js';
import { PG_POOL, PgDatabase } from '../../../src/store/postgres/database.js';
import { freshSchema, openStore } from './open.js';

const databases: PgDatabase[] = [];
afterEach(async () => {
  for (const db of databases.splice(0)) await db.close();
});

async function database(): Promise<PgDatabase> {
  const db = new PgDatabase((await freshSchema()).url);
  databases.push(db);
  await db.session((s) => s.rows('CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)'));
  await db.session((s) => s.rows('INSERT INTO counters VALUES (1, 0), (2, 0)'));
  return db;
}

describe('PostgreSQL pool and metrics', () => {
  it('keeps the minimum warm and reports the real pool', async () => {
    const store = await openStore();
    const metrics = store.metrics();
    expect(metrics.max_connections).toBe(8);
    expect(metrics.total_connections).toBeGreaterThanOrEqual(PG_POOL.min);
    expect(metrics.idle_connections).toBe(metrics.total_connections - metrics.active_connections);
    await store.probe();
    const after = store.metrics();
    expect(after.total_acquired).toBeGreaterThan(metrics.total_acquired);
    expect(after.total_queries).toBeGreaterThan(metrics.total_queries);
  });

  it('queues requests beyond 8 connections, and counts slow queries', async () => {
    const db = await database();
    const sleeps = Promise.all(
      Array.from({ length: 12 }, () => db.session((s) => s.rows('SELECT pg_sleep(0.15)'))),
    );
    await new Promise((r) => setTimeout(r, 80));
    const busy = db.metrics();
    expect(busy.total_connections).toBe(8);
    expect(busy.active_connections).toBe(8);
    expect(busy.waiting_requests).toBe(4);
    expect(busy.pool_utilization).toBe(100);
    await sleeps;
    expect(db.metrics().slow_queries).toBeGreaterThanOrEqual(12);
    expect(db.metrics().average_acquisition_time_ms).toBeGreaterThan(0);
  });

  it('counts a deadlock and retries the transaction it aborted, so both writes land', async () => {
    const db = await database();
    let firstLocked!: () => void;
    let secondLocked!: () => void;
    const bothLocked = Promise.all([
      new Promise<void>((r) => {
        firstLocked = r;
      }),
      new Promise<void>((r) => {
        secondLocked = r;
      }),
    ]);
    const cross = (from: number, to: number, locked: () => void) =>
      db.write(async (s) => {
        await s.rows('UPDATE counters SET n = n + 1 WHERE id = $1', [from]);
        locked();
        await bothLocked;
        await s.rows('UPDATE counters SET n = n + 1 WHERE id = $1', [to]);
      });
    await Promise.all([cross(1, 2, firstLocked), cross(2, 1, secondLocked)]);
    expect(db.metrics().deadlocks).toBe(1);
    const rows = await db.session((s) => s.rows<{ n: number }>('SELECT n FROM counters ORDER BY id'));
    expect(rows.map((r) => r.n)).toEqual([2, 2]);
  });

  it('hands streamed rows over one by one, in order; a failing handler or row fails the call, and the pool still answers', async () => {
    const db = await database();
    const sql = 'SELECT n, repeat($1::text, 2000) AS text FROM generate_series(1, 500) n ORDER BY n';
    const seen: number[] = [];
    await db.session((s) =>
      s.eachRowPlannedForValues<{ n: number; text: string }>(sql, ['x'], (row) => {
        expect(row.text).toHaveLength(2000);
        seen.push(row.n);
      }),
    );
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    const failed = await db
      .session((s) =>
        s.eachRowPlannedForValues<{ n: number }>(sql, ['y'], (row) => {
          if (row.n === 3) throw new Error('handler failed on row 3');
        }),
      )
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toContain('row 3');
    // The server fails on the 300th row, after the first ones were handed over.
    const handed: number[] = [];
    const broken = db.session((s) =>
      s.eachRowPlannedForValues<{ n: number }>(
        'SELECT n, 1 / (300 - n) AS q FROM generate_series(1, 500) n ORDER BY n',
        [],
        (row) => handed.push(row.n),
      ),
    );
    await expect(broken).rejects.toMatchObject({ code: '22012' }); // division_by_zero
    expect(handed.length).toBeLessThan(300);
    // Every connection of the pool still answers.
    const answers = await Promise.all(
      Array.from({ length: PG_POOL.max }, () =>
        db.session((s) => s.rows<{ one: number }>('SELECT 1 AS one')),
      ),
    );
    expect(answers.map((rows) => rows[0]!.one)).toEqual(Array(PG_POOL.max).fill(1));
  });

  it('answers a statement over its timeout with timeout_error', async () => {
    const db = await database();
    const slow = db.write(async (s) => {
      await s.rows(`SET LOCAL statement_timeout = '50ms'`);
      await s.rows('SELECT pg_sleep(1)');
    });
    await expect(slow).rejects.toMatchObject({ code: 'timeout_error' });
  });

  it('an unreachable server is a 503 connection_error, counted as a failed acquisition', async () => {
    const db = new PgDatabase('postgres://postgres@127.0.0.1:1/test');
    databases.push(db);
    const error = await db.session((s) => s.rows('SELECT 1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BinderyError);
    expect(error).toMatchObject({ code: 'connection_error', httpStatus: 503 });
    expect(db.metrics().total_acquisition_failures).toBe(1);
  });
});

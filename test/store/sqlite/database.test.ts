import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { sqlitePath } from '../../../src/runtime/workspace.js';
import { SqliteDatabase } from '../../../src/store/sqlite/database.js';
import { MIGRATIONS } from '../../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../../src/store/sqlite/store.js';
import { tempWorkspace } from '../../helpers/workspace.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function freshPath(): string {
  const ws = tempWorkspace();
  cleanups.push(ws.remove);
  return sqlitePath(ws.dir);
}

describe('SQLite database', () => {
  it('creates the file in .vespera with the documented pragmas and records its migrations', async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    const info = await store.info();
    expect(info.schema_version).toBeGreaterThanOrEqual(1);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = db
      .prepare('SELECT version FROM schema_migrations ORDER BY version')
      .pluck()
      .all() as number[];
    expect(versions[0]).toBe(1);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    db.close();
  });

  it('sizes its page cache and memory map as configured', async () => {
    const store = new SqliteStore(freshPath(), { cacheMb: 8, mmapMb: 0 });
    expect(store.configuration().pragmas).toMatchObject({ cache_size: -8192, mmap_size: 0 });
    await store.close();
  });

  it('reopens an existing database without re-running migrations', async () => {
    const path = freshPath();
    const first = new SqliteStore(path);
    const { schema_version } = await first.info();
    await first.close();
    const second = new SqliteStore(path);
    expect((await second.info()).schema_version).toBe(schema_version);
    await second.close();
  });

  it('refuses a database newer than the code with a clear error', async () => {
    const path = freshPath();
    await new SqliteStore(path).close();
    const db = new Database(path);
    db.prepare(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '2099-01-01')",
    ).run();
    db.close();
    expect(() => new SqliteStore(path)).toThrow(
      /schema version 999, newer than this Bindery knows.*upgrade Bindery/,
    );
  });
});

describe('migration 3', () => {
  it('backfills the kept task counts from tasks written before it', async () => {
    const path = freshPath();
    const v2 = new SqliteDatabase(path, MIGRATIONS.slice(0, 2));
    const insert = v2.raw.prepare(`INSERT INTO tasks (id, title, description, status, priority, tags, labels,
      created_at, updated_at, version) VALUES (?, 'old', '', ?, ?, '[]', '{}', '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z', 1)`);
    for (const [status, priority] of [
      ['todo', 'high'],
      ['todo', 'high'],
      ['done', 'low'],
    ]) {
      insert.run(randomUUID(), status, priority);
    }
    v2.close();
    const store = new SqliteStore(path);
    const counts = await store.dashboardCounts(new Date());
    expect(counts.status_breakdown).toMatchObject({ todo: 2, done: 1 });
    expect(counts.priority_breakdown).toMatchObject({ high: 2, low: 1 });
    expect((await store.listTasks({ statuses: ['todo'] }, { limit: 1 }, 'summary')).total).toBe(2);
    await store.close();
  });
});

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { sqlitePath } from '../../src/store/workspace.js';
import { tempWorkspace } from '../helpers/workspace.js';

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
  it('creates the file in .vespera with the SPEC pragmas and records its migrations', async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    const info = await store.info();
    expect(info.schema_version).toBeGreaterThanOrEqual(1);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(versions[0]).toBe(1);
    expect(versions).toEqual([...versions].sort());
    db.close();
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

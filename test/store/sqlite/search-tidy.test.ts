import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ENTITY_TYPES } from '../../../src/contract/index.js';
import { sqlitePath } from '../../../src/runtime/workspace.js';
import { SQLITE_MEMORY } from '../../../src/store/sqlite/memory.js';
import { SqliteStore } from '../../../src/store/sqlite/store.js';
import { tempWorkspace } from '../../helpers/workspace.js';
import { newTask } from '../stores.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A store that counts as idle after `idleMs`, and a second connection that reads its index's layout. */
function openStore(idleMs: number) {
  const ws = tempWorkspace();
  cleanups.push(ws.remove);
  const path = sqlitePath(ws.dir);
  const store = new SqliteStore(path, SQLITE_MEMORY, { idleMs, pages: 16 });
  cleanups.push(() => store.close());
  const reader = new Database(path, { readonly: true });
  cleanups.push(() => {
    reader.close();
  });
  const segments = () =>
    reader.prepare('SELECT count(DISTINCT segid) FROM search_index_idx').pluck().get() as number;
  return { store, segments, path };
}

/** One write transaction per task: each leaves its own segment in the index. */
async function writeOneByOne(store: SqliteStore, count: number) {
  for (let i = 0; i < count; i++)
    await store.insertTasks([
      newTask({ title: `Rotate the keys of service ${i}`, description: 'quarterly' }),
    ]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the search index tidies itself when the store is idle', () => {
  it('merges the segments that writes left, and every task is still found', async () => {
    const { store, segments } = openStore(50);
    await writeOneByOne(store, 60);
    const before = segments();
    await store.whenSearchIndexTidy();
    const after = segments();
    expect(before).toBeGreaterThan(after);
    expect(after).toBeLessThanOrEqual(3);
    const found = await store.search({ text: 'rotate keys', types: ENTITY_TYPES, limit: 100, offset: 0 });
    expect(found.total).toBe(60);
  });

  it('waits while requests keep arriving, and tidies once they stop', async () => {
    const { store, segments } = openStore(1_000);
    await writeOneByOne(store, 40);
    const before = segments();
    // Reads every 50 ms for 1.5 s: the store never idles for a second, so nothing is merged.
    for (let i = 0; i < 30; i++) {
      await store.search({ text: 'quarterly', types: ENTITY_TYPES, limit: 5, offset: 0 });
      await sleep(50);
    }
    expect(segments()).toBe(before);
    await store.whenSearchIndexTidy();
    expect(segments()).toBeLessThan(before);
  });

  it('merges nothing while an export holds its snapshot open, and tidies after it', async () => {
    const { store, segments, path } = openStore(50);
    await writeOneByOne(store, 30);
    const before = segments();
    const pages = store.exportEntities();
    await pages.next();
    await sleep(400);
    expect(segments()).toBe(before);
    // The export's transaction stayed a read: another connection can still take the write lock.
    const writer = new Database(path, { timeout: 0 });
    expect(() => writer.exec('BEGIN IMMEDIATE; ROLLBACK')).not.toThrow();
    writer.close();
    for await (const _ of pages) {
      // Reading the rest ends the export's transaction.
    }
    await store.whenSearchIndexTidy();
    expect(segments()).toBeLessThan(before);
  });

  it('stops when the store closes, and a wait for it ends', async () => {
    const { store } = openStore(60_000);
    await writeOneByOne(store, 5);
    const waiting = store.whenSearchIndexTidy();
    await store.close();
    await expect(waiting).resolves.toBeUndefined();
  });
});

import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ENTITY_TYPES } from '../../../src/contract/index.js';
import { sqlitePath } from '../../../src/runtime/workspace.js';
import { CANDIDATES_PER_KIND } from '../../../src/store/search-rules.js';
import { parseQuery } from '../../../src/store/search-text.js';
import { SqliteDatabase } from '../../../src/store/sqlite/database.js';
import { MIGRATIONS } from '../../../src/store/sqlite/migrations.js';
import { ftsExpression } from '../../../src/store/sqlite/search.js';
import { SqliteStore } from '../../../src/store/sqlite/store.js';
import type { NewTask } from '../../../src/store/types.js';
import { tempWorkspace } from '../../helpers/workspace.js';
import { newTask as buildTask } from '../stores.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function freshPath(): string {
  const ws = tempWorkspace();
  cleanups.push(ws.remove);
  return sqlitePath(ws.dir);
}

function openStore(path = freshPath()): SqliteStore {
  const store = new SqliteStore(path);
  cleanups.push(() => store.close());
  return store;
}

const at = '2026-01-01T00:00:00.000Z';
/** A task titled `title`, all written at one instant (the store's own builder, test/store/stores.ts). */
const newTask = (title: string, fields: Partial<NewTask> = {}): NewTask =>
  buildTask({ title, created_at: at, updated_at: at, ...fields });

const searchAll = (store: SqliteStore, text: string, limit = 10) =>
  store.search({ text, types: ENTITY_TYPES, limit, offset: 0 });

describe('ftsExpression', () => {
  it('quotes every word: all words, any word, and the typed prefix', () => {
    const terms = parseQuery('"deploy AND (server')!.terms;
    expect(ftsExpression(terms, 'all')).toBe('"deploy" AND ("server" OR "server"*)');
    expect(ftsExpression(terms, 'any')).toBe('"deploy" OR ("server" OR "server"*)');
    expect(ftsExpression(terms, 'all', false)).toBe('"deploy" AND "server"');
  });
});

describe('search index on SQLite', () => {
  it('makes tasks and projects written under schema 1 searchable after migration 2', async () => {
    const path = freshPath();
    const v1 = new SqliteDatabase(path, MIGRATIONS.slice(0, 1));
    v1.raw
      .prepare(`INSERT INTO projects (id, name, description, tags, created_at, updated_at, version)
                VALUES (?, 'Legacy project', 'from before search', '["old"]', ?, ?, 1)`)
      .run(randomUUID(), at, at);
    v1.raw
      .prepare(`INSERT INTO tasks (id, title, description, status, priority, tags, labels, created_at, updated_at, version)
                VALUES (?, 'Legacy task', 'written on schema one', 'todo', 'normal', '["archaic"]', '{}', ?, ?, 1)`)
      .run(randomUUID(), at, at);
    v1.close();

    const store = openStore(path);
    expect((await store.info()).schema_version).toBe(MIGRATIONS.at(-1)!.version);
    const found = await searchAll(store, 'legacy');
    expect(found.results.map((r) => [r.type, r.title]).sort()).toEqual([
      ['project', 'Legacy project'],
      ['task', 'Legacy task'],
    ]);
    expect((await searchAll(store, 'archaic')).results[0]).toMatchObject({
      title: 'Legacy task',
      tags: ['archaic'],
    });
  });

  it('keeps the FTS index consistent through inserts, updates, cascades and deletes', async () => {
    const path = freshPath();
    const store = openStore(path);
    const root = newTask('alpha root');
    const child = newTask('alpha child', { parent_id: root.id });
    await store.insertTasks([root, child, newTask('beta')]);
    await store.updateTask(root.id, { title: 'gamma root', description: 'alpha below' });
    await store.insertNote({
      id: randomUUID(),
      updated_by: 'anonymous',
      title: 'alpha note',
      content: 'x',
      tags: [],
      project_id: null,
      created_at: at,
      updated_at: at,
      version: 1,
    });
    await store.insertDocument(
      {
        id: randomUUID(),
        title: 'alpha doc',
        content: 'alpha',
        document_type: 'text',
        source_path: null,
        tags: [],
        project_id: null,
        content_hash: 'a'.repeat(64),
        chunk_count: 1,
        size_bytes: 5,
        created_at: at,
      },
      [{ index: 0, start: 0, end: 5, heading_path: [], text: 'alpha' }],
    );
    await store.deleteTaskTree(root.id);
    expect((await searchAll(store, 'alpha')).results.map((r) => r.type).sort()).toEqual(['document', 'note']);
    const db = new SqliteDatabase(path, MIGRATIONS);
    cleanups.push(() => db.close());
    expect(() =>
      db.raw.exec(`INSERT INTO search_index (search_index) VALUES ('integrity-check')`),
    ).not.toThrow();
  });

  it('ranks a word common enough to fill the candidate set by where and how often it occurs', async () => {
    const store = openStore();
    const filler = Array.from({ length: CANDIDATES_PER_KIND }, (_, i) =>
      newTask(`task ${i}`, { description: `a long description that mentions the rollout once, item ${i}` }),
    );
    const twice = newTask('unrelated', { description: 'Rollout plan: the rollout happens in two waves' });
    const titled = newTask('Rollout', { description: 'about the plan' });
    const accented = newTask('Déploiement rollout', { description: 'à venir' });
    await store.insertTasks([...filler, twice, titled, accented]);
    const found = await searchAll(store, 'rollout', 5);
    expect(found.results[0]).toMatchObject({ id: titled.id, relevance_score: 1 });
    expect(found.results.slice(0, 3).map((r) => r.id)).toContain(accented.id);
    expect(found.results.findIndex((r) => r.id === twice.id)).toBeLessThan(4);
    expect(found.results[0]!.snippet).toContain('«');
    const scores = found.results.map((r) => r.relevance_score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect((await searchAll(store, 'deploiement', 5)).results[0]?.id).toBe(accented.id);
  });
});

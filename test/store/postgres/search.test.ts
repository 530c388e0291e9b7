import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENTITY_TYPES } from '../../../src/contract/index.js';
import { PostgresStore } from '../../../src/store/postgres/store.js';
import type { NewTask, SearchRequest } from '../../../src/store/types.js';
import { withAdmin } from '../../helpers/pg-admin.js';
import { createTestSchema } from '../../helpers/postgres.js';
import { newTask } from '../stores.js';

const task = (title: string, description = ''): NewTask => newTask({ title, description });

const request = (text: string): SearchRequest => ({ text, types: ENTITY_TYPES, limit: 10, offset: 0 });

describe('PostgreSQL search', () => {
  let store: PostgresStore;
  beforeAll(async () => {
    const schema = await createTestSchema();
    store = await PostgresStore.open(schema.url);
    await store.insertTasks([
      task('Walrus handbook', 'all about sea mammals'),
      task('Sea notes', 'a walrus appears once in this text about src/store/index.ts'),
      task('Crème brûlée', 'dessert'),
      // Decomposed marks (e + U+0300), Greek with tonos, and Hangul that must stay whole.
      task('Cre\u0300pe party', 'Ωμέγα 한국어'),
    ]);
    return async () => {
      await store.close();
      await schema.drop();
    };
  });

  it('ranks a title hit above a body hit, scores 0–1 with the best at 1, marks the snippet', async () => {
    const { results, total } = await store.search(request('walrus'));
    expect(total).toBe(2);
    expect(results.map((r) => r.title)).toEqual(['Walrus handbook', 'Sea notes']);
    expect(results[0]!.relevance_score).toBe(1);
    expect(results[1]!.relevance_score).toBeGreaterThan(0);
    expect(results[1]!.relevance_score).toBeLessThan(1);
    expect(results[1]!.snippet).toContain('«walrus»');
  });

  it('prefix-matches the last word only, folds diacritics, and splits paths into words', async () => {
    expect((await store.search(request('walr'))).total).toBe(2);
    // "walr" is not the last word, so it is not a prefix: the handbook matches only "handbook".
    expect((await store.search(request('walr handbook'))).results).toMatchObject([
      { title: 'Walrus handbook', match: 'partial', matched: ['handbook'] },
    ]);
    expect((await store.search(request('creme brul'))).results[0]?.title).toBe('Crème brûlée');
    expect((await store.search(request('index'))).results[0]?.title).toBe('Sea notes');
    expect((await store.search(request('crêpe'))).results[0]?.title).toBe('Cre\u0300pe party');
    expect((await store.search(request('ωμεγα'))).results[0]?.title).toBe('Cre\u0300pe party');
    const korean = (await store.search(request('한국'))).results[0];
    expect(korean?.snippet).toContain('«한국어»');
  });

  it('answers tsquery operators and random text without an error', async () => {
    for (const text of [
      'a & b',
      'a | b',
      '!walrus',
      'a <-> b',
      'walrus:*',
      'walrus:A',
      "'",
      "''",
      '\\',
      ':',
      '(',
      ')',
    ]) {
      await expect(store.search(request(text)), text).resolves.toBeDefined();
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (text) => {
        const page = await store.search(request(text));
        for (const r of page.results) expect(r.relevance_score).toBeLessThanOrEqual(1);
      }),
      { numRuns: 100 },
    );
  });

  it('finds matches through the GIN indexes', async () => {
    const plan = await withAdmin(async (c) => {
      const schema = (await store.info()).location.match(/search_path%3D(\w+)/)![1];
      await c.query(`SET search_path = ${schema}; SET enable_seqscan = off`);
      const { rows } = await c.query(
        `EXPLAIN SELECT seq FROM tasks WHERE search @@ plainto_tsquery('bindery_english', 'walrus')`,
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('tasks_search');
  });
});

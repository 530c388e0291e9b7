import { describe, expect, it } from 'vitest';
import { ENTITY_TYPES } from '../../src/contract/index.js';
import { CANDIDATES_PER_KIND, COMMON_WORD_CANDIDATES } from '../../src/store/search-rules.js';
import type { Store } from '../../src/store/types.js';
import { newTask, STORES } from './stores.js';

const searchAll = (store: Store, text: string, limit = 10) =>
  store.search({ text, types: ENTITY_TYPES, limit, offset: 0 });

/** `count` tasks mentioning `word` in their description, oldest first; the oldest also has it in its title. */
async function tasksWith(store: Store, word: string, count: number) {
  const tasks = Array.from({ length: count }, (_, i) =>
    newTask({
      title: i === 0 ? `${word} first` : `task ${i}`,
      description: `mentions ${word} in passing, item ${i}`,
    }),
  );
  await store.insertTasks(tasks);
  return tasks;
}

describe.each(STORES)('candidates of a search on $kind', ({ open }) => {
  it(`ranks every match of a word found in fewer than ${CANDIDATES_PER_KIND} rows`, async () => {
    const store = await open();
    const tasks = await tasksWith(store, 'rollout', CANDIDATES_PER_KIND - 1);
    const found = await searchAll(store, 'rollout');
    expect(found).toMatchObject({ total: CANDIDATES_PER_KIND - 1, path: 'rare' });
    // The oldest match is ranked too, and its title hit puts it first.
    expect(found.results[0]!.id).toBe(tasks[0]!.id);
  });

  it(`ranks only the newest ${COMMON_WORD_CANDIDATES} matches of a word found in ${CANDIDATES_PER_KIND} rows or more`, async () => {
    const store = await open();
    const tasks = await tasksWith(store, 'common', CANDIDATES_PER_KIND + 50);
    const found = await searchAll(store, 'common', 100);
    expect(found).toMatchObject({ total: COMMON_WORD_CANDIDATES, path: 'common' });
    const newest = new Set(tasks.slice(-COMMON_WORD_CANDIDATES).map((t) => t.id));
    expect(found.results.every((r) => newest.has(r.id))).toBe(true);
  });

  // PostgreSQL skips the candidates' round trip when its counts prove nothing can match: they must not
  // skip a typed last word whose completions are not counted.
  it('completes a typed last word when no row holds the words as typed', async () => {
    const store = await open();
    const keys = await store.insertTasks([newTask({ title: 'Rotate the signing keys' })]);
    const matches = async (text: string) =>
      (await searchAll(store, text)).results.map((r) => [r.id, r.match]);
    expect(await matches('rotate signing ke')).toEqual([[keys.id, 'all']]);
    expect(await matches('rotate ke')).toEqual([[keys.id, 'all']]);
    // The words besides the typed one match nowhere: nothing, all words or some.
    expect(await matches('zeppelin ke')).toEqual([[keys.id, 'partial']]);
    expect(await matches('zeppelin blimp')).toEqual([]);
  });
});

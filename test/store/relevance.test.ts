import { afterAll, describe, expect, it } from 'vitest';
import { BINDERY_VERSION } from '../../src/contract/index.js';
import { RoleRegistry } from '../../src/service/roles.js';
import { createService } from '../../src/service/service.js';
import { openStore } from '../../src/store/index.js';
import { STOP_WORDS } from '../../src/store/search-stop-words.js';
// @ts-expect-error: a plain ES module shared with the bench, without type declarations.
import { evaluateSet, relevanceSets } from '../fixtures/relevance/relevance.mjs';
import { tempWorkspace } from '../helpers/workspace.js';

interface Score {
  recall_at_5: number;
  mrr_at_10: number;
  missed: string[];
}

/**
 * The relevance set (docs/search.md) as a regression guard, on SQLite: every set against the plain FTS5
 * reference computed on the same text. `npm run bench -- --suite relevance` prints it for both stores.
 */
describe('relevance against the plain FTS5 reference', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  for (const set of relevanceSets() as { name: string }[]) {
    it(`${set.name}: recall@5 and MRR@10 at least the reference's`, async () => {
      const ws = tempWorkspace();
      const store = await openStore({ workspace: ws.dir });
      cleanups.push(ws.remove, () => store.close());
      const api = createService({
        store,
        roles: new RoleRegistry(),
        version: BINDERY_VERSION,
        workspace: ws.dir,
      });
      const { bindery, reference } = (await evaluateSet(api, set, STOP_WORDS)) as {
        bindery: Score;
        reference: Score;
      };
      expect(bindery.recall_at_5, bindery.missed.join('; ')).toBeGreaterThanOrEqual(reference.recall_at_5);
      expect(bindery.mrr_at_10).toBeGreaterThanOrEqual(reference.mrr_at_10);
      if (set.name === 'tasks-notes') expect(bindery.recall_at_5).toBeGreaterThanOrEqual(0.9);
    });
  }
});

// Suite "relevance": the relevance set (test/fixtures/relevance) on this store against the plain FTS5
// reference, computed on the same text in the same run.
import pg from 'pg';
import { BINDERY_VERSION } from '../dist/contract/index.js';
import { RoleRegistry } from '../dist/service/roles.js';
import { createService } from '../dist/service/service.js';
import { openStore } from '../dist/store/index.js';
import { STOP_WORDS } from '../dist/store/search-stop-words.js';
import { evaluateSet, relevanceSets } from '../test/fixtures/relevance/relevance.mjs';
import { printTable, tempDir } from './lib.mjs';

/** Both stores in one run; PostgreSQL at BINDERY_RELEVANCE_PG_URL or the local test database. */
const PG_URL = process.env.BINDERY_RELEVANCE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function relevanceSuite() {
  const rows = [];
  const details = {};
  for (const storeKind of ['sqlite', 'postgres']) {
    for (const set of relevanceSets()) {
      // A fresh store per set, so word rarity is measured on that set's text alone, as in the reference.
      const { store, dir, remove } = await freshStore(storeKind);
      try {
        const api = createService({
          store,
          roles: new RoleRegistry(),
          version: BINDERY_VERSION,
          workspace: dir,
        });
        const result = await evaluateSet(api, set, STOP_WORDS);
        details[`${storeKind}/${set.name}`] = result;
        for (const [engine, s] of Object.entries(result)) {
          rows.push({
            set: set.name,
            store: storeKind,
            engine,
            queries: s.queries,
            'recall@5': s.recall_at_5,
            'MRR@10': s.mrr_at_10,
            'nDCG@10': s.ndcg_at_10,
          });
        }
      } finally {
        await store.close();
        await remove();
      }
    }
  }
  printTable('Relevance (Bindery next to the plain FTS5 reference on the same text)', rows);
  return { rows, details };
}

async function freshStore(kind) {
  const ws = tempDir();
  if (kind === 'sqlite')
    return { store: await openStore({ workspace: ws.dir }), remove: async () => ws.remove() };
  const schema = `bindery_relevance_${process.pid}_${Date.now()}`;
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const store = await openStore({ workspace: ws.dir, databaseUrl: url.toString() });
  const remove = async () => {
    ws.remove();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  };
  return { store, dir: ws.dir, remove };
}

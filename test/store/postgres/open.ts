import { afterEach } from 'vitest';
import { PostgresStore } from '../../../src/store/postgres/store.js';
import { createTestSchema, type TestSchema } from '../../helpers/postgres.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh schema of this run, dropped after the test. */
export async function freshSchema(): Promise<TestSchema> {
  const schema = await createTestSchema();
  cleanups.push(schema.drop);
  return schema;
}

/** A PostgresStore on a fresh schema (or the given URL), closed after the test. */
export async function openStore(url?: string): Promise<PostgresStore> {
  const store = await PostgresStore.open(url ?? (await freshSchema()).url);
  cleanups.push(() => store.close());
  return store;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PG_MIGRATIONS } from '../../../src/store/postgres/migrations.js';
import { PostgresStore } from '../../../src/store/postgres/store.js';
// @ts-expect-error: a plain ES module, also run by the previous release (make-fixtures.mjs).
import { SCHEMA } from '../../fixtures/previous-release/snapshot.mjs';
import { withAdmin } from '../../helpers/pg-admin.js';
import { createTestSchema } from '../../helpers/postgres.js';
import { expectPreviousReleaseIntact, FIXTURES } from '../upgrade-fixture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('a PostgreSQL schema made by the previous release', () => {
  it('opens with every entity, id, version, timestamp and search hit intact', async () => {
    const schema = await createTestSchema();
    cleanups.push(schema.drop);
    // The dump creates its schema: load it under this test's name instead of the one it was made in.
    const dump = readFileSync(join(FIXTURES, 'postgres.sql'), 'utf8').replaceAll(
      SCHEMA as string,
      schema.name,
    );
    await withAdmin(async (c) => {
      await c.query(`DROP SCHEMA ${schema.name}`);
      await c.query(dump);
    });
    const store = await PostgresStore.open(schema.url);
    cleanups.push(() => store.close());
    expect((await store.info()).schema_version).toBe(PG_MIGRATIONS.at(-1)!.version);
    await expectPreviousReleaseIntact(store, schema.name);
  });
});

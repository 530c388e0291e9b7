import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../../src/store/postgres/location.js';
import { PG_MIGRATIONS } from '../../../src/store/postgres/migrations.js';
import { PostgresStore } from '../../../src/store/postgres/store.js';
import { withAdmin } from '../../helpers/pg-admin.js';
import { freshSchema, openStore } from './open.js';

const ALL = PG_MIGRATIONS.map((m) => m.version);
const versions = (schema: string) =>
  withAdmin(async (c) => (await c.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY 1`)).rows);

describe('PostgreSQL migrations', () => {
  it('four stores starting at once on an empty schema migrate it exactly once', async () => {
    const schema = await freshSchema();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(schema.url)));
    expect((await versions(schema.name)).map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
    for (const store of stores) {
      expect((await store.info()).schema_version).toBe(PG_MIGRATIONS.at(-1)!.version);
    }
  });

  it('creates the schema named by the search_path when it does not exist yet', async () => {
    const schema = await freshSchema();
    await withAdmin((c) => c.query(`DROP SCHEMA ${schema.name}`));
    const store = await openStore(schema.url);
    expect((await store.info()).location).toContain(schema.name);
    expect(await versions(schema.name)).toHaveLength(PG_MIGRATIONS.length);
  });

  it('refuses a schema newer than this Bindery knows, saying so', async () => {
    const schema = await freshSchema();
    await (await PostgresStore.open(schema.url)).close();
    await withAdmin((c) =>
      c.query(`INSERT INTO ${schema.name}.schema_migrations VALUES (99, 'from the future', now())`),
    );
    await expect(PostgresStore.open(schema.url)).rejects.toThrow(
      `schema has version 99, newer than this Bindery knows (${ALL.at(-1)}); upgrade Bindery`,
    );
  });

  it("keeps a chunk's text in its row and its vector out of it (search reads the one, never the other)", async () => {
    const schema = await freshSchema();
    await (await openStore(schema.url)).close();
    const storage = await withAdmin(
      async (c) =>
        (
          await c.query(
            `SELECT attname, attstorage FROM pg_attribute
              WHERE attrelid = '${schema.name}.document_chunks'::regclass AND attname IN ('text', 'search')
              ORDER BY attname`,
          )
        ).rows,
    );
    expect(storage).toEqual([
      { attname: 'search', attstorage: 'e' },
      { attname: 'text', attstorage: 'm' },
    ]);
  });

  it('reports the location without the password', () => {
    expect(redactUrl('postgres://bindery:hunter2@db.internal:5432/tasks')).toBe(
      'postgres://bindery:***@db.internal:5432/tasks',
    );
  });
});

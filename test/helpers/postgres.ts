import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { schemaUrl, withAdmin } from './pg-admin.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Every schema this test run creates starts with it; the run's teardown drops them all. */
    pgSchemaPrefix: string;
  }
}

/** Which store the HTTP suites run against: the `postgres` vitest project sets BINDERY_TEST_STORE. */
export const TEST_STORE: 'sqlite' | 'postgres' =
  process.env.BINDERY_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

export interface TestSchema {
  name: string;
  url: string;
  drop: () => Promise<void>;
}

/** A fresh, empty schema of this run; `drop()` removes it (the run's teardown catches any left over). */
export async function createTestSchema(): Promise<TestSchema> {
  const name = `${inject('pgSchemaPrefix')}${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE SCHEMA ${name}`));
  return {
    name,
    url: schemaUrl(name),
    drop: () => withAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`)).then(() => {}),
  };
}

const workspaceSchemas = new Map<string, Promise<TestSchema>>();

/**
 * The database a server for this workspace uses under the current test store: undefined on SQLite, and on
 * PostgreSQL one schema per workspace, so a restart on the same workspace finds its data again.
 */
export function databaseUrlFor(workspace: string): Promise<string | undefined> {
  if (TEST_STORE === 'sqlite') return Promise.resolve(undefined);
  let schema = workspaceSchemas.get(workspace);
  if (!schema) {
    schema = createTestSchema();
    workspaceSchemas.set(workspace, schema);
  }
  return schema.then((s) => s.url);
}

/** Drops the schema of a workspace, if it has one. */
export async function dropWorkspaceSchema(workspace: string): Promise<void> {
  const schema = workspaceSchemas.get(workspace);
  if (!schema) return;
  workspaceSchemas.delete(workspace);
  await (await schema).drop();
}

/** The schema named in a URL made by `schemaUrl`. */
export function schemaOf(url: string): string {
  const match = /search_path=(\w+)/.exec(new URL(url).searchParams.get('options') ?? '');
  if (!match) throw new Error(`No search_path in ${url}`);
  return match[1]!;
}

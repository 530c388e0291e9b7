import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { DEFAULT_TEST_DATABASE_URL, testDatabaseUrl, withAdmin } from './helpers/pg-admin.js';

/** Schemas of runs that crashed before their teardown are dropped once they are this old. */
const STALE_S = 6 * 60 * 60;

/**
 * The postgres project needs a real PostgreSQL: an unreachable one fails the run (never skips it) and says
 * how to point the tests elsewhere. Each run's schemas share a prefix and are dropped at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    await withAdmin((c) => c.query('SELECT 1'));
  } catch (error) {
    const where = redact(testDatabaseUrl());
    throw new Error(
      `PostgreSQL is unreachable at ${where} (${(error as Error).message}). The postgres test project ` +
        `runs the suites on a real PostgreSQL: start one there, or point BINDERY_TEST_DATABASE_URL at ` +
        `another database the tests may create schemas in (default ${DEFAULT_TEST_DATABASE_URL}).`,
    );
  }
  const now = Math.floor(Date.now() / 1000);
  const prefix = `bindery_test_${now}_${randomBytes(3).toString('hex')}_`;
  await dropSchemas((name) => {
    const started = Number(/^bindery_test_(\d+)_/.exec(name)?.[1]);
    return started > 0 && now - started > STALE_S;
  });
  project.provide('pgSchemaPrefix', prefix);
  return () => dropSchemas((name) => name.startsWith(prefix));
}

async function dropSchemas(match: (name: string) => boolean): Promise<void> {
  await withAdmin(async (c) => {
    const { rows } = await c.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bindery\\_test\\_%'`,
    );
    for (const { nspname } of rows.filter((r) => match(r.nspname))) {
      await c.query(`DROP SCHEMA IF EXISTS ${nspname} CASCADE`);
    }
  });
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

import { defineConfig } from 'vitest/config';

/** Tests that need PostgreSQL whatever the store under test. */
const POSTGRES_ONLY = [
  'test/store/postgres/**/*.test.ts',
  // The behaviour suite runs over both stores, so it needs PostgreSQL too.
  'test/store/*.test.ts',
  'test/server/multi-server.test.ts',
  'test/server/access-multi-server.test.ts',
  'test/server/crash-exactly-once.test.ts',
  'test/cli/export-import.test.ts',
  'test/cli/doctor.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files start real servers and processes; two workers match the 2-core CI machine.
    maxWorkers: 2,
    setupFiles: ['test/helpers/fail-on-leak.ts'],
    // The same HTTP suites run on both stores: `postgres` repeats them with BINDERY_TEST_STORE=postgres
    // (a fresh schema per server, see test/helpers/postgres.ts). `--project sqlite` runs one of them.
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          exclude: POSTGRES_ONLY,
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: [
            'test/server/**/*.test.ts',
            'test/cli/serve.test.ts',
            'test/contract/surfaces.test.ts',
            ...POSTGRES_ONLY,
          ],
          env: { BINDERY_TEST_STORE: 'postgres' },
          globalSetup: ['test/global-setup.ts', 'test/global-setup-postgres.ts'],
        },
      },
    ],
  },
});

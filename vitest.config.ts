import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

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

/** Files that mostly wait on timers and child processes (a 90 s lease, supervision, restarts). */
const WAITING_FILES = ['test/mcp/leases.test.ts', 'test/cli/mcp-manager.test.ts', 'test/cli/serve.test.ts'];

/**
 * Vitest runs the longest files first once it has timings, but a clean clone (CI) has none and it falls back
 * to file size, which starts these small, slow files last: the run then ends with one worker waiting on a
 * lease. Starting them first lets their waits overlap the rest of the suite.
 */
class WaitingFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const waits = (file: TestSpecification) => WAITING_FILES.some((name) => file.moduleId.endsWith(name));
    return [...sorted.filter(waits), ...sorted.filter((file) => !waits(file))];
  }
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files start real servers and processes; two workers match the 2-core CI machine.
    maxWorkers: 2,
    setupFiles: ['test/helpers/fail-on-leak.ts'],
    sequence: { sequencer: WaitingFilesFirst },
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

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files start real servers and processes; two workers match the 2-core CI machine.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});

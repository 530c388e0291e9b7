import { spawnSync } from 'node:child_process';

/**
 * Tests that spawn `bindery` run the built CLI (tsc's output, bundled into dist/bin/ as `npm run build` does),
 * so build once before any test file starts. Type errors are `npm run build`'s and the linter's to report
 * (CI runs both first); tsc still emits, so they don't stop here.
 */
export default function setup(): void {
  // Each vitest project runs its global setup in this same process: build only once per run.
  if (process.env.BINDERY_TEST_BUILT) return;
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'ignore' });
  spawnSync(process.execPath, ['scripts/bundle-cli.mjs'], { stdio: 'ignore' });
  process.env.BINDERY_TEST_BUILT = '1';
}

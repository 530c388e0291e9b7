import { spawnSync } from 'node:child_process';

/**
 * Tests that spawn `bindery` run the built CLI, so build once before any test file starts. Type errors are
 * `npm run build`'s and the linter's to report (CI runs both first); tsc still emits, so they don't stop here.
 */
export default function setup(): void {
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'ignore' });
}

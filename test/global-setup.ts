import { execFileSync } from 'node:child_process';

/** Tests that spawn `bindery` run the built CLI: build once before any test file starts. */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}

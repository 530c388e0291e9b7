import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const DATA_DIR = '.vespera';

/**
 * SPEC §7: BINDERY_WORKSPACE, else the nearest ancestor of the working directory holding `.vespera/` or
 * `.git/`, else the working directory itself.
 */
export function detectWorkspace(cwd: string, explicit?: string): string {
  if (explicit) return resolve(cwd, explicit);
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, DATA_DIR)) || existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(cwd);
    dir = parent;
  }
}

export function dataDir(workspace: string): string {
  return join(workspace, DATA_DIR);
}

export function sqlitePath(workspace: string): string {
  return join(dataDir(workspace), 'tasks.db');
}

/**
 * Where a workspace's files live. Every process of a workspace (server, MCP process, manager, CLI) agrees
 * on these names, so they are declared once, here: `<workspace>/.vespera/` holds the SQLite database, the
 * manager's shared state and the server log (docs/manager.md describes each file).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const DATA_DIR = '.vespera';

/**
 * BINDERY_WORKSPACE (given as `explicit`), else the nearest ancestor of the working directory holding
 * `.vespera/` or `.git/`, else the working directory itself.
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

/** Where the manager's shared state lives. */
export interface ManagerPaths {
  /** Written by the server once it listens: how clients find it. */
  serverFile: string;
  /** Held while one process discovers, launches or retires the backend. */
  lockFile: string;
  /** One lease file per MCP process using the backend. */
  clientsDir: string;
  logFile: string;
}

export function managerPaths(workspace: string): ManagerPaths {
  const dir = dataDir(workspace);
  return {
    serverFile: join(dir, 'server.json'),
    lockFile: join(dir, 'manager.lock'),
    clientsDir: join(dir, 'clients'),
    logFile: join(dir, 'logs', 'server.log'),
  };
}

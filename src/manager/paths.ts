import { join } from 'node:path';
import { dataDir } from '../store/workspace.js';

/** Where the manager's shared state lives; every process of a workspace agrees on these names. */
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

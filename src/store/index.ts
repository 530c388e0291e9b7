import { SqliteStore } from './sqlite/store.js';
import type { Store } from './types.js';
import { sqlitePath } from './workspace.js';

export type { Store } from './types.js';
export { dataDir, detectWorkspace, sqlitePath } from './workspace.js';

export interface StoreConfig {
  workspace: string;
  /** `postgres://…` selects PostgreSQL; unset = SQLite in the workspace. */
  databaseUrl?: string | undefined;
}

export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.databaseUrl) throw new Error('BINDERY_DATABASE_URL: PostgreSQL is not supported yet.');
  return new SqliteStore(sqlitePath(config.workspace)) as unknown as Store;
}

import { sqlitePath } from '../runtime/workspace.js';
import { PostgresStore } from './postgres/store.js';
import type { SqliteMemory } from './sqlite/memory.js';
import { SqliteStore } from './sqlite/store.js';
import type { Store, TransferStore } from './types.js';

export type { Store } from './types.js';

export interface StoreConfig {
  workspace: string;
  /** `postgres://…` selects PostgreSQL; unset = SQLite in the workspace. */
  databaseUrl?: string | undefined;
  /** SQLite only: the page cache and memory map (defaults in SQLITE_MEMORY). */
  sqliteMemory?: SqliteMemory | undefined;
}

export async function openStore(config: StoreConfig): Promise<Store & TransferStore> {
  if (config.databaseUrl) return PostgresStore.open(config.databaseUrl);
  return new SqliteStore(sqlitePath(config.workspace), config.sqliteMemory);
}

import { sqlitePath } from '../runtime/workspace.js';
import type { SqliteMemory } from './sqlite/memory.js';
import type { Store, TransferStore } from './types.js';

export type { Store } from './types.js';

export interface StoreConfig {
  workspace: string;
  /** `postgres://…` selects PostgreSQL; unset = SQLite in the workspace. */
  databaseUrl?: string | undefined;
  /** SQLite only: the page cache and memory map (defaults in SQLITE_MEMORY). */
  sqliteMemory?: SqliteMemory | undefined;
}

/** Each store's driver is loaded only when that store is opened (pg is not needed on SQLite, nor the reverse). */
export async function openStore(config: StoreConfig): Promise<Store & TransferStore> {
  if (config.databaseUrl) {
    const { PostgresStore } = await import('./postgres/store.js');
    return PostgresStore.open(config.databaseUrl);
  }
  const { SqliteStore } = await import('./sqlite/store.js');
  return new SqliteStore(sqlitePath(config.workspace), config.sqliteMemory);
}

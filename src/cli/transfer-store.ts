import { existsSync } from 'node:fs';
import { ConfigError } from '../runtime/settings.js';
import { detectWorkspace, sqlitePath } from '../runtime/workspace.js';
import { openStore } from '../store/index.js';
import type { Store, TransferStore } from '../store/types.js';

export interface StoreFlags {
  workspace?: string | undefined;
  'database-url'?: string | undefined;
}

/**
 * The store `bindery export` reads or `bindery import` writes, chosen as `bindery serve` chooses it:
 * --database-url or BINDERY_DATABASE_URL selects PostgreSQL, else the workspace's SQLite file.
 */
export async function openTransferStore(
  flags: StoreFlags,
  options: { mustExist: boolean },
): Promise<Store & TransferStore> {
  const databaseUrl = flags['database-url'] ?? (process.env.BINDERY_DATABASE_URL || undefined);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      '--database-url / BINDERY_DATABASE_URL must start with postgres:// or postgresql://.',
    );
  }
  const workspace = detectWorkspace(
    process.cwd(),
    flags.workspace ?? (process.env.BINDERY_WORKSPACE || undefined),
  );
  if (!databaseUrl && options.mustExist && !existsSync(sqlitePath(workspace))) {
    throw new ConfigError(
      `No Bindery database at ${sqlitePath(workspace)}; pass --workspace or --database-url.`,
    );
  }
  return openStore({ workspace, databaseUrl });
}

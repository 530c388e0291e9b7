import { BinderyError } from '../../contract/index.js';
import type { WriteGuard } from '../types.js';
import type { Dialect, Executor } from './dialect.js';

/** Refuse a write whose expected version is stale. */
export function checkVersion(
  entity: 'task' | 'project' | 'note',
  id: string,
  stored: number,
  guard: WriteGuard,
): void {
  if (guard.expectedVersion !== undefined && guard.expectedVersion !== stored) {
    throw BinderyError.conflict(
      `The ${entity} ${id} is at version ${stored}, not ${guard.expectedVersion}: someone changed it. Read it again and reapply your change.`,
      { current_version: stored, expected_version: guard.expectedVersion },
    );
  }
}

/** Project names are unique: the refusal names the project that already has it. */
export function duplicateProjectName(name: string, otherId: string): BinderyError {
  return BinderyError.conflict(`A project named "${name}" already exists (${otherId}).`, [
    { field: 'name', reason: 'must be unique' },
  ]);
}

/**
 * Locks the row of an entity about to change and checks its version: not_found when it is missing,
 * conflict when `guard` expects another version. Returns the stored version.
 */
export async function lockVersion(
  x: Executor,
  dialect: Dialect,
  entity: 'task' | 'project' | 'note',
  id: string,
  guard: WriteGuard,
): Promise<number> {
  // NO KEY UPDATE: the id never changes, so inserts that merely reference this row are not blocked.
  const version = await x.value<number>(
    `SELECT version FROM ${entity}s WHERE id = $1${dialect.forNoKeyUpdate}`,
    [id],
  );
  if (version === undefined) throw BinderyError.notFound(entity, id);
  checkVersion(entity, id, version, guard);
  return version;
}

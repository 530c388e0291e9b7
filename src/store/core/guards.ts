import { BinderyError } from '../../contract/index.js';
import type { WriteGuard } from '../types.js';

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

import { BinderyError } from '../contract/index.js';
import type { WriteGuard } from './types.js';

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

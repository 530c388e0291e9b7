import { AsyncLocalStorage } from 'node:async_hooks';
import { BinderyError } from '../contract/index.js';
import type { IdempotencyClaim } from './types.js';

/**
 * The Idempotency-Key a request runs under, seen by the store's write-transaction runners: the request's
 * first write also marks the key committed, in the same transaction, so a crash leaves both or neither
 * (docs/decisions/012-02-exactly-once.md). When a key's write committed but its answer was never stored,
 * the request is run again in `replay` mode: its first write is not executed but answers what it
 * answered then, so the service derives the same answer without writing twice.
 */
export interface IdempotencyScope {
  claim: IdempotencyClaim;
  /** Set once the first write committed (or was replayed); later writes are not marked. */
  committed: boolean;
  /** The committed first write's result, when re-deriving an answer. */
  replay?: { result: unknown };
}

const storage = new AsyncLocalStorage<IdempotencyScope>();

export function runWithIdempotency<T>(scope: IdempotencyScope, fn: () => Promise<T>): Promise<T> {
  return storage.run(scope, fn);
}

/** The scope whose first write the caller is about to run, if any. */
export function firstWriteScope(): IdempotencyScope | undefined {
  const scope = storage.getStore();
  return scope && !scope.committed ? scope : undefined;
}

/** The marker's body: the write's result as JSON (`undefined` stored as null). */
export function markerBody(result: unknown): string {
  return JSON.stringify(result ?? null);
}

/** The mark found no pending claim: another server took the key over, so this write must not commit. */
export function claimLost(): BinderyError {
  return BinderyError.conflict(
    'This Idempotency-Key was taken over by another server while the request ran; retry to get its answer.',
    [{ field: 'Idempotency-Key', reason: 'taken over by another server' }],
  );
}
